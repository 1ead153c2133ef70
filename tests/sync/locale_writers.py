"""Values written as each market's seller centre writes them (Babel's CLDR patterns, the markets'
currency signs, accounting negatives, full-width digits), and order files in xlsx, csv and UTF-16 tsv.

Each writer returns the exact text or cell a file holds, so a test knows what was written."""

import codecs
import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

DMY, MDY, YMD = "DMY", "MDY", "YMD"
FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")
# Excel holds 15 significant digits: a typed cell of more has already changed the value.
EXCEL_DIGITS = 15


@dataclass(frozen=True)
class Market:
    locale: str
    region: str
    timezone: str
    currency: str  # ISO code Babel formats
    before: tuple[str, ...]  # signs written before the amount, spacing included
    after: tuple[str, ...]
    order: str  # how its seller centre writes dates
    negative: str = "-"  # a market's own negative mark besides '-' and brackets


MARKETS = [
    Market("id_ID", "ID", "Asia/Jakarta", "IDR", ("Rp ", "Rp", "Rp. ", "IDR "), (" IDR",), DMY),
    Market("vi_VN", "VN", "Asia/Ho_Chi_Minh", "VND", ("VND ",), (" ₫", "₫", "đ", " VNĐ"), DMY),
    Market("th_TH", "TH", "Asia/Bangkok", "THB", ("฿", "฿ ", "THB "), (" บาท", " THB"), DMY),
    Market("ms_MY", "MY", "Asia/Kuala_Lumpur", "MYR", ("RM", "RM ", "MYR "), (" MYR",), DMY),
    Market("en_PH", "PH", "Asia/Manila", "PHP", ("₱", "₱ ", "PHP "), (" PHP",), MDY),
    Market("zh_TW", "TW", "Asia/Taipei", "TWD", ("NT$", "NT$ ", "TWD "), (" 元", "元"), YMD),
    Market("zh_CN", "CN", "Asia/Shanghai", "CNY", ("¥", "CN¥", "RMB ", "￥"), ("元", " CNY"), YMD),
    Market("ja_JP", "JP", "Asia/Tokyo", "JPY", ("¥", "￥", "JP¥"), ("円", " 円"), YMD, negative="▲"),
    Market("en_US", "US", "America/New_York", "USD", ("$", "US$", "USD "), (" USD",), MDY),
    Market("pt_BR", "BR", "America/Sao_Paulo", "BRL", ("R$ ", "R$"), (" BRL",), DMY),
]
MARKET = {m.locale: m for m in MARKETS}

# Text date patterns (Babel/CLDR syntax) per written order; (pattern, has seconds).
DATE_PATTERNS = {
    DMY: [("dd/MM/yyyy HH:mm:ss", True), ("dd/MM/yyyy HH:mm", False), ("d/M/yyyy H:mm:ss", True),
          ("dd-MM-yyyy HH:mm:ss", True), ("dd.MM.yyyy HH:mm", False)],
    MDY: [("MM/dd/yyyy hh:mm:ss a", True), ("M/d/yyyy h:mm a", False), ("MM/dd/yyyy HH:mm:ss", True)],
    YMD: [("yyyy/MM/dd HH:mm:ss", True), ("yyyy-MM-dd HH:mm", False), ("yyyy.MM.dd HH:mm:ss", True)],
}
ISO_PATTERN = ("yyyy-MM-dd HH:mm:ss", True)


def full_width(text: str) -> str:
    return text.translate(FULL_WIDTH)


def _pattern(places: int, grouped: bool = True) -> str:
    return ("#,##0" if grouped else "0") + ("." + "0" * places if places else "")


def _with_places(cldr: str, places: int) -> str:
    return re.sub(r"0\.0+", "0." + "0" * places if places else "0", cldr)


def write_amount(value: Decimal, places: int, market: Market, style: int) -> str:
    """One amount as the market writes it; `style` picks among its ways (all of them exact)."""
    style %= 10
    if style in (0, 1):
        return format_decimal(value, format=_pattern(places, grouped=style == 0), locale=market.locale)
    if style in (2, 3):
        cldr = Locale.parse(market.locale).currency_formats["standard" if style == 2 else "accounting"].pattern
        return format_currency(value, market.currency, format=_with_places(cldr, places), locale=market.locale,
                               currency_digits=False)
    digits = format_decimal(abs(value), format=_pattern(places), locale=market.locale)
    signs = market.before + market.after
    sign = signs[style % len(signs)]
    body = sign + digits if sign in market.before else digits + sign
    if style == 9:
        body = full_width(body)
    if value >= 0:
        return body
    if style in (4, 9):
        return "-" + body
    if style == 5:
        return f"({body})"
    if style == 6:
        return body + "-"  # SAP-style trailing minus
    if style == 7 and market.negative != "-":
        return market.negative + body
    if style == 8 and sign in market.before:
        return f"{sign}({digits})"  # Excel's `"₱"#,##0.00;"₱"(#,##0.00)`
    if sign in market.before:
        return sign + "-" + digits  # `Rp -1.234`
    return "-" + body


def write_count(value: int, market: Market, style: int) -> str:
    style %= 4
    text = format_decimal(value, format="#,##0" if style != 1 else "0", locale=market.locale)
    if style == 3:
        text = full_width(text)
    return text


def write_percent(value: Decimal, places: int, market: Market, style: int) -> str:
    """A percentage (12.5 for 12.5%) as the market writes it: its own CLDR percent pattern or digits and '%'."""
    style %= 3
    if style == 1:
        cldr = Locale.parse(market.locale).percent_formats[None].pattern
        pattern = re.sub(r"#,##0(\.0*)?", _pattern(places), cldr)
        return format_percent(value / 100, format=pattern, locale=market.locale)
    text = format_decimal(value, format=_pattern(places), locale=market.locale) + "%"
    return full_width(text) if style == 2 else text


def write_datetime(value: datetime, market: Market, style: int, buddhist_era: bool) -> tuple[str, datetime]:
    """(the text, the local time it says: seconds dropped where the pattern has none)."""
    patterns = [*DATE_PATTERNS[market.order], ISO_PATTERN]
    pattern, seconds = patterns[style % len(patterns)]
    if buddhist_era:
        pattern = pattern.replace("yyyy", f"'{value.year + 543}'")
    said = value if seconds else value.replace(second=0)
    # digits only, except AM/PM: written the way the English export writes them
    return format_datetime(said, pattern, locale="en_US"), said


@dataclass
class Cell:
    """What one cell of a file holds: text, or a value Excel types (number or datetime)."""

    text: str | None = None
    typed: int | float | Decimal | datetime | date | None = None

    @property
    def shown(self) -> str:
        """The text a quarantine keeps of the cell (as sync/ingest/cells.py gives a typed one)."""
        if self.typed is None:
            return self.text
        if isinstance(self.typed, (datetime, date)):
            return self.typed.isoformat()
        number = float(self.typed)
        return str(int(number)) if number.is_integer() else repr(number)


def fits_excel(value: Decimal) -> bool:
    return len(value.as_tuple().digits) <= EXCEL_DIGITS


def write_csv(path: Path, header: list[str], rows: list[list[Cell]], *, bom: bool = False):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[c.shown or "" for c in row] for row in rows])
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + buffer.getvalue().encode("utf-8"))


def write_utf16_tsv(path: Path, header: list[str], rows: list[list[Cell]]):
    """Excel's "Unicode text": UTF-16 LE with a BOM, tab-separated, RFC 4180 quoting."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter="\t", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[c.shown or "" for c in row] for row in rows])
    path.write_bytes(codecs.BOM_UTF16_LE + buffer.getvalue().encode("utf-16-le"))


def write_xlsx(path: Path, header: list[str], rows: list[list[Cell]]):
    workbook = xlsxwriter.Workbook(str(path))
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet = workbook.add_worksheet("orders")
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, cell in enumerate(row):
            if isinstance(cell.typed, (datetime, date)):
                sheet.write_datetime(r, c, cell.typed, when)
            elif cell.typed is not None:
                sheet.write_number(r, c, float(cell.typed))
            elif cell.text:
                sheet.write_string(r, c, cell.text)
    workbook.close()
