"""The floor: the bare per-row pipeline any xlsx-to-PostgreSQL sync has to run at least.

python-calamine reads the first sheet row by row, the header row is found once by the exact text
"Order ID", the ~16 columns the Shopee orders template maps are taken by header index as plain text
(no normalisation, no validation), COPY writes them into a temporary text staging table, and ONE
INSERT ... SELECT DISTINCT ON ... ON CONFLICT DO UPDATE moves them into bench_floor_target.
No Django: run with a psycopg conninfo (DATABASE_URL).
"""

import time
from pathlib import Path

import psycopg
from python_calamine import CalamineWorkbook

FLOOR_TABLE = "bench_floor_target"
STAGE_TABLE = "bench_floor_stage"
HEADER_MARKER = "Order ID"
KEY_COLUMNS = ("order_id", "line_key")
# Target column -> exact header text in the Shopee English export (the columns the template maps).
FLOOR_COLUMNS = {
    "order_id": "Order ID",
    "line_key": "SKU Reference No.",
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


def floor_table_reset(conninfo: str) -> None:
    """Create bench_floor_target (text columns, unique key) if missing, and empty it."""
    columns = ", ".join(f"{name} text NOT NULL" for name in FLOOR_COLUMNS)
    with psycopg.connect(conninfo) as conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} ({columns}, UNIQUE ({', '.join(KEY_COLUMNS)}))")
        conn.execute(f"TRUNCATE {FLOOR_TABLE}")


def floor_run(path: Path, conninfo: str) -> dict:
    """Read, COPY and upsert the file once; returns seconds, rows read and rows written."""
    with psycopg.connect(conninfo) as conn:
        started = time.perf_counter()
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()
        indexes = _column_indexes(rows)
        with conn.cursor() as cursor:
            _stage_create(cursor)
            rows_read = _stage_copy(cursor, rows, indexes)
            cursor.execute(_upsert_sql())
            rows_written = cursor.rowcount
        conn.commit()
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows_read": rows_read, "rows_written": rows_written}


def _column_indexes(rows) -> list[int]:
    """Consume rows up to the header and return the index of each floor column in it."""
    for row in rows:
        if HEADER_MARKER in row:
            return [row.index(header) for header in FLOOR_COLUMNS.values()]
    raise ValueError(f"no header row with a cell {HEADER_MARKER!r}")


def _stage_create(cursor) -> None:
    columns = ", ".join(f"{name} text" for name in FLOOR_COLUMNS)
    cursor.execute(f"CREATE TEMP TABLE {STAGE_TABLE} ({columns}) ON COMMIT DROP")


def _stage_copy(cursor, rows, indexes: list[int]) -> int:
    count = 0
    with cursor.copy(f"COPY {STAGE_TABLE} ({', '.join(FLOOR_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([str(row[i]) for i in indexes])
            count += 1
    return count


def _upsert_sql() -> str:
    columns = ", ".join(FLOOR_COLUMNS)
    keys = ", ".join(KEY_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in FLOOR_COLUMNS if c not in KEY_COLUMNS)
    return (f"INSERT INTO {FLOOR_TABLE} ({columns}) "
            f"SELECT DISTINCT ON ({keys}) {columns} FROM {STAGE_TABLE} WHERE order_id <> '' "
            f"ORDER BY {keys} "
            f"ON CONFLICT ({keys}) DO UPDATE SET {updates}")
