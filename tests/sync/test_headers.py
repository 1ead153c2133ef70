import pytest

from sync.builtin_templates import SHOPEE_ORDERS, SHOPEE_TRAFFIC
from sync.errors import FileRejected
from sync.ingest.headers import detect_header, header_key


@pytest.mark.parametrize(("left", "right"), [
    ("Tracking Number*", "tracking number"),
    ("Sales (Placed Order) (MYR)", "Sales (Placed Order)"),
    ("*单价（元）", "单价"),
    ("訂單編號 (單)", "訂單編號"),
    ("Sku Subtotal After Discount", "SKU Subtotal After Discount"),
    ("Seller Voucher(PHP)", "Seller Voucher"),
])
def test_header_variants_compare_equal(left, right):
    assert header_key(left) == header_key(right)


def test_bracketed_words_that_are_not_a_suffix_still_matter():
    assert header_key("Product Visitors (Visit)") != header_key("Product Visitors")


def test_header_is_found_below_title_rows():
    rows = [["Shopee Order Report"], [], ["Order ID", "Order Creation Date", "Quantity", "SKU Reference No.", "x"]]

    match = detect_header(rows, SHOPEE_ORDERS["mapping"], ["order_id"])

    assert match.row_index == 2
    assert match.field_columns["order_id"] == 0
    assert match.unmapped_columns == ["x"]
    assert "paid_at" in match.missing_fields


def test_stacked_summary_table_loses_to_the_daily_table():
    rows = [
        ["Sales Overview"],
        ["Visitors", "Buyers", "Sales"],
        ["1,000", "20", "300"],
        [],
        ["Date", "Visitors (Visit)", "Buyers (Placed Orders)", "Sales (Confirmed Orders) (MYR)"],
    ]

    match = detect_header(rows, SHOPEE_TRAFFIC["mapping"], ["business_date"])

    assert match.row_index == 4


def test_missing_required_column_is_named():
    rows = [["Order Creation Date", "Quantity", "SKU Reference No."]]

    with pytest.raises(FileRejected, match="missing required column.*order_id"):
        detect_header(rows, SHOPEE_ORDERS["mapping"], ["order_id"])


def test_unrecognisable_header_is_refused():
    with pytest.raises(FileRejected, match="no recognisable header"):
        detect_header([["a", "b"], ["1", "2"]], SHOPEE_ORDERS["mapping"], ["order_id"])
