"""The django-import-export baseline: a plain ModelResource for OrderLine importing already-clean rows.

The rows are the first valid rows OUR engine wrote (read back from the OrderLine table), so only the
importer is measured: no reading of xlsx, no normalisation. Import only after django.setup().
"""

import json
import time

import tablib
from django.db import connection
from import_export import resources

from sync.models import OrderLine

SAMPLE_ROWS = 10_000
NATURAL_KEY = ("platform_code", "shop_id", "granularity", "business_date", "order_id", "line_key")
MAPPED_FIELDS = (
    "order_status", "ordered_at", "paid_at", "product_name", "sku", "variation", "quantity", "unit_price",
    "deal_price", "subtotal", "seller_discount", "shipping_fee", "order_total", "currency", "buyer",
    "tracking_number",
)
LINEAGE_FIELDS = ("source_file", "source_row", "synced_at", "extra")
RESOURCE_FIELDS = (*NATURAL_KEY, *MAPPED_FIELDS, *LINEAGE_FIELDS)


class OrderLineResource(resources.ModelResource):
    class Meta:
        model = OrderLine
        import_id_fields = NATURAL_KEY
        fields = RESOURCE_FIELDS


def sample_dataset(limit: int = SAMPLE_ROWS) -> tablib.Dataset:
    """The first `limit` valid order lines as an import would carry them (the JSON column as text)."""
    names = [("source_file_id" if f == "source_file" else f) for f in RESOURCE_FIELDS]
    rows = OrderLine.objects.order_by("source_row").values_list(*names)[:limit]
    extra = RESOURCE_FIELDS.index("extra")
    dataset = tablib.Dataset(headers=list(RESOURCE_FIELDS))
    for row in rows:
        row = list(row)
        row[extra] = json.dumps(row[extra], ensure_ascii=False)
        dataset.append(row)
    return dataset


def import_export_run(dataset: tablib.Dataset) -> dict:
    """Empty the OrderLine table, then time one import of `dataset`; returns seconds and the totals."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {connection.ops.quote_name(OrderLine._meta.db_table)}")
    resource = OrderLineResource()
    started = time.perf_counter()
    result = resource.import_data(dataset, dry_run=False, use_transactions=True, raise_errors=True)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": len(dataset), "totals": dict(result.totals),
            "has_errors": result.has_errors() or result.has_validation_errors(),
            "table_rows": OrderLine.objects.count()}
