"""Deterministic seller-centre export files (Shopee, TikTok Shop, Lazada, Amazon) in their real shapes, with
an exact count of bad, totals and description rows, for demos, tests and benchmarks."""

from __future__ import annotations

import csv
import itertools
import json
import os
import random
import struct
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from io import BytesIO
from math import gcd
from pathlib import Path

import xlsxwriter

BAD_DATE = "bad_date"
NEGATIVE_QUANTITY = "negative_quantity"
MISSING_REQUIRED = "missing_required"
TOTALS = "totals"
DESCRIPTION = "description"
SKIPPED_CATEGORIES = frozenset({TOTALS, DESCRIPTION})
ALL_BAD = frozenset({BAD_DATE, NEGATIVE_QUANTITY, MISSING_REQUIRED})

MANIFEST_NAME = "manifest.json"
# xlsxwriter already fixes zip entry times; a fixed creation date makes the whole xlsx reproducible.
XLSX_CREATED = datetime(2024, 12, 1)
CSV_BUFFER_BYTES = 1 << 20
DAY_S = 86_400
ORDER_DAY = date(2024, 11, 1)
PRODUCT_WEEK = (date(2024, 11, 4), date(2024, 11, 10))
AMAZON_MONTH = (date(2024, 11, 1), date(2024, 11, 30))
# Amazon times are UTC and get shifted into the shop's zone: keep them a day clear of the month's edges.
AMAZON_SAFE_DAYS = (date(2024, 11, 2), 28)

Row = list
Body = Iterable[tuple[Row, "str | None"]]


@dataclass
class DemoFile:
    """One written export file and what a correct sync of it must report."""

    key: str
    path: str
    platform: str
    shop_id: str
    domain: str
    granularity: str
    period_start: str
    period_end: str
    encoding: str
    rows: int
    expected: dict

    def as_dict(self) -> dict:
        return asdict(self)


def demo_exports_write(*, out_dir: Path, rows: int, seed: int, only: list[str] | None = None) -> list[DemoFile]:
    """Write the demo files (all, or the keys in `only`) under out_dir and a manifest.json describing them."""
    if rows < 1:
        raise ValueError("rows must be at least 1")
    keys = list(DEMO_MAKERS) if only is None else list(dict.fromkeys(only))
    unknown = [key for key in keys if key not in DEMO_MAKERS]
    if unknown:
        raise ValueError(f"unknown demo file keys {unknown}; known: {sorted(DEMO_MAKERS)}")
    out_dir = Path(out_dir)
    # A string seed is hashed with SHA-512 by `random`, so every file gets its own stable stream.
    files = [DEMO_MAKERS[key](out_dir=out_dir, rows=rows, rng=random.Random(f"{seed}:{key}")) for key in keys]
    demo_manifest_write(out_dir=out_dir, files=files)
    return files


def demo_manifest_write(*, out_dir: Path, files: list[DemoFile]) -> Path:
    """Add `files` to out_dir's manifest.json, replacing entries of the same key.

    Merged rather than overwritten so that a run with `only` keeps describing the files written before.
    """
    path = Path(out_dir) / MANIFEST_NAME
    entries = {entry["key"]: entry for entry in json.loads(path.read_text("utf-8"))} if path.exists() else {}
    entries.update((file.key, file.as_dict()) for file in files)
    order = {key: n for n, key in enumerate(DEMO_MAKERS)}
    ordered = sorted(entries.values(), key=lambda entry: order.get(entry["key"], len(order)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ordered, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


# --- Accounting and placement ------------------------------------------------------------------


class _Tally:
    def __init__(self) -> None:
        self.rows = 0
        self.quarantined: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()

    def add(self, outcome: str | None) -> None:
        self.rows += 1
        if outcome in SKIPPED_CATEGORIES:
            self.skipped[outcome] += 1
        elif outcome:
            self.quarantined[outcome] += 1

    def expected(self) -> dict:
        quarantined, skipped = sum(self.quarantined.values()), sum(self.skipped.values())
        return {
            "ingested": self.rows - quarantined - skipped,
            "quarantined": quarantined,
            "skipped": skipped,
            "quarantine_reasons": dict(sorted(self.quarantined.items())),
            "skipped_reasons": dict(sorted(self.skipped.items())),
        }


@dataclass(frozen=True)
class _Place:
    platform: str
    shop_id: str
    domain: str
    granularity: str
    stem: str
    ext: str
    encoding: str = ""  # empty for xlsx: not a text file

    def rel(self, start: date, end: date) -> str:
        name = f"{self.stem}.{start:%Y%m%d}_{end:%Y%m%d}.{self.ext}"
        return f"{self.platform}/{self.shop_id}/{self.domain}/{self.granularity}/{name}"


def _emit(out_dir: Path, key: str, place: _Place, period: tuple[date, date], write: Callable[[Path], _Tally]
          ) -> DemoFile:
    rel = place.rel(*period)
    final = out_dir / rel
    final.parent.mkdir(parents=True, exist_ok=True)
    # The inbox may be scanned while we write: build a dot-file beside the target, rename it when complete.
    partial = final.with_name(f".{final.name}.part")
    try:
        tally = write(partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, final)
    return DemoFile(
        key=key,
        path=rel,
        platform=place.platform,
        shop_id=place.shop_id,
        domain=place.domain,
        granularity=place.granularity,
        period_start=period[0].isoformat(),
        period_end=period[1].isoformat(),
        encoding=place.encoding,
        rows=tally.rows,
        expected=tally.expected(),
    )


def _bad_kind(index: int, kinds: frozenset[str]) -> str | None:
    # Fixed residues give exact counts (2% / 1% / 1%) that never coincide, so a bad row has one reason.
    if index % 50 == 3 and BAD_DATE in kinds:
        return BAD_DATE
    if index % 100 == 11 and NEGATIVE_QUANTITY in kinds:
        return NEGATIVE_QUANTITY
    if index % 100 == 17 and MISSING_REQUIRED in kinds:
        return MISSING_REQUIRED
    return None


# --- Writers -------------------------------------------------------------------------------------


def _write_xlsx(path: Path, *, sheet: str, head: list[Row], body: Body, images=(), date_format="yyyy-mm-dd hh:mm"):
    """Rows go strictly top to bottom: constant_memory mode flushes each row once the next one starts."""
    tally = _Tally()
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_urls": False})
    workbook.set_properties({"created": XLSX_CREATED})
    sheet_ = workbook.add_worksheet(sheet)
    date_cell = workbook.add_format({"num_format": date_format})
    for row, values in enumerate(head):
        _xlsx_row(sheet_, row, values, date_cell)
    row = len(head)
    for values, outcome in body:
        _xlsx_row(sheet_, row, values, date_cell)
        tally.add(outcome)
        row += 1
    for img_row, img_col, name, png in images:
        sheet_.insert_image(img_row, img_col, name, {"image_data": BytesIO(png), "object_position": 1})
    workbook.close()
    return tally


def _xlsx_row(sheet, row: int, values: Row, date_cell) -> None:
    write_string, write_number = sheet.write_string, sheet.write_number
    for col, value in enumerate(values):
        kind = type(value)
        if kind is str:
            if value:
                write_string(row, col, value)
        elif kind is datetime:
            sheet.write_datetime(row, col, value, date_cell)
        elif value is not None:
            write_number(row, col, value)


def _write_csv(path: Path, *, encoding: str, head: list[Row], body: Body, delimiter=",", lineterminator="\r\n"):
    tally = _Tally()
    with open(path, "w", encoding=encoding, newline="", buffering=CSV_BUFFER_BYTES) as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator=lineterminator)
        writer.writerows(head)
        writer.writerows(_counted(body, tally))
    return tally


def _counted(body: Body, tally: _Tally) -> Iterator[Row]:
    for values, outcome in body:
        tally.add(outcome)
        yield values


def _png(seed: int, size: int = 24) -> bytes:
    """A small valid RGB PNG (a two-colour diagonal pattern) built without an imaging library."""
    fg = bytes(((seed * 97) % 256, (seed * 57 + 80) % 256, (seed * 31 + 160) % 256))
    bg = b"\xff\xff\xff"
    raw = b"".join(b"\x00" + b"".join(fg if (x + y) % 8 < 4 else bg for x in range(size)) for y in range(size))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


# --- Shared pieces: ids, catalogue, orders ---------------------------------------------------------


def _scrambled(rng: random.Random, modulus: int) -> Iterator[int]:
    """Distinct numbers below `modulus` that look random: k -> offset + k*step is a bijection when gcd is 1."""
    step = rng.randrange(modulus // 3, modulus)
    while gcd(step, modulus) != 1:
        step += 1
    offset = rng.randrange(modulus)
    return ((offset + k * step) % modulus for k in itertools.count())


def _digits(rng: random.Random, prefix: str, width: int) -> Iterator[str]:
    return (f"{prefix}{n:0{width}d}" for n in _scrambled(rng, 10**width))


def _shopee_order_ids(rng: random.Random, day: date) -> Iterator[str]:
    for n in _scrambled(rng, 26**4 * 10_000):
        code, number = divmod(n, 10_000)
        letters = "".join(chr(65 + (code // 26**i) % 26) for i in range(4))
        yield f"{day:%y%m%d}{letters}{number:04d}"


@dataclass(frozen=True, slots=True)
class _Product:
    number: int  # position in the catalogue, for platform ids derived from it
    name: str
    variation: str
    sku: str
    parent_sku: str
    price: float
    deal: float
    weight: float


# (parent SKU, English name, Chinese name, price, [(English, Chinese) variations])
_CATALOGUE = [
    ("FLASK500", "Stainless Steel Vacuum Flask 500ml", "不锈钢保温杯 500ml", 39.9,
     [("Black", "黑色"), ("Silver", "银色"), ("Rose Gold", "玫瑰金")]),
    ("TEE-OVS", "Cotton Oversized T-Shirt", "纯棉宽松T恤", 29.9, [("S", "S"), ("M", "M"), ("L", "L"), ("XL", "XL")]),
    ("EARBUD53", "Wireless Earbuds Bluetooth 5.3", "无线蓝牙耳机 5.3", 89.0, [("White", "白色"), ("Black", "黑色")]),
    ("PAN28", "Non-stick Frying Pan 28cm", "不粘锅炒锅 28cm", 65.5, []),
    ("WIPES80", "Baby Wet Wipes 80 sheets x 3 packs", "婴儿湿巾 80抽×3包", 12.9, []),
    ("KB-MECH", "Gaming Mechanical Keyboard", "机械键盘 游戏专用", 159.0, [("Red Switch", "红轴"), ("Blue Switch", "青轴")]),
    ("ROBOVAC", "Robot Vacuum Cleaner with Mop", "扫地拖地机器人", 1299.0, [("Standard", "标准版"), ("Pro", "旗舰版")]),
    ("SERUM30", "Face Serum 30ml", "精华液 30ml", 45.0, [("Vitamin C", "维C"), ("Niacinamide", "烟酰胺")]),
    ("CASE-IP15", "Phone Case for iPhone 15", "iPhone 15 手机壳", 9.9,
     [("Clear", "透明"), ("Black", "黑色"), ("Pink", "粉色")]),
    ("CHAIR-ERG", "Ergonomic Office Chair", "人体工学办公椅", 459.0, [("Black", "黑色"), ("Grey", "灰色")]),
    ("TV55-4K", "Smart TV 55 inch 4K UHD", "55英寸 4K 智能电视", 2499.0, []),
    ("LAMP-LED", "LED Desk Lamp Foldable", "LED 折叠台灯", 35.8, [("Warm", "暖光"), ("Cool", "冷光")]),
]

_AMAZON_CATALOGUE = [
    ("MUG-CAFE", "Café Crème Ceramic Mug 12 oz", 14.99, ["Blue", "White"]),
    ("FLASK-MULLER", "Müller Stainless Steel Thermos 17 oz", 24.95, ["Black", "Steel"]),
    ("TORCH-BRULEE", "Crème Brûlée Kitchen Torch", 19.99, []),
    ("SAUCE-JALAP", "Jalapeño Hot Sauce Gift Pack (3 Bottles)", 21.5, []),
    ("TOWEL-UBER", "Über Soft Cotton Bath Towel Set", 32.0, ["Grey", "Navy", "Sand"]),
    ("SLEEVE-PKMN", "Pokémon Card Sleeves, 100 Count", 8.99, []),
    ("PRINT-NAIVE", "Naïve Art Canvas Print – 16x20", 45.0, ["Framed", "Unframed"]),
    ("SUN-SENORITA", "Señorita Polarized Sunglasses UV400", 17.49, ["Tortoise", "Black"]),
    ("BOARD-SMORG", "Smörgåsbord Bamboo Cutting Board", 27.99, []),
    ("WALLET-GARCON", "Garçon Leather Bifold Wallet", 39.0, ["Brown", "Black"]),
]


def _catalogue(rng: random.Random, *, chinese: bool = False) -> list[_Product]:
    products = []
    for parent, english, chinese_name, price, variations in _CATALOGUE:
        for j, variation in enumerate(variations or [("", "")]):
            sku = f"{parent}-{j + 1:02d}" if variations else parent
            name = chinese_name if chinese else english
            products.append(_product(rng, len(products), name, variation[1 if chinese else 0], sku, parent, price))
    return products


def _amazon_catalogue(rng: random.Random) -> list[_Product]:
    products = []
    for parent, name, price, variations in _AMAZON_CATALOGUE:
        for variation in variations or [""]:
            sku = f"{parent}-{variation.upper()}" if variation else parent
            full_name = f"{name}, {variation}" if variation else name
            products.append(_product(rng, len(products), full_name, variation, sku, parent, price))
    return products


def _product(rng: random.Random, number: int, name: str, variation: str, sku: str, parent: str, price: float):
    deal = round(price * rng.choice((1.0, 1.0, 0.9, 0.85, 0.8)), 2)
    return _Product(number, name, variation, sku, parent, price, deal, round(rng.uniform(0.1, 4.0), 2))


STAGES = ("delivered", "shipped", "to_ship", "cancelled", "unpaid")
STAGE_WEIGHTS = (50, 15, 17, 10, 8)
LINES_PER_ORDER = (1, 2, 3)
LINES_WEIGHTS = (60, 25, 15)


@dataclass(slots=True)
class _Line:
    index: int  # 0-based data row of the file
    product: _Product
    quantity: int  # as written: negative on a negative_quantity row
    bad: str | None


@dataclass(slots=True)
class _Order:
    stage: str
    created: datetime
    paid: datetime | None
    lines: list[_Line]

    def units(self) -> int:
        return sum(abs(line.quantity) for line in self.lines)

    def subtotal(self) -> float:
        return sum(line.product.deal * abs(line.quantity) for line in self.lines)


def _orders(rng, *, rows: int, kinds: frozenset[str], catalogue: list[_Product], start: datetime, span_s: int,
            max_quantity: int = 3) -> Iterator[_Order]:
    """Orders of 1-3 distinct SKUs, `rows` lines in all; bad lines are chosen by their row index."""
    index = 0
    while index < rows:
        size = min(rows - index, rng.choices(LINES_PER_ORDER, LINES_WEIGHTS)[0])
        stage = rng.choices(STAGES, STAGE_WEIGHTS)[0]
        created = start + timedelta(seconds=rng.randrange(span_s))
        unpaid = stage == "unpaid" or (stage == "cancelled" and rng.random() < 0.5)
        paid = None if unpaid else created + timedelta(seconds=rng.randrange(30, 3600))
        lines = []
        for product in rng.sample(catalogue, size):
            bad = _bad_kind(index, kinds)
            quantity = rng.randint(1, max_quantity)
            lines.append(_Line(index, product, -quantity if bad == NEGATIVE_QUANTITY else quantity, bad))
            index += 1
        yield _Order(stage, created, paid, lines)


def _grouped(value: float, currency: str = "") -> str:
    return f"{currency}{value:,.2f}"


def _percent(rate: float) -> str:
    return f"{rate * 100:.2f}%"


def _count(rng: random.Random, value: int):
    # Big counts come as text with thousands separators as often as as numbers.
    return f"{value:,}" if value >= 1000 and rng.random() < 0.7 else value


# --- Shopee orders ---------------------------------------------------------------------------------

SHOPEE_ORDER_HEADERS = [
    "Order ID", "Order Status", "Cancel reason", "Return / Refund Status", "Tracking Number*", "Shipping Option",
    "Shipment Method", "Estimated Ship Out Date", "Ship Time", "Order Creation Date", "Order Paid Time",
    "Parent SKU Reference No.", "Product Name", "SKU Reference No.", "Variation Name", "Original Price",
    "Deal Price", "Quantity", "Returned quantity", "Product Subtotal", "Seller Rebate", "Seller Discount",
    "Shopee Rebate", "SKU Total Weight", "No of product in order", "Order Total Weight", "Voucher Code From Seller",
    "Seller Voucher", "Seller Absorbed Coin Cashback", "Shopee Voucher", "Bundle Deal Indicator",
    "Shopee Bundle Discount", "Seller Bundle Discount", "Shopee Coins Offset", "Credit Card Discount Total",
    "Total Amount", "Buyer Paid Shipping Fee", "Shipping Rebate Estimate", "Reverse Shipping Fee", "Transaction Fee",
    "Commission Fee", "Service Fee", "Grand Total", "Estimated Shipping Fee", "Username (Buyer)", "Receiver Name",
    "Phone Number", "Delivery Address", "Town", "District", "City", "Province", "Country", "Zip Code",
    "Remark from buyer", "Order Complete Time", "Note",
]
SHOPEE_MONEY = [
    "Original Price", "Deal Price", "Product Subtotal", "Seller Rebate", "Seller Discount", "Shopee Rebate",
    "Seller Voucher", "Seller Absorbed Coin Cashback", "Shopee Voucher", "Shopee Bundle Discount",
    "Seller Bundle Discount", "Shopee Coins Offset", "Credit Card Discount Total", "Total Amount",
    "Buyer Paid Shipping Fee", "Shipping Rebate Estimate", "Reverse Shipping Fee", "Transaction Fee",
    "Commission Fee", "Service Fee", "Grand Total", "Estimated Shipping Fee",
]
SHOPEE_DATES = ["Estimated Ship Out Date", "Ship Time", "Order Creation Date", "Order Paid Time", "Order Complete Time"]
# Simplified Chinese header -> the English column it carries (template aliases plus a few unmapped columns).
SHOPEE_ZH_COLUMNS = [
    ("订单编号", "Order ID"), ("订单状态", "Order Status"), ("不成立原因", "Cancel reason"),
    ("买家账号", "Username (Buyer)"), ("订单成立日期", "Order Creation Date"), ("买家付款时间", "Order Paid Time"),
    ("商品总价", "Product Subtotal"), ("买家支付运费", "Buyer Paid Shipping Fee"), ("买家总支付金额", "Grand Total"),
    ("卖场优惠券", "Seller Voucher"), ("商品名称", "Product Name"), ("商品选项名称", "Variation Name"),
    ("商品原价", "Original Price"), ("商品活动价格", "Deal Price"), ("主商品货号", "Parent SKU Reference No."),
    ("商品选项货号", "SKU Reference No."), ("数量", "Quantity"), ("退货数量", "Returned quantity"),
    ("收件者姓名", "Receiver Name"), ("城市", "City"), ("包裹查询号码", "Tracking Number*"),
    ("实际出货时间", "Ship Time"), ("买家备注", "Remark from buyer"), ("备注", "Note"),
]
_SHOPEE_TEXT = {
    "en": {
        "status": {"delivered": "Completed", "shipped": "Shipping", "to_ship": "To ship", "cancelled": "Cancelled",
                   "unpaid": "Unpaid"},
        "cancel": ("Buyer did not pay on time", "Need to change delivery address", "Out of stock"),
        "cities": (("Kuala Lumpur", "Wp Kuala Lumpur"), ("Petaling Jaya", "Selangor"), ("Johor Bahru", "Johor"),
                   ("George Town", "Penang"), ("Ipoh", "Perak"), ("Kota Kinabalu", "Sabah")),
        "remarks": ("Please pack well", "Call before delivery", "Leave at the guardhouse"),
        "notes": ("Gift wrap", "VIP buyer"),
    },
    "zh": {
        "status": {"delivered": "已完成", "shipped": "运送中", "to_ship": "待出货", "cancelled": "不成立", "unpaid": "待付款"},
        "cancel": ("买家未在期限内付款", "买家需要修改收件地址", "商品缺货"),
        "cities": (("吉隆坡", "吉隆坡联邦直辖区"), ("八打灵再也", "雪兰莪"), ("新山", "柔佛"), ("乔治市", "槟城"),
                   ("怡保", "霹雳"), ("亚庇", "沙巴")),
        "remarks": ("请包装好", "送货前请来电", "放在门卫处"),
        "notes": ("加急", "老客户"),
    },
}
_SHOPEE_BAD_DATES = ("2024-13-45 10:00", "not a date")


def _shopee_lines(rng: random.Random, orders: Iterable[_Order], *, ids: Iterator[str], lang: str):
    """One dict per order line, keyed by the English header; order-level amounts repeat on every line."""
    text = _SHOPEE_TEXT[lang]
    for order in orders:
        order_id, subtotal = next(ids), order.subtotal()
        shipped = order.stage in ("shipped", "delivered")
        shipping = rng.choice((0.0, 4.9, 5.9, 8.0))
        seller_voucher = min(rng.choice((0.0, 0.0, 2.0, 5.0, 10.0)), subtotal / 2)
        shopee_voucher = min(rng.choice((0.0, 0.0, 0.0, 3.0, 15.0)), subtotal / 2)
        coins = rng.choice((0.0, 0.0, 0.0, 0.12, 1.05))
        grand_total = subtotal - seller_voucher - shopee_voucher - coins + shipping
        city, province = rng.choice(text["cities"])
        order_row = {
            "Order Status": text["status"][order.stage],
            "Cancel reason": rng.choice(text["cancel"]) if order.stage == "cancelled" else None,
        "Return / Refund Status": None,
            "Tracking Number*": f"SPXMY0{rng.randrange(10**11):011d}" if shipped else None,
            "Shipping Option": rng.choice(("SPX Express", "J&T Express", "Ninja Van", "Standard Delivery")),
            "Shipment Method": rng.choice(("Drop off", "Pickup")),
            "Estimated Ship Out Date": order.created + timedelta(days=2),
            "Ship Time": order.created + timedelta(hours=rng.randint(6, 40)) if shipped else None,
            "Order Creation Date": order.created,
            "Order Paid Time": order.paid,
            "No of product in order": order.units(),
            "Order Total Weight": round(sum(line.product.weight * abs(line.quantity) for line in order.lines), 2),
            "Voucher Code From Seller": "SELLER5OFF" if seller_voucher else None,
            "Seller Voucher": seller_voucher,
            "Seller Absorbed Coin Cashback": 0.0,
            "Shopee Voucher": shopee_voucher,
            "Bundle Deal Indicator": "N",
            "Shopee Bundle Discount": 0.0,
            "Seller Bundle Discount": 0.0,
            "Shopee Coins Offset": coins,
            "Credit Card Discount Total": 0.0,
            "Total Amount": grand_total,
            "Buyer Paid Shipping Fee": shipping,
            "Shipping Rebate Estimate": rng.choice((0.0, 2.0, 4.0)),
            "Reverse Shipping Fee": 0.0,
            "Transaction Fee": grand_total * 0.0212,
            "Commission Fee": subtotal * 0.0535,
            "Service Fee": subtotal * 0.03,
            "Grand Total": grand_total,
            "Estimated Shipping Fee": shipping + rng.choice((0.0, 1.5, 3.0)),
            "Username (Buyer)": f"buyer_{rng.randrange(10**6):06d}",
            "Receiver Name": f"{chr(65 + rng.randrange(26))}****{chr(97 + rng.randrange(26))}",
            "Phone Number": f"******{rng.randrange(10_000):04d}",
            "Delivery Address": f"No. **, Jalan ****, {city}",
            "Town": None,
            "District": None,
            "City": city,
            "Province": province,
            "Country": "MY",
            "Zip Code": f"{rng.randrange(10_000, 99_000)}",
            "Remark from buyer": rng.choice(text["remarks"]) if rng.random() < 0.1 else None,
            "Order Complete Time": order.created + timedelta(days=4) if order.stage == "delivered" else None,
            "Note": rng.choice(text["notes"]) if rng.random() < 0.05 else None,
        }
        for line in order.lines:
            yield _shopee_line(order_row, order_id, line), line.bad


def _shopee_line(order_row: dict, order_id: str, line: _Line) -> dict:
    product, units = line.product, abs(line.quantity)
    row = dict(order_row)
    row.update({
        "Order ID": "" if line.bad == MISSING_REQUIRED else order_id,
        "Parent SKU Reference No.": product.parent_sku,
        "Product Name": product.name,
        "SKU Reference No.": product.sku,
        "Variation Name": product.variation,
        "Original Price": product.price,
        "Deal Price": product.deal,
        "Quantity": line.quantity,
        "Returned quantity": 0,
        # Left unrounded on purpose: real exports carry floats such as 2.9789999999999996.
        "Product Subtotal": product.deal * units,
        "Seller Rebate": 0.0,
        "Seller Discount": (product.price - product.deal) * units,
        "Shopee Rebate": 0.0,
        "SKU Total Weight": round(product.weight * units, 2),
    })
    if line.bad == BAD_DATE:
        row["Order Creation Date"] = _SHOPEE_BAD_DATES[line.index % 2]
    return row


def _shopee_date(value, style: int):
    if value is None:
        return "-"
    if type(value) is str:
        return value
    if style == 0:
        return value.strftime("%Y-%m-%d %H:%M")
    if style == 1:
        return value.strftime("%d/%m/%Y %H:%M")
    return value.replace(second=0)  # written as a real Excel date cell


def _shopee_money_cell(rng: random.Random, value: float):
    draw = rng.random()
    if value == 0:
        return "0.00" if draw < 0.5 else 0
    if draw < 0.6:
        return value
    return _grouped(value, "RM" if draw < 0.8 else "")


def _shopee_money_text(rng: random.Random, value: float) -> str:
    draw = rng.random()
    if value == 0 or draw < 0.4:
        return f"{value:.2f}"
    if draw < 0.6:
        return repr(value)
    return _grouped(value, "RM" if draw < 0.8 else "")


def _shopee_en_rows(rng: random.Random, lines) -> Iterator[tuple[Row, str | None]]:
    sums = dict.fromkeys(SHOPEE_MONEY + ["Quantity"], 0.0)
    for row, bad in lines:
        style = rng.randrange(3)
        for name in SHOPEE_DATES:
            row[name] = _shopee_date(row[name], style)
        for name in SHOPEE_MONEY:
            sums[name] += row[name]
            row[name] = _shopee_money_cell(rng, row[name])
        sums["Quantity"] += row["Quantity"]
        for name in ("Tracking Number*", "Voucher Code From Seller"):
            row[name] = row[name] or "-"
        yield [row[name] for name in SHOPEE_ORDER_HEADERS], bad
    totals = {name: round(total, 2) for name, total in sums.items()}
    yield ["Total"] + [totals.get(name) for name in SHOPEE_ORDER_HEADERS[1:]], TOTALS


def _shopee_zh_rows(rng: random.Random, lines) -> Iterator[tuple[Row, str | None]]:
    money = [source for _, source in SHOPEE_ZH_COLUMNS if source in SHOPEE_MONEY]
    sums = dict.fromkeys(money + ["Quantity"], 0.0)
    for row, bad in lines:
        style = rng.randrange(2)
        for name in ("Order Creation Date", "Order Paid Time", "Ship Time"):
            row[name] = _shopee_date(row[name], style)
        for name in money:
            sums[name] += row[name]
            row[name] = _shopee_money_text(rng, row[name])
        sums["Quantity"] += row["Quantity"]
        row["Tracking Number*"] = row["Tracking Number*"] or "-"
        yield [row[source] for _, source in SHOPEE_ZH_COLUMNS], bad
    totals = {name: f"{total:.2f}" for name, total in sums.items()}
    totals["Quantity"] = str(int(sums["Quantity"]))
    yield ["合计"] + [totals.get(source, "") for _, source in SHOPEE_ZH_COLUMNS[1:]], TOTALS


def _make_shopee_orders_xlsx(*, out_dir: Path, rows: int, rng: random.Random) -> DemoFile:
    place = _Place("shopee", "shopee_my_01", "orders", "daily", "Order.all", "xlsx")
    start = datetime.combine(ORDER_DAY, datetime.min.time())
    orders = _orders(rng, rows=rows, kinds=ALL_BAD, catalogue=_catalogue(rng), start=start, span_s=DAY_S)
    lines = _shopee_lines(rng, orders, ids=_shopee_order_ids(rng, ORDER_DAY), lang="en")
    head = [["Shopee Order Report"], [f"Shop: {place.shop_id}   Period: {ORDER_DAY} - {ORDER_DAY}"],
            SHOPEE_ORDER_HEADERS]
    body = _shopee_en_rows(rng, lines)
    return _emit(out_dir, "shopee_orders_xlsx", place, (ORDER_DAY, ORDER_DAY),
                 lambda path: _write_xlsx(path, sheet="orders", head=head, body=body))


def _make_shopee_orders_gb18030_csv(*, out_dir: Path, rows: int, rng: random.Random) -> DemoFile:
    place = _Place("shopee", "shopee_cn_01", "orders", "daily", "Order.all", "csv", "gb18030")
    start = datetime.combine(ORDER_DAY, datetime.min.time())
    catalogue = _catalogue(rng, chinese=True)
    orders = _orders(rng, rows=rows, kinds=ALL_BAD, catalogue=catalogue, start=start, span_s=DAY_S)
    lines = _shopee_lines(rng, orders, ids=_shopee_order_ids(rng, ORDER_DAY), lang="zh")
    head = [["虾皮订单报表"], [f"店铺：{place.shop_id}", f"统计周期：{ORDER_DAY} 至 {ORDER_DAY}"],
            [header for header, _ in SHOPEE_ZH_COLUMNS]]
    body = _shopee_zh_rows(rng, lines)
    return _emit(out_dir, "shopee_orders_gb18030_csv", place, (ORDER_DAY, ORDER_DAY),
                 lambda path: _write_csv(path, encoding=place.encoding, head=head, body=body))


# --- Shopee product performance, traffic and inventory -----------------------------------------------

SHOPEE_PRODUCT_HEADERS = [
    "Item ID", "Product", "Current Item Status", "Variation ID", "Variation Name", "Current Variation Status", "SKU",
    "Parent SKU", "Sales (Placed Order) (MYR)", "Sales (Confirmed Order) (MYR)", "Product Impression",
    "Product Clicks", "CTR", "Order Conversion Rate (Placed Order)", "Order Conversion Rate (Confirmed Order)",
    "Placed Order", "Confirmed Order", "Units (Placed Order)", "Units (Confirmed Order)", "Buyers (Placed Order)",
    "Buyers (Confirmed Order)", "Conversion Rate (Placed Order)", "Conversion Rate (Confirmed Order)",
    "Sales per Order (Placed Order) (MYR)", "Sales per Order (Confirmed Order) (MYR)", "Unique Product Impressions",
    "Unique Product Clicks", "Product Visitors (Visit)", "Product Page Views", "Product Bounce Visitors",
    "Product Bounce Rate", "Search Clicks", "Likes", "Product Visitors (Add to Cart)", "Units (Add to Cart)",
    "Conversion Rate (Add to Cart)",
]
PRODUCT_IMAGES = 3


def _product_metrics(rng: random.Random, price: float, deleted: bool) -> dict:
    """Funnel counts that stay consistent (clicks <= impressions, confirmed <= placed, ...)."""
    impressions = 0 if deleted else rng.randint(0, 250_000)
    clicks = int(impressions * rng.uniform(0.005, 0.08))
    visitors = int(clicks * rng.uniform(0.6, 0.95))
    placed = int(visitors * rng.uniform(0.0, 0.1))
    confirmed = int(placed * rng.uniform(0.7, 1.0))
    units = placed + int(placed * rng.uniform(0, 0.6))
    units_confirmed = min(units, confirmed + int(confirmed * rng.uniform(0, 0.6)))
    return {
        "impressions": impressions, "clicks": clicks, "visitors": visitors, "page_views": int(visitors * 1.4),
        "placed": placed, "confirmed": confirmed, "units": units, "units_confirmed": units_confirmed,
        "buyers": int(placed * 0.95), "buyers_confirmed": int(confirmed * 0.95),
        "sales": units * price, "sales_confirmed": units_confirmed * price,
        "bounce": int(visitors * rng.uniform(0.2, 0.6)), "cart": int(visitors * rng.uniform(0.02, 0.2)),
    }


def _rate(part: int, whole: int) -> str:
    return _percent(part / whole) if whole else "-"


def _money_mixed(rng: random.Random, value: float):
    if not value:
        return "-"
    return _grouped(value) if rng.random() < 0.6 else round(value, 2)


def _shopee_product_row(rng: random.Random, item: dict, variation: tuple[str, str, str, bool]) -> dict:
    variation_id, variation_name, sku, deleted = variation
    m = _product_metrics(rng, item["price"], deleted)
    return {
        "Item ID": item["id"], "Product": item["name"], "Current Item Status": item["status"],
        "Variation ID": variation_id, "Variation Name": variation_name,
        "Current Variation Status": "Deleted" if deleted else ("Normal" if variation_id != "-" else "-"),
        "SKU": sku, "Parent SKU": item["parent"],
        "Sales (Placed Order) (MYR)": _money_mixed(rng, m["sales"]),
        "Sales (Confirmed Order) (MYR)": _money_mixed(rng, m["sales_confirmed"]),
        "Product Impression": _count(rng, m["impressions"]), "Product Clicks": _count(rng, m["clicks"]),
        "CTR": _rate(m["clicks"], m["impressions"]),
        "Order Conversion Rate (Placed Order)": _rate(m["placed"], m["visitors"]),
        "Order Conversion Rate (Confirmed Order)": _rate(m["confirmed"], m["visitors"]),
        "Placed Order": m["placed"], "Confirmed Order": m["confirmed"],
        "Units (Placed Order)": m["units"], "Units (Confirmed Order)": m["units_confirmed"],
        "Buyers (Placed Order)": m["buyers"], "Buyers (Confirmed Order)": m["buyers_confirmed"],
        "Conversion Rate (Placed Order)": _rate(m["buyers"], m["visitors"]),
        "Conversion Rate (Confirmed Order)": _rate(m["buyers_confirmed"], m["visitors"]),
        "Sales per Order (Placed Order) (MYR)": _grouped(m["sales"] / m["placed"]) if m["placed"] else "-",
        "Sales per Order (Confirmed Order) (MYR)":
            _grouped(m["sales_confirmed"] / m["confirmed"]) if m["confirmed"] else "-",
        "Unique Product Impressions": _count(rng, int(m["impressions"] * 0.8)),
        "Unique Product Clicks": _count(rng, int(m["clicks"] * 0.9)),
        "Product Visitors (Visit)": _count(rng, m["visitors"]), "Product Page Views": _count(rng, m["page_views"]),
        "Product Bounce Visitors": m["bounce"], "Product Bounce Rate": _rate(m["bounce"], m["visitors"]),
        "Search Clicks": int(m["clicks"] * 0.4), "Likes": int(m["visitors"] * 0.03),
        "Product Visitors (Add to Cart)": m["cart"], "Units (Add to Cart)": m["cart"] + m["cart"] // 3,
        "Conversion Rate (Add to Cart)": _rate(min(m["placed"], m["cart"]), m["cart"]),
    }


def _shopee_items(rng: random.Random) -> Iterator[tuple[dict, list[tuple[str, str, str, bool]]]]:
    item_ids, variation_ids = _digits(rng, "2", 10), _digits(rng, "1", 11)
    for n in itertools.count():
        parent, name, _, price, variations = _CATALOGUE[n % len(_CATALOGUE)]
        model = ("", "2024", "Pro", "Lite", "Plus")[n // len(_CATALOGUE) % 5]
        item = {"id": next(item_ids), "name": f"{name} {model}".strip(), "price": price,
                "parent": "-".join(filter(None, (parent, model))),
                "status": "Normal" if rng.random() < 0.9 else "Unlisted"}
        if not variations:
            yield item, [("-", "-", item["parent"], False)]
            continue
        yield item, [(next(variation_ids), english, f"{item['parent']}-{j + 1:02d}", rng.random() < 0.05)
                     for j, (english, _) in enumerate(variations)]


PRODUCT_SALES_TOTALS = ["Sales (Placed Order) (MYR)", "Sales (Confirmed Order) (MYR)"]
PRODUCT_COUNT_TOTALS = ["Product Impression", "Product Clicks", "Placed Order", "Confirmed Order",
                        "Units (Placed Order)", "Units (Confirmed Order)", "Buyers (Placed Order)",
                        "Buyers (Confirmed Order)"]


def _shopee_product_rows(rng: random.Random, *, rows: int) -> Iterator[tuple[Row, str | None]]:
    kinds = frozenset({NEGATIVE_QUANTITY, MISSING_REQUIRED})
    sums = dict.fromkeys(PRODUCT_SALES_TOTALS + PRODUCT_COUNT_TOTALS, 0.0)
    pairs = ((item, variation) for item, variations in _shopee_items(rng) for variation in variations)
    for index, (item, variation) in zip(range(rows), pairs):
        row, bad = _shopee_product_row(rng, item, variation), _bad_kind(index, kinds)
        if bad == MISSING_REQUIRED:
            row["Item ID"] = ""
        elif bad == NEGATIVE_QUANTITY:
            row["Units (Placed Order)"] = -rng.randint(1, 5)
        for name in sums:
            sums[name] += _number(row[name])
        yield [row[name] for name in SHOPEE_PRODUCT_HEADERS], bad
    totals = {name: _grouped(sums[name]) for name in PRODUCT_SALES_TOTALS}
    totals.update({name: f"{int(sums[name]):,}" for name in PRODUCT_COUNT_TOTALS})
    yield ["Total"] + [totals.get(name) for name in SHOPEE_PRODUCT_HEADERS[1:]], TOTALS


def _number(value) -> float:
    if type(value) is str:
        return 0.0 if value == "-" else float(value.replace(",", ""))
    return value


def _make_shopee_products_xlsx(*, out_dir: Path, rows: int, rng: random.Random) -> DemoFile:
    place = _Place("shopee", "shopee_my_01", "products", "weekly", "productperformance", "xlsx")
    start, end = PRODUCT_WEEK
    head = [["Product Performance"], [f"Shop: {place.shop_id}   Period: {start:%d-%m-%Y} - {end:%d-%m-%Y}"],
            SHOPEE_PRODUCT_HEADERS]
    # Thumbnails beside the first data rows, as product exports embed them, for image-extraction tasks.
    images = [(len(head) + i, len(SHOPEE_PRODUCT_HEADERS), f"item_{i + 1}.png", _png(i + 1))
              for i in range(min(PRODUCT_IMAGES, rows))]
    body = _shopee_product_rows(rng, rows=rows)
    return _emit(out_dir, "shopee_products_xlsx", place, PRODUCT_WEEK,
                 lambda path: _write_xlsx(path, sheet="Sheet1", head=head, body=body, images=images))


SHOPEE_TRAFFIC_HEADERS = [
    "Date", "Visitors (Visit)", "Page Views", "Buyers (Placed Orders)", "Orders (Placed Orders)",
    "Units (Placed Orders)", "Sales (Confirmed Orders) (MYR)", "Conversion Rate (Placed Orders)", "Bounce Rate",
]
TRAFFIC_START = date(2024, 11, 1)


def _traffic_days(rng: random.Random, days: int) -> Iterator[tuple[int, ...]]:
    for _ in range(days):
        visitors = rng.randint(200, 40_000)
        buyers = int(visitors * rng.uniform(0.005, 0.06))
        orders = buyers + int(buyers * rng.uniform(0, 0.2))
        units = orders + int(orders * rng.uniform(0, 0.8))
        yield (visitors, int(visitors * rng.uniform(1.2, 3.0)), buyers, orders, units,
               round(units * rng.uniform(15, 80), 2), int(visitors * rng.uniform(0.25, 0.65)))


def _traffic_rows(rng: random.Random, metrics: Iterator[tuple]) -> Iterator[tuple[Row, str | None]]:
    kinds = frozenset({BAD_DATE, MISSING_REQUIRED})
    for index, (visitors, views, buyers, orders, units, sales, bounced) in enumerate(metrics):
        day = TRAFFIC_START + timedelta(days=index)
        bad = _bad_kind(index, kinds)
        if bad == BAD_DATE:
            shown = ("2024-13-45", "not a date")[index % 2]
        elif bad == MISSING_REQUIRED:
            shown = None
        else:
            shown = day.strftime("%d-%m-%Y" if rng.random() < 0.5 else "%Y-%m-%d")
        sales_cell = _grouped(sales) if rng.random() < 0.5 else sales
        yield [shown, _count(rng, visitors), _count(rng, views), buyers, orders, units, sales_cell,
               _rate(buyers, visitors), _rate(bounced, visitors)], bad


def _make_shopee_traffic_xlsx(*, out_dir: Path, rows: int, rng: random.Random) -> DemoFile:
    place = _Place("shopee", "shopee_my_01", "traffic", "daily", "salesoverview", "xlsx")
    period = (TRAFFIC_START, TRAFFIC_START + timedelta(days=rows - 1))
    # The summary sits above the daily rows, so the metrics are drawn twice from the same seed.
    metrics_seed = rng.random()
    totals = [sum(column) for column in zip(*_traffic_days(random.Random(metrics_seed), rows))]
    visitors, views, buyers, orders, units, sales, _ = totals
    head = [
        [f"Sales Overview   {place.shop_id}   {period[0]:%d-%m-%Y} - {period[1]:%d-%m-%Y}"],
        ["Visitors", "Page Views", "Buyers", "Orders", "Units", "Sales (MYR)", "Conversion Rate"],
        [visitors, views, buyers, orders, units, _grouped(sales), _rate(buyers, visitors)],
        [],
        SHOPEE_TRAFFIC_HEADERS,
    ]
    body = _traffic_rows(rng, _traffic_days(random.Random(metrics_seed), rows))
    return _emit(out_dir, "shopee_traffic_xlsx", place, period,
                 lambda path: _write_xlsx(path, sheet="Sales Overview", head=head, body=body))


# Miaoshou-style: asterisks and full-width brackets, amounts in CNY.
INVENTORY_HEADERS = ["*商品名称", "商品选项货号", "*单价（元）", "总价（元）", "库存总量", "可用库存", "预占库存",
                     "在途库存", "活动预留库存", "计划库存", "安全库存", "仓库"]
WAREHOUSES = ("深圳仓", "义乌仓", "吉隆坡海外仓")


def _inventory_rows(rng: random.Random, *, rows: int) -> Iterator[tuple[Row, str | None]]:
    kinds = frozenset({NEGATIVE_QUANTITY, MISSING_REQUIRED})
    catalogue = _catalogue(rng, chinese=True)
    index = 0
    for number in itertools.count():
        product = catalogue[number % len(catalogue)]
        sku = f"{product.sku}-B{number // len(catalogue):05d}"
        price = round(product.price * 0.35, 2)  # cost price in CNY
        for warehouse in rng.sample(WAREHOUSES, rng.choice((1, 1, 2))):
            if index == rows:
                return
            bad = _bad_kind(index, kinds)
            total = -rng.randint(1, 20) if bad == NEGATIVE_QUANTITY else rng.randint(0, 3000)
            reserved = rng.randint(0, total // 10) if total > 0 else 0
            name = f"{product.name} {product.variation}".strip()
            yield [name, "" if bad == MISSING_REQUIRED else sku, f"{price:.2f}", _grouped(price * max(total, 0)),
                   str(total), str(max(total, 0) - reserved), str(reserved), str(rng.choice((0, 0, 50, 200))),
                   "0", "", str(rng.choice((10, 20, 50))), warehouse], bad
            index += 1


def _make_shopee_inventory_gb18030_csv(*, out_dir: Path, rows: int, rng: random.Random) -> DemoFile:
    place = _Place("shopee", "shopee_cn_01", "inventory", "snapshot", "inventory", "csv", "gb18030")
    body = _inventory_rows(rng, rows=rows)
    return _emit(out_dir, "shopee_inventory_gb18030_csv", place, (ORDER_DAY, ORDER_DAY),
                 lambda path: _write_csv(path, encoding=place.encoding, head=[INVENTORY_HEADERS], body=body))


# --- TikTok Shop -----------------------------------------------------------------------------------

# (header, the Chinese description the xlsx carries on row 2)
TIKTOK_COLUMNS = [
    ("Order ID", "平台生成的订单编号"), ("Order Status", "订单当前所处的状态"), ("Order Substatus", "订单的细分状态"),
    ("Cancelation/Return Type", "取消或退货的类型"), ("Normal or Pre-order", "普通订单或预售订单"),
    ("SKU ID", "平台生成的商品规格编号"), ("Seller SKU", "卖家自定义的商品编码"), ("Product Name", "下单时的商品标题"),
    ("Variation", "买家选择的商品规格"), ("Quantity", "该规格的购买件数"), ("Sku Quantity of return", "该规格的退货件数"),
    ("SKU Unit Original Price", "该规格折扣前的单件价格"), ("SKU Subtotal Before Discount", "单价乘以件数，折扣前"),
    ("SKU Platform Discount", "平台承担的商品折扣"), ("SKU Seller Discount", "卖家承担的商品折扣"),
    ("SKU Subtotal After Discount", "扣除全部折扣后的商品金额"), ("Shipping Fee After Discount", "买家实付的运费"),
    ("Original Shipping Fee", "折扣前的运费"), ("Shipping Fee Seller Discount", "卖家承担的运费折扣"),
    ("Shipping Fee Platform Discount", "平台承担的运费折扣"), ("Payment platform discount", "支付渠道提供的折扣"),
    ("Taxes", "订单包含的税费"), ("Order Amount", "买家为整笔订单支付的总额"), ("Order Refund Amount", "已退还买家的金额"),
    ("Created Time", "买家提交订单的时间"), ("Paid Time", "买家完成付款的时间"), ("RTS Time", "卖家标记备货完成的时间"),
    ("Shipped Time", "包裹交给承运商的时间"), ("Delivered Time", "包裹送达买家的时间"), ("Cancelled Time", "订单被取消的时间"),
    ("Cancel By", "发起取消的一方"), ("Cancel Reason", "取消订单的原因"), ("Fulfillment Type", "由卖家或平台履约"),
    ("Warehouse Name", "发货仓库的名称"), ("Tracking ID", "承运商提供的运单号码"), ("Delivery Option", "买家选择的配送方式"),
    ("Shipping Provider Name", "承运商的名称"), ("Buyer Message", "买家下单时的留言"), ("Buyer Username", "买家在平台上的昵称"),
    ("Recipient", "收件人姓名，已脱敏"), ("Phone #", "收件人电话，已脱敏"), ("Country", "收件国家"), ("State", "收件州属"),
    ("Post Town", "收件城镇"), ("Zipcode", "收件邮政编码"), ("Detail Address", "详细地址，已脱敏"),
    ("Additional address information", "补充地址信息"), ("Payment Method", "买家的付款方式"),
    ("Weight(kg)", "包裹重量，单位千克"), ("Product Category", "商品所属类目"), ("Package ID", "平台生成的包裹编号"),
    ("Seller Note", "卖家填写的备注"), ("Checked Status", "卖家是否已核对订单"), ("Checked Marked by", "核对订单的操作人"),
]
TIKTOK_HEADERS = [header for header, _ in TIKTOK_COLUMNS]
_TIKTOK_STATUS = {  # stage -> (Order Status, Order Substatus)
    "delivered": ("Completed", "Completed"), "shipped": ("Shipped", "In transit"),
    "to_ship": ("To ship", "Awaiting shipment"), "cancelled": ("Cancelled", "Cancelled"),
    "unpaid": ("Unpaid", "Unpaid"),
}
_TIKTOK_TOWNS = (("Selangor", "Petaling Jaya", "47301"), ("Kuala Lumpur", "Cheras", "56000"),
                 ("Johor", "Johor Bahru", "80100"), ("Penang", "Bayan Lepas", "11900"))
TIKTOK_TIME = "%d/%m/%Y %H:%M:%S"


def _tiktok_rows(rng: random.Random, orders: Iterable[_Order], *, order_prefix: str, numbers_in_cells: bool):
    ids, packages = _digits(rng, order_prefix, 18 - len(order_prefix)), _digits(rng, "11", 16)
    sku_base = 1_729_000_000_000_000_000 + rng.randrange(10**15)
    for order in orders:
        order_id, status = next(ids), _TIKTOK_STATUS[order.stage]
        shipped, cancelled = order.stage in ("shipped", "delivered"), order.stage == "cancelled"
        shipping = rng.choice((0.0, 4.9, 6.5))
        platform_cut = [rng.choice((0.0, 0.0, 1.0, 3.0)) for _ in order.lines]
        seller_cut = [round(line.product.price - line.product.deal, 2) * abs(line.quantity) for line in order.lines]
        amount = order.subtotal() - sum(platform_cut) + shipping
        state, town, zipcode = rng.choice(_TIKTOK_TOWNS)
        at = lambda hours: (order.created + timedelta(hours=hours)).strftime(TIKTOK_TIME)  # noqa: E731
        order_part = {
            "Order Status": status[0], "Order Substatus": status[1], "Normal or Pre-order": "Normal",
            "Shipping Fee After Discount": f"{shipping:.2f}", "Original Shipping Fee": f"{shipping + 2:.2f}",
            "Shipping Fee Seller Discount": "0.00", "Shipping Fee Platform Discount": "2.00",
            "Payment platform discount": "0.00", "Taxes": "0.00", "Order Amount": f"{amount:.2f}",
            "Order Refund Amount": "0.00", "Paid Time": order.paid.strftime(TIKTOK_TIME) if order.paid else None,
            "RTS Time": at(20) if shipped else None, "Shipped Time": at(30) if shipped else None,
            "Delivered Time": at(80) if order.stage == "delivered" else None,
            "Cancelled Time": at(2) if cancelled else None, "Cancel By": "Buyer" if cancelled else None,
            "Cancel Reason": "Change of mind" if cancelled else None, "Fulfillment Type": "Fulfillment by seller",
            "Warehouse Name": "Kuala Lumpur Warehouse", "Delivery Option": "Standard shipping",
            "Tracking ID": f"6{rng.randrange(10**11):011d}" if shipped else None,
            "Shipping Provider Name": rng.choice(("J&T Express", "Ninja Van", "SPX Express")),
            "Buyer Username": f"user{rng.randrange(10**9):09d}", "Recipient": "S*** L***",
            "Phone #": f"(+60)1******{rng.randrange(100):02d}", "Country": "Malaysia", "State": state,
            "Post Town": town, "Zipcode": zipcode, "Detail Address": "No. 1***, Jalan ***",
            "Payment Method": rng.choice(("Cash on delivery", "Online Banking", "Credit/debit card")),
            "Package ID": next(packages) if shipped else None, "Checked Status": "unchecked",
        }
        for line, platform, seller in zip(order.lines, platform_cut, seller_cut):
            product, units = line.product, abs(line.quantity)
            row = dict(order_part)
            row.update({
                "Order ID": "" if line.bad == MISSING_REQUIRED else order_id,
                "SKU ID": str(sku_base + product.number * 7919), "Seller SKU": product.sku,
                "Product Name": product.name, "Variation": product.variation or "Default",
                "Quantity": line.quantity if numbers_in_cells else str(line.quantity),
                "Sku Quantity of return": 0 if numbers_in_cells else "0",
                "SKU Unit Original Price": f"{product.price:.2f}",
                "SKU Subtotal Before Discount": f"{product.price * units:.2f}",
                "SKU Platform Discount": f"{platform:.2f}", "SKU Seller Discount": f"{seller:.2f}",
                "SKU Subtotal After Discount": f"{product.price * units - platform - seller:.2f}",
                "Created Time": order.created.strftime(TIKTOK_TIME) if line.bad != BAD_DATE
                else ("45/13/2024 10:00:00", "not a date")[line.index % 2],
                "Weight(kg)": f"{product.weight * units:.2f}", "Product Category": "Home Supplies",
            })
            yield [row.get(header) for header in TIKTOK_HEADERS], line.bad


def _tiktok_orders(rng: random.Random, rows: int) -> Iterator[_Order]:
    start = datetime.combine(ORDER_DAY, datetime.min.time())
    return _orders(rng, rows=rows, kinds=ALL_BAD, catalogue=_catalogue(rng), start=start, span_s=DAY_S)


def _make_tiktok_orders_xlsx(*, out_dir: Path, rows: int, rng: random.Random) -> DemoFile:
    place = _Place("tiktok", "tiktok_my_01", "orders", "daily", "OrderSKUList", "xlsx")
    lines = _tiktok_rows(rng, _tiktok_orders(rng, rows), order_prefix="576", numbers_in_cells=True)
    body = itertools.chain([([text for _, text in TIKTOK_COLUMNS], DESCRIPTION)], lines)
    return _emit(out_dir, "tiktok_orders_xlsx", place, (ORDER_DAY, ORDER_DAY),
                 lambda path: _write_xlsx(path, sheet="OrderSKUList", head=[TIKTOK_HEADERS], body=body))


def _make_tiktok_orders_bom_csv(*, out_dir: Path, rows: int, rng: random.Random) -> DemoFile:
    place = _Place("tiktok", "tiktok_my_02", "orders", "daily", "OrderSKUList", "csv", "utf-8-sig")
    body = _tiktok_rows(rng, _tiktok_orders(rng, rows), order_prefix="577", numbers_in_cells=False)
    return _emit(out_dir, "tiktok_orders_bom_csv", place, (ORDER_DAY, ORDER_DAY),
                 lambda path: _write_csv(path, encoding=place.encoding, head=[TIKTOK_HEADERS], body=body))


# --- Lazada ----------------------------------------------------------------------------------------

LAZADA_HEADERS = [
    "orderItemId", "orderType", "Guarantee", "deliveryType", "lazadaId", "sellerSku", "lazadaSku", "wareHouse",
    "createTime", "updateTime", "rtsSla", "ttsSla", "orderNumber", "invoiceRequired", "invoiceNumber",
    "deliveredDate", "customerName", "customerEmail", "shippingCity", "shippingPostCode", "shippingCountry",
    "payMethod", "paidPrice", "unitPrice", "sellerDiscountTotal", "shippingFee", "walletCredit", "itemName",
    "variation", "trackingCode", "status", "bundleId", "bundleDiscount", "refundAmount", "sellerNote",
]
_LAZADA_STATUS = {"delivered": "delivered", "shipped": "shipped", "to_ship": "ready_to_ship", "cancelled": "canceled",
                  "unpaid": "pending"}


def _lazada_time(value: datetime) -> str:
    # %b follows the C locale here; spelled out so a localised process cannot change the export.
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{value.day:02d} {months[value.month - 1]} {value.year} {value.hour:02d}:{value.minute:02d}"


def _lazada_rows(rng: random.Random, orders: Iterable[_Order]) -> Iterator[tuple[Row, str | None]]:
    order_ids = _digits(rng, "3", 14)
    item_base = 400_000_000_000_000 + rng.randrange(10**13)
    for order in orders:
        order_id = next(order_ids)
        shipped = order.stage in ("shipped", "delivered")
        shipping, city = rng.choice((0.0, 4.9, 5.5)), rng.choice(("Kuala Lumpur", "Shah Alam", "Kuching", "Melaka"))
        for line in order.lines:
            product = line.product
            created = _lazada_time(order.created) if line.bad != BAD_DATE else ("45 Foo 2024 10:22", "not a date")[
                line.index % 2]
            discount = round(product.price - product.deal, 2)
            paid = product.deal if rng.random() < 0.7 else f"{product.deal:.2f}"
            yield [
                str(item_base + line.index), "Normal", "", "dropship", str(2_000_000_000 + product.number * 131),
                product.sku, f"{2_000_000_000 + product.number * 131}_MY-{9_000_000_000 + product.number}",
                "dropshipping", created, _lazada_time(order.created + timedelta(hours=rng.randint(1, 48))),
                _lazada_time(order.created + timedelta(days=2)), "",
                "" if line.bad == MISSING_REQUIRED else order_id, "No", "",
                _lazada_time(order.created + timedelta(days=4)) if order.stage == "delivered" else "",
                f"{chr(65 + rng.randrange(26))}***", "", city, f"{rng.randrange(10_000, 99_000)}", "Malaysia",
                rng.choice(("COD", "MIXEDCARD", "Online Banking")), paid, product.price, discount, shipping, 0,
                product.name, f"Color Family:{product.variation}" if product.variation else "",
                f"MYMPA{rng.randrange(10**9):09d}" if shipped else "", _LAZADA_STATUS[order.stage], "", 0, 0, "",
            ], line.bad


def _make_lazada_orders_xlsx(*, out_dir: Path, rows: int, rng: random.Random) -> DemoFile:
    place = _Place("lazada", "lazada_my_01", "orders", "daily", "orders", "xlsx")
    start = datetime.combine(ORDER_DAY, datetime.min.time())
    # One row per unit: Lazada has no quantity column, so there are no negative quantities either.
    orders = _orders(rng, rows=rows, kinds=frozenset({BAD_DATE, MISSING_REQUIRED}), catalogue=_catalogue(rng),
                     start=start, span_s=DAY_S, max_quantity=1)
    body = _lazada_rows(rng, orders)
    return _emit(out_dir, "lazada_orders_xlsx", place, (ORDER_DAY, ORDER_DAY),
                 lambda path: _write_xlsx(path, sheet="sheet1", head=[LAZADA_HEADERS], body=body))


# --- Amazon ----------------------------------------------------------------------------------------

AMAZON_HEADERS = [
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
    "fulfillment-channel", "sales-channel", "order-channel", "ship-service-level", "product-name", "sku", "asin",
    "item-status", "quantity", "currency", "item-price", "item-tax", "shipping-price", "shipping-tax",
    "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount", "ship-city",
    "ship-state", "ship-postal-code", "ship-country", "promotion-ids", "is-business-order", "purchase-order-number",
    "price-designation",
]
_AMAZON_STATUS = {"delivered": ("Shipped - Delivered to Buyer", "Shipped"), "shipped": ("Shipped", "Shipped"),
                  "to_ship": ("Unshipped", "Unshipped"), "cancelled": ("Cancelled", "Cancelled"),
                  "unpaid": ("Pending", "Unshipped")}
_AMAZON_PLACES = (("Seattle", "WA", "98109"), ("Austin", "TX", "78701"), ("Brooklyn", "NY", "11201"),
                  ("Denver", "CO", "80202"), ("San Jose", "CA", "95112"))
TRAILING_OPTIONAL = 4  # promotion-ids .. price-designation


def _amazon_rows(rng: random.Random, orders: Iterable[_Order]) -> Iterator[tuple[Row, str | None]]:
    ids = _scrambled(rng, 10**14)
    prefix = rng.choice(("111", "112", "113", "114"))
    for order in orders:
        n = next(ids)
        order_id = f"{prefix}-{n // 10**7:07d}-{n % 10**7:07d}"
        # Mostly UTC as Amazon writes it, some with the seller's offset to exercise %z.
        offset = "+00:00" if rng.random() < 0.8 else "-08:00"
        purchased = order.created.strftime("%Y-%m-%dT%H:%M:%S") + offset
        updated = (order.created + timedelta(hours=rng.randint(1, 72))).strftime("%Y-%m-%dT%H:%M:%S") + offset
        status, item_status = _AMAZON_STATUS[order.stage]
        fba = rng.random() < 0.7
        city, state, postal = rng.choice(_AMAZON_PLACES)
        shipping = 0.0 if fba else rng.choice((0.0, 4.99))
        for line in order.lines:
            product, units = line.product, abs(line.quantity)
            price = product.deal * units
            priced = status != "Pending"  # Amazon leaves prices empty until the order is paid
            row = [
                "" if line.bad == MISSING_REQUIRED else order_id, "",
                purchased if line.bad != BAD_DATE else ("2024-13-45T10:00:00+00:00", "not a date")[line.index % 2],
                updated, status, "Amazon" if fba else "Merchant", "Amazon.com", "",
                "Expedited" if rng.random() < 0.2 else "Standard", product.name, product.sku,
                f"B0{(product.number * 7_919_003 + 1_000_000) % 10**8:08d}", item_status, str(line.quantity), "USD",
                f"{price:.2f}" if priced else "", f"{price * 0.0825:.2f}" if priced else "",
                f"{shipping:.2f}" if priced else "", "0.00" if priced else "", "", "", "0.00" if priced else "",
                "0.00" if priced else "", city, state, postal, "US",
            ]
            if rng.random() < 0.3:
                row += [""] * TRAILING_OPTIONAL
            else:
                row += ["Core Free Shipping" if shipping == 0 else "", "false", "", ""]
            yield row, line.bad


def _make_amazon_orders_tsv(*, out_dir: Path, rows: int, rng: random.Random) -> DemoFile:
    place = _Place("amazon", "amazon_us_01", "orders", "monthly", "AllOrders", "txt", "cp1252")
    first_day, span_days = AMAZON_SAFE_DAYS
    start = datetime.combine(first_day, datetime.min.time())
    orders = _orders(rng, rows=rows, kinds=ALL_BAD, catalogue=_amazon_catalogue(rng), start=start,
                     span_s=span_days * DAY_S)
    body = _amazon_rows(rng, orders)
    return _emit(out_dir, "amazon_orders_tsv", place, AMAZON_MONTH,
                 lambda path: _write_csv(path, encoding=place.encoding, head=[AMAZON_HEADERS], body=body,
                                         delimiter="\t", lineterminator="\n"))


DEMO_MAKERS: dict[str, Callable[..., DemoFile]] = {
    "shopee_orders_xlsx": _make_shopee_orders_xlsx,
    "shopee_orders_gb18030_csv": _make_shopee_orders_gb18030_csv,
    "shopee_products_xlsx": _make_shopee_products_xlsx,
    "shopee_traffic_xlsx": _make_shopee_traffic_xlsx,
    "shopee_inventory_gb18030_csv": _make_shopee_inventory_gb18030_csv,
    "tiktok_orders_xlsx": _make_tiktok_orders_xlsx,
    "tiktok_orders_bom_csv": _make_tiktok_orders_bom_csv,
    "lazada_orders_xlsx": _make_lazada_orders_xlsx,
    "amazon_orders_tsv": _make_amazon_orders_tsv,
}
DEMO_FILE_KEYS = tuple(DEMO_MAKERS)
