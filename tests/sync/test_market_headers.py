"""Seller-centre header rows in each market's language reach the right template fields."""

from decimal import Decimal
from itertools import combinations

import pytest

from sync.builtin_templates import BUILTIN_TEMPLATES, SHOPEE_ORDERS
from sync.ingest.engine import file_sync
from sync.ingest.headers import detect_header, header_key
from sync.models import CatalogFile, FieldTemplate, OrderLine
from sync.services.catalog import catalog_scan
from sync.services.templates import templates_merge_builtin_aliases
from tests.sync.guard_files import inbox_path

# Field pairs that name the same column on purpose.
SAME_COLUMN_FIELDS = {frozenset({"business_date", "ordered_at"}), frozenset({"sku", "line_key"})}

SHOPEE_ORDER_ROWS = {
    "id": ["No. Pesanan", "Status Pesanan", "Waktu Pesanan Dibuat", "Waktu Pembayaran Dilakukan", "SKU Induk",
           "Nama Produk", "Nomor Referensi SKU", "Nama Variasi", "Harga Awal", "Harga Setelah Diskon", "Jumlah",
           "Total Harga Produk", "Username (Pembeli)"],
    "vi": ["Mã đơn hàng", "Ngày đặt hàng", "Trạng Thái Đơn Hàng", "Mã vận đơn", "SKU sản phẩm", "Tên sản phẩm",
           "SKU phân loại hàng", "Tên phân loại hàng", "Giá gốc", "Giá ưu đãi", "Số lượng",
           "Tổng giá bán (sản phẩm)", "Người Mua"],
    "th": ["หมายเลขคำสั่งซื้อ", "สถานะการสั่งซื้อ", "*หมายเลขติดตามพัสดุ", "วันที่ทำการสั่งซื้อ", "เวลาการชำระสินค้า",
           "เลขอ้างอิง Parent SKU", "ชื่อสินค้า", "เลขอ้างอิง SKU (SKU Reference No.)", "ราคาตั้งต้น", "ราคาขาย", "จำนวน",
           "ค่าจัดส่งที่ชำระโดยผู้ซื้อ"],
    "en": ["Order ID", "Order Status", "Order Creation Date", "Parent SKU Reference No.", "Product Name",
           "SKU Reference No.", "Variation Name", "Original Price", "Deal Price", "Quantity", "Product Subtotal"],
    "zh_Hant": ["訂單編號", "訂單狀態", "訂單成立日期", "商品名稱", "商品原價", "商品活動價格", "主商品貨號", "商品選項貨號",
                "數量", "商品總價"],
    "zh_Hans": ["订单编号", "订单状态", "订单成立日期", "商品名称", "商品原价", "商品活动价格", "主商品货号", "商品选项货号",
                "数量", "商品总价"],
}
# Which header of each row names which field (by the header's English meaning).
SHOPEE_ORDER_EXPECTED = {
    "id": {"order_id": 0, "order_status": 1, "business_date": 2, "ordered_at": 2, "paid_at": 3, "parent_sku": 4,
           "product_name": 5, "sku": 6, "line_key": 6, "variation": 7, "unit_price": 8, "deal_price": 9,
           "quantity": 10, "subtotal": 11, "buyer": 12},
    "vi": {"order_id": 0, "business_date": 1, "ordered_at": 1, "order_status": 2, "tracking_number": 3,
           "parent_sku": 4, "product_name": 5, "sku": 6, "line_key": 6, "variation": 7, "unit_price": 8,
           "deal_price": 9, "quantity": 10, "subtotal": 11, "buyer": 12},
    "th": {"order_id": 0, "order_status": 1, "tracking_number": 2, "business_date": 3, "ordered_at": 3,
           "paid_at": 4, "parent_sku": 5, "product_name": 6, "sku": 7, "line_key": 7, "unit_price": 8,
           "deal_price": 9, "quantity": 10, "shipping_fee": 11},
    "en": {"order_id": 0, "order_status": 1, "business_date": 2, "ordered_at": 2, "parent_sku": 3,
           "product_name": 4, "sku": 5, "line_key": 5, "variation": 6, "unit_price": 7, "deal_price": 8,
           "quantity": 9, "subtotal": 10},
    "zh_Hant": {"order_id": 0, "order_status": 1, "business_date": 2, "ordered_at": 2, "product_name": 3,
                "unit_price": 4, "deal_price": 5, "parent_sku": 6, "sku": 7, "line_key": 7, "quantity": 8,
                "subtotal": 9},
}
SHOPEE_ORDER_EXPECTED["zh_Hans"] = SHOPEE_ORDER_EXPECTED["zh_Hant"]


@pytest.mark.parametrize("language", sorted(SHOPEE_ORDER_ROWS))
def test_shopee_order_header_in_each_language_maps_every_column_to_its_field(language):
    rows = [["Laporan Pesanan"], SHOPEE_ORDER_ROWS[language]]

    match = detect_header(rows, SHOPEE_ORDERS["mapping"], SHOPEE_ORDERS["required_fields"])

    assert match.row_index == 1
    assert match.field_columns == SHOPEE_ORDER_EXPECTED[language]
    assert match.unmapped_columns == []


@pytest.mark.parametrize("spec", BUILTIN_TEMPLATES, ids=lambda s: s["name"])
def test_no_alias_names_two_fields_of_one_template(spec):
    fields_of_key: dict[str, set[str]] = {}
    for canonical, aliases in spec["mapping"].items():
        for alias in aliases:
            fields_of_key.setdefault(header_key(alias), set()).add(canonical)

    clashes = {key: fields for key, fields in fields_of_key.items()
               if any(frozenset(pair) not in SAME_COLUMN_FIELDS for pair in combinations(sorted(fields), 2))}

    assert clashes == {}


@pytest.mark.django_db
def test_an_indonesian_shopee_export_ingests_sku_name_quantity_and_prices(inbox, templates):
    path = inbox_path(inbox, "pesanan_20241101.csv")
    path.write_text(
        "No. Pesanan,Status Pesanan,Waktu Pesanan Dibuat,Nama Produk,Nomor Referensi SKU,Nama Variasi,"
        "Harga Awal,Harga Setelah Diskon,Jumlah,Total Harga Produk\n"
        '241101ABC,Selesai,2024-11-01 10:15,Kaos Polos,KP-HITAM-L,"Hitam,L",Rp 12.345,"1.234,50",2,"2.469,00"\n',
        encoding="utf-8")
    catalog_scan(inbox=inbox)
    file = CatalogFile.objects.get()
    file.number_locale = "id_ID"
    file.save(update_fields=["number_locale"])

    result = file_sync(file=file)

    assert (result.rows_ingested, result.rows_quarantined) == (1, 0), result
    line = OrderLine.objects.get()
    assert (line.order_id, line.sku, line.line_key, line.product_name, line.variation, line.order_status) == (
        "241101ABC", "KP-HITAM-L", "KP-HITAM-L", "Kaos Polos", "Hitam,L", "Selesai")
    assert (line.quantity, line.unit_price, line.deal_price, line.subtotal) == (
        2, Decimal("12345"), Decimal("1234.50"), Decimal("2469.00"))


@pytest.mark.django_db
def test_merging_builtin_aliases_keeps_the_operators_and_adds_the_new(templates):
    template = FieldTemplate.objects.get(platform_code="shopee", data_domain="orders", is_builtin=True)
    template.mapping = {**template.mapping, "sku": ["SKU Reference No.", "Kode SKU Toko"]}
    template.save(update_fields=["mapping"])

    changed = templates_merge_builtin_aliases()

    template.refresh_from_db()
    assert changed == 1
    assert template.mapping["sku"][:2] == ["SKU Reference No.", "Kode SKU Toko"]
    assert "Nomor Referensi SKU" in template.mapping["sku"]
    assert template.mapping["sku"].count("SKU Reference No.") == 1
    assert templates_merge_builtin_aliases() == 0
