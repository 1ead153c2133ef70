"""The floor: the bare per-row pipeline that writes the same information our sync writes.

python-calamine reads the first sheet row by row; the header row is found once by the exact text
"Order ID"; per row, the columns the Shopee orders template maps are taken by header index as plain
text (no normalisation, no validation, no quarantine, no accounting), the other named columns become
the row's `extra` JSON (json.dumps, as the requirement to keep unmapped columns asks), and the row
number is kept as lineage. COPY writes the rows into a temporary staging table and ONE
INSERT ... SELECT DISTINCT ON ... ON CONFLICT DO UPDATE moves them into bench_floor_target, which has
OrderLine's natural key and indexes (text instead of typed columns: the floor parses nothing).
No Django: run with a psycopg conninfo (DATABASE_URL).
"""

import json
import time
from pathlib import Path

import psycopg
from python_calamine import CalamineWorkbook

FLOOR_TABLE = "bench_floor_target"
STAGE_TABLE = "bench_floor_stage"
HEADER_MARKER = "Order ID"
PLACE = {"platform_code": "shopee", "shop_id": "bench", "granularity": "daily"}
KEY_COLUMNS = ("platform_code", "shop_id", "granularity", "business_date", "order_id", "line_key")
# Target column -> exact header text in the Shopee English export (the columns the template maps).
FLOOR_COLUMNS = {
    "order_id": "Order ID",
    "line_key": "SKU Reference No.",
    "business_date": "Order Creation Date",
    "order_status": "Order Status",
    "ordered_at": "Order Creation Date",
    "paid_at": "Order Paid Time",
    "product_name": "Product Name",
    "variation": "Variation Name",
    "quantity": "Quantity",
    "unit_price": "Original Price",
    "deal_price": "Deal Price",
    "subtotal": "Product Subtotal",
    "seller_discount": "Seller Discount",
    "shipping_fee": "Buyer Paid Shipping Fee",
    "order_total": "Grand Total",
    "buyer": "Username (Buyer)",
    "tracking_number": "Tracking Number*",
}
ALL_COLUMNS = [*PLACE, *FLOOR_COLUMNS, "extra", "source_row"]


def floor_table_reset(conninfo: str) -> None:
    """Create bench_floor_target (OrderLine's key and indexes) afresh, empty."""
    text = ", ".join(f"{name} text NOT NULL" for name in [*PLACE, *FLOOR_COLUMNS])
    with psycopg.connect(conninfo) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        conn.execute(f"CREATE TABLE {FLOOR_TABLE} (id bigserial PRIMARY KEY, {text}, "
                     f"extra jsonb NOT NULL, source_row integer NOT NULL, synced_at timestamptz NOT NULL, "
                     f"UNIQUE ({', '.join(KEY_COLUMNS)}))")
        conn.execute(f"CREATE INDEX {FLOOR_TABLE}_place ON {FLOOR_TABLE} (platform_code, shop_id, business_date)")


def floor_run(path: Path, conninfo: str) -> dict:
    """Read, COPY and upsert the file once; returns seconds, rows read and rows written."""
    with psycopg.connect(conninfo) as conn:
        started = time.perf_counter()
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()
        header_row, header = _header(rows)
        with conn.cursor() as cursor:
            _stage_create(cursor)
            rows_read = _stage_copy(cursor, rows, header, first_row=header_row + 1)
            cursor.execute(_upsert_sql())
            rows_written = cursor.rowcount
        conn.commit()
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows_read": rows_read, "rows_written": rows_written}


def _header(rows) -> tuple[int, list]:
    """Consume rows up to the header; its 1-based row number and cells."""
    for number, row in enumerate(rows, start=1):
        if HEADER_MARKER in row:
            return number, row
    raise ValueError(f"no header row with a cell {HEADER_MARKER!r}")


def _stage_create(cursor) -> None:
    columns = ", ".join(f"{name} text" for name in [*PLACE, *FLOOR_COLUMNS])
    cursor.execute(f"CREATE TEMP TABLE {STAGE_TABLE} ({columns}, extra jsonb, source_row integer) ON COMMIT DROP")


def _stage_copy(cursor, rows, header: list, first_row: int) -> int:
    mapped = [header.index(name) for name in FLOOR_COLUMNS.values()]
    unmapped = [(i, name) for i, name in enumerate(header) if name and i not in set(mapped)]
    place = list(PLACE.values())
    count = 0
    with cursor.copy(f"COPY {STAGE_TABLE} ({', '.join(ALL_COLUMNS)}) FROM STDIN") as copy:
        for number, row in enumerate(rows, start=first_row):
            extra = json.dumps({name: row[i] for i, name in unmapped}, ensure_ascii=False, default=str)
            copy.write_row([*place, *(str(row[i]) for i in mapped), extra, number])
            count += 1
    return count


def _upsert_sql() -> str:
    columns = ", ".join(ALL_COLUMNS)
    keys = ", ".join(KEY_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*ALL_COLUMNS, "synced_at"] if c not in KEY_COLUMNS)
    return (f"INSERT INTO {FLOOR_TABLE} ({columns}, synced_at) "
            f"SELECT DISTINCT ON ({keys}) {columns}, now() FROM {STAGE_TABLE} WHERE order_id <> '' "
            f"ORDER BY {keys}, source_row DESC "
            f"ON CONFLICT ({keys}) DO UPDATE SET {updates}")
