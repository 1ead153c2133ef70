"""Hand-written exports of each market's number and date writing (tests/sync/data/locale/, README.md
there lists what each file must give): synced through the engine, each value stored as its README says,
or its row quarantined with the reason the README says."""

import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from sync.ingest.engine import file_sync
from sync.models import CatalogFile, FileStatus, OrderLine, PlatformAccount
from sync.services.catalog import catalog_scan

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).parent / "data" / "locale"
AMBIGUOUS = "ambiguous date: day or month first (no date order declared and no evidence in the column)"


@dataclass(frozen=True)
class Case:
    name: str
    platform: str
    timezone: str
    region: str = ""
    account_locale: str = ""  # PlatformAccount.number_locale
    file_locale: str = ""  # CatalogFile.number_locale, as an upload declares it
    stored: dict = field(default_factory=dict)  # order id -> {field: value}
    quarantined: dict = field(default_factory=dict)  # order id -> reasons


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


CASES = [
    Case("shopee_id_rupiah.csv", "shopee", "Asia/Jakarta", "ID", account_locale="id_ID", stored={
        "261102A1B2C3D4": {"unit_price": D("12345"), "deal_price": D("1234.50"), "seller_discount": D("-5000"),
                           "order_total": D("2469.00"), "quantity": 2, "ordered_at": at(2026, 11, 2, 2, 15)},
        "261102A1B2C3D5": {"unit_price": D("1234567"), "deal_price": D("999000"), "seller_discount": D("0"),
                           "order_total": D("999000")},
    }),
    Case("shopee_id_plain.csv", "shopee", "Asia/Jakarta", "ID", stored={
        "261102B1": {"quantity": 1200, "unit_price": D("12345"), "deal_price": D("1234.50"),
                     "order_total": D("1481400.00")},
        "261102B2": {"quantity": 3, "unit_price": D("49900.5"), "deal_price": D("45000"), "order_total": D("135000")},
    }),
    Case("shopee_tw_fullwidth.csv", "shopee", "Asia/Taipei", "TW", account_locale="zh_TW", stored={
        "２６１１０２ＴＷ０１": {"quantity": 2, "unit_price": D("1234.50"), "deal_price": D("1200"),
                          "order_total": D("2400.00"), "product_name": "保溫杯 500ml",
                          "ordered_at": at(2026, 11, 2, 1, 15)},
        "２６１１０２ＴＷ０２": {"quantity": 10, "unit_price": D("88.8"), "deal_price": D("80.0"),
                          "order_total": D("800")},
    }),
    Case("shopee_my_slash_dates.csv", "shopee", "Asia/Kuala_Lumpur", "MY", stored={
        "261102MY01": {"business_date": date(2026, 11, 2), "ordered_at": at(2026, 11, 2, 1, 15),
                       "paid_at": at(2026, 11, 2, 1, 16, 30), "deal_price": D("89.90")},
        "261102MY02": {"business_date": date(2026, 11, 2), "ordered_at": at(2026, 11, 2, 15, 59, 59),
                       "paid_at": at(2026, 11, 2, 16, 0, 5), "quantity": 2, "deal_price": D("25.00")},
    }),
    Case("lazada_ambiguous_date.csv", "lazada", "Asia/Singapore", stored={
        "300100200300402": {"line_key": "900000000000002", "business_date": date(2026, 4, 3),
                            "ordered_at": at(2026, 4, 3, 2, 0), "unit_price": D("8.00"), "quantity": 1},
    }, quarantined={
        "300100200300401": [f"business_date: {AMBIGUOUS}: '03/04/2026 10:00'",
                            f"ordered_at: {AMBIGUOUS}: '03/04/2026 10:00'"],
    }),
    Case("shopee_vn_dong.csv", "shopee", "Asia/Ho_Chi_Minh", "VN", account_locale="vi_VN", stored={
        "261102VN01": {"unit_price": D("250000"), "deal_price": D("199000"), "seller_discount": D("-50000"),
                       "order_total": D("1234567"), "product_name": "Áo thun nam cổ tròn",
                       "ordered_at": at(2026, 11, 2, 2, 15)},
        "261102VN02": {"unit_price": D("12500.5"), "deal_price": D("12000"), "seller_discount": D("0"),
                       "order_total": D("12000"), "business_date": date(2026, 11, 25)},
    }),
    Case("shopee_th_baht.csv", "shopee", "Asia/Bangkok", "TH", file_locale="th_TH", stored={
        "261102TH01": {"unit_price": D("1234.50"), "deal_price": D("990"), "order_total": D("1080.00"),
                       "business_date": date(2026, 11, 2), "ordered_at": at(2026, 11, 2, 2, 15)},
        "261102TH02": {"unit_price": D("99"), "deal_price": D("89.5"), "order_total": D("179.00"),
                       "business_date": date(2026, 11, 3), "quantity": 2},
    }),
    Case("shopee_tw_ntd.csv", "shopee", "Asia/Taipei", "TW", stored={
        "261102NT01": {"unit_price": D("1200"), "deal_price": D("990"), "order_total": D("2970"), "quantity": 3},
        "261102NT02": {"unit_price": D("12345"), "deal_price": D("10888.50"), "order_total": D("10888.5")},
    }),
    Case("tiktok_jp_yen.csv", "tiktok", "Asia/Tokyo", "JP", account_locale="ja_JP", stored={
        "580000000000000001": {"line_key": "1729000000000000001", "quantity": 2, "unit_price": D("1200"),
                               "seller_discount": D("-300"), "subtotal": D("2100"), "order_total": D("2100"),
                               "ordered_at": at(2026, 11, 2, 0, 15)},
        "580000000000000002": {"quantity": 1, "unit_price": D("1980"), "seller_discount": D("0"),
                               "subtotal": D("1980"), "order_total": D("1980"), "product_name": "湯呑み 🍵",
                               "ordered_at": at(2026, 11, 2, 12, 5, 30)},
    }),
    Case("shopee_ph_accounting.csv", "shopee", "Asia/Manila", "PH", account_locale="en_PH", stored={
        "261102PH01": {"unit_price": D("1500.00"), "deal_price": D("-1234.50"), "seller_discount": D("-250.00"),
                       "order_total": D("1250.00")},
        "261102PH02": {"unit_price": D("199"), "deal_price": D("-1234.50"), "seller_discount": D("0"),
                       "order_total": D("-398.00"), "quantity": 2},
    }),
]


def place(inbox: Path, case: Case) -> CatalogFile:
    shop = Path(case.name).stem
    PlatformAccount.objects.create(platform_code=case.platform, shop_id=shop, region=case.region,
                                   timezone=case.timezone, number_locale=case.account_locale)
    target = inbox / case.platform / shop / "orders" / "daily" / f"{shop}_20261102.csv"
    target.parent.mkdir(parents=True)
    shutil.copy(CORPUS / case.name, target)
    catalog_scan(inbox=inbox)
    file = CatalogFile.objects.get(path=target.relative_to(inbox).as_posix())
    if case.file_locale:
        file.number_locale = case.file_locale
        file.save(update_fields=["number_locale"])
    return file


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hand_written_export_is_stored_as_its_readme_says(case, inbox, templates):
    file = place(inbox, case)

    result = file_sync(file=file)

    assert result.status == (FileStatus.PARTIAL if case.quarantined else FileStatus.INGESTED), result.as_dict()
    assert (result.rows_ingested, result.rows_quarantined) == (len(case.stored), len(case.quarantined))
    for order_id, values in case.stored.items():
        line = OrderLine.objects.get(source_file=file, order_id=order_id)
        assert {name: getattr(line, name) for name in values} == values, order_id
    quarantined = {q.raw.get("orderNumber") or q.raw.get("Order ID"): q.reasons for q in file.quarantined_rows.all()}
    assert quarantined == case.quarantined


def test_every_corpus_case_is_listed_in_the_readme():
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")

    assert [c.name for c in CASES if f"`{c.name}`" not in readme] == []
