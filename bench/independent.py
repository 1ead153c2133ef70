"""Ours against an INDEPENDENT floor on the same file, in one run (issue 16).

    python bench/independent.py --rows 100000 [--repeat 3]                 (`make bench`)

The floor is ../shared/ingest_floor (INGEST_FLOOR_DIR overrides): a per-row pipeline that shares no
code with the project (python-calamine, typed normalisation, COPY into a temp table, one INSERT ...
ON CONFLICT). Its generator writes a 21-column Shopee-style workbook with Chinese headers; the project
syncs that same file through a field template a user would add for those headers. Per round, from
empty tables, interleaved:

1. FLOOR      `bench.py floor FILE` in a fresh process (its database: erp_bench_floor): work seconds,
              peak RSS, and the process's wall time.
2. OURS       file_sync in a fresh process (bench/ingest.py --child-sync): work seconds, peak RSS.
3. PROCESS    `manage.py sync_files ID`, the whole command: wall seconds.

The fastest of each counts. Then the values both pipelines stored are compared on a sample of rows:
a value that differs is a failure; a row ours quarantined (and the floor stored) is counted and
shown with its reason, as the floor guesses where ours may not.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import psycopg  # noqa: E402
from psycopg.conninfo import make_conninfo  # noqa: E402

from bench import report  # noqa: E402
from bench.child import child_run  # noqa: E402
from bench.environment import (  # noqa: E402
    CACHE_DIR,
    INBOX_DIR,
    CachedFile,
    catalog_fresh,
    database_check_safe,
    database_ensure,
    database_name,
    django_setup,
    environment_configure,
)
from bench.report import Figure  # noqa: E402

FLOOR_DIR = Path(os.environ.get("INGEST_FLOOR_DIR", ROOT.parent / "shared" / "ingest_floor"))
FLOOR_DATABASE = "erp_bench_floor"
# Ours runs in its own database: the template it adds for the floor's headers would otherwise win over
# the built-in one for bench/ingest.py's Shopee orders file.
OURS_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/erp_bench_independent"
PLATFORM, SHOP, REGION, TIMEZONE, LOCALE = "shopee", "independent_ph_01", "PH", "Asia/Manila", "en_PH"
RELATIVE_DIR = f"{PLATFORM}/{SHOP}/orders/daily"
SAMPLE_ROWS = 2000
TARGET_WORK = 0.6  # our in-process seconds over the floor's work seconds, at most
TARGET_PROCESS = 0.9  # our whole command's wall over the floor's process wall, at most
TARGET_RSS = 1.2  # our peak RSS over the floor's, at most

# The template a user adds for the generator's headers: our field -> the file's header.
HEADERS = {
    "order_id": "订单编号", "order_status": "订单状态", "ordered_at": "下单时间", "business_date": "下单时间",
    "paid_at": "付款时间", "product_name": "商品名称", "sku": "商品SKU", "line_key": "商品SKU",
    "variation": "规格名称", "quantity": "数量", "unit_price": "单价", "subtotal": "商品小计",
    "order_total": "订单总额", "buyer": "买家用户名", "shipping_fee": "运费", "seller_discount": "卖家优惠券",
}
DATE_FORMATS = ["%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%d-%m-%Y %H:%M"]
# Our column -> the floor's column, for the values both pipelines store.
COMPARED = {
    "order_status": "status", "ordered_at": "ordered_at", "paid_at": "paid_at", "product_name": "product_name",
    "variation": "variation", "quantity": "quantity", "unit_price": "unit_price", "subtotal": "line_total",
    "order_total": "order_total", "buyer": "buyer_username", "shipping_fee": "shipping_fee",
    "seller_discount": "seller_voucher",
}


@dataclass
class Round:
    floor: dict
    ours: dict
    process_seconds: float


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--any-database", action="store_true")
    return parser.parse_args(argv)


def floor_env() -> dict:
    return {**os.environ, "PGDATABASE": FLOOR_DATABASE}


def floor_command(*args: str, capture: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "bench.py", *args], cwd=FLOOR_DIR, env=floor_env(),
                          capture_output=capture, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"independent floor `bench.py {' '.join(args)}` failed:\n{done.stderr[-4000:]}")
    return done


def file_generated(rows: int) -> CachedFile:
    """The floor's generator's workbook, made once into the bench cache."""
    out = CACHE_DIR / f"independent-{rows}" / "orders"
    path = out.with_suffix(".xlsx")
    if not path.is_file():
        print(f"  generating the independent floor's workbook with {rows:,} rows (cached for reruns)", flush=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "gen_shopee.py", "--rows", str(rows), "--out", str(out)], cwd=FLOOR_DIR,
                       check=True, capture_output=True)
    relative = f"{RELATIVE_DIR}/Order.all.20240101_20240630.xlsx"
    return CachedFile(key="independent", rows=rows, path=path, relative=relative, expected={})


def template_install() -> None:
    """What a user does for a new export shape: a template naming its headers, and the shop's account."""
    from sync.models import FieldTemplate, PlatformAccount

    newest = FieldTemplate.objects.filter(platform_code=PLATFORM, data_domain="orders").order_by("-version").first()
    FieldTemplate.objects.filter(name="Independent floor orders").delete()
    FieldTemplate.objects.create(
        name="Independent floor orders", platform_code=PLATFORM, data_domain="orders", granularity="daily",
        version=(newest.version + 1) if newest else 1, mapping={f: [h] for f, h in HEADERS.items()},
        required_fields=["order_id", "business_date", "line_key", "quantity"], dedup_fields=["order_id", "line_key"],
        date_formats=DATE_FORMATS, options={},
    )
    PlatformAccount.objects.update_or_create(platform_code=PLATFORM, shop_id=SHOP, defaults={
        "region": REGION, "timezone": TIMEZONE, "number_locale": LOCALE})


def measure_round(file: CachedFile) -> Round:
    floor_command("truncate")
    started = time.perf_counter()
    floor = json.loads(floor_command("floor", str(file.path)).stdout.strip().splitlines()[-1])
    floor["process_seconds"] = time.perf_counter() - started
    ours = child_run("--child-sync", str(catalog_fresh(file)))
    status = ours["result"]["status"]
    if status not in ("ingested", "partial"):
        raise SystemExit(f"our sync did not succeed: {status}: {ours['result']['error']}")
    file_id = catalog_fresh(file)
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "sync_files", str(file_id)], cwd=ROOT, env=os.environ.copy(),
                   check=True, capture_output=True)
    return Round(floor=floor, ours=ours, process_seconds=time.perf_counter() - started)


def round_print(number: int, run: Round) -> None:
    result = run.ours["result"]
    print(f"  #{number}: FLOOR work {report.secs(run.floor['work_s'])}, process {report.secs(run.floor['process_seconds'])},"
          f" peak RSS {report.mb(run.floor['peak_rss_mb'])}; OURS work {report.secs(run.ours['seconds'])}, "
          f"peak RSS {report.mb(run.ours['peak_rss_mb'])}, whole command {report.secs(run.process_seconds)}; "
          f"ours read {result['rows_read']:,}: ingested {result['rows_ingested']:,}, "
          f"quarantined {result['rows_quarantined']:,}, skipped {result['rows_skipped']:,}", flush=True)


def values_compare() -> dict:
    """Both pipelines' values on a sample of the floor's rows (our tables hold the last round's sync)."""
    from sync.models import OrderLine, QuarantinedRow

    floor_columns = ["order_no", "sku", *COMPARED.values()]
    url = make_conninfo(os.environ["DATABASE_URL"], dbname=FLOOR_DATABASE)
    with psycopg.connect(url) as conn:
        sample = conn.execute(f"SELECT {', '.join(floor_columns)} FROM order_line ORDER BY md5(order_no || sku) "
                              f"LIMIT %s", [SAMPLE_ROWS]).fetchall()
    ours = {(o.order_id, o.line_key): o for o in OrderLine.objects.filter(order_id__in=[r[0] for r in sample])}
    quarantined = sum(1 for row in sample if (row[0], row[1]) not in ours)
    differences = []
    for row in sample:
        mine = ours.get((row[0], row[1]))
        for (ours_name, _), theirs in zip(COMPARED.items(), row[2:], strict=True):
            if mine is not None and not _same(getattr(mine, ours_name), theirs):
                differences.append(f"{row[0]}/{row[1]} {ours_name}: ours {getattr(mine, ours_name)!r}, "
                                   f"floor {theirs!r}")
    reasons = list(QuarantinedRow.objects.values_list("reasons", flat=True)[:3])
    return {"sample": len(sample), "differences": differences, "quarantined": quarantined, "reasons": reasons}


def _same(ours, theirs) -> bool:
    if isinstance(theirs, Decimal) or isinstance(ours, Decimal):
        return ours is not None and theirs is not None and Decimal(ours) == Decimal(theirs)
    return (ours or None) == (theirs or None)


def figures(best_floor: dict, best_ours: dict, best_process: float, floor_process: float, compared: dict):
    work = best_ours["seconds"] / best_floor["work_s"]
    whole = best_process / floor_process
    rss = best_ours["peak_rss_mb"] / best_floor["peak_rss_mb"]
    return [
        Figure("in-process first sync", report.secs(best_ours["seconds"]), "floor " + report.secs(best_floor["work_s"]),
               report.ratio(work), f"<= {TARGET_WORK:.1f}x", work <= TARGET_WORK),
        Figure("whole process (sync_files)", report.secs(best_process), "floor " + report.secs(floor_process),
               report.ratio(whole), f"<= {TARGET_PROCESS:.1f}x", whole <= TARGET_PROCESS),
        Figure("peak RSS", report.mb(best_ours["peak_rss_mb"]), "floor " + report.mb(best_floor["peak_rss_mb"]),
               report.ratio(rss), f"<= {TARGET_RSS:.1f}x", rss <= TARGET_RSS),
        Figure(f"values differing (sample {compared['sample']:,})", f"{len(compared['differences']):,}", "", "", "= 0",
               not compared["differences"]),
        Figure("sampled rows ours quarantined", f"{compared['quarantined']:,}", "floor stored all"),
    ]


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    if not (FLOOR_DIR / "bench.py").is_file():
        print(f"independent floor not found at {FLOOR_DIR} (set INGEST_FLOOR_DIR): skipped")
        return
    os.environ.setdefault("DATABASE_URL", OURS_DATABASE_URL)
    environment_configure()
    url = os.environ["DATABASE_URL"]
    database_check_safe(url, any_database=args.any_database)
    database_ensure(url)
    database_ensure(make_conninfo(url, dbname=FLOOR_DATABASE))
    print(f"INDEPENDENT FLOOR ({FLOOR_DIR}), {args.rows:,} rows, databases {database_name(url)} and "
          f"{FLOOR_DATABASE}; inbox {INBOX_DIR}", flush=True)
    floor_command("setup")
    file = file_generated(args.rows)
    django_setup()
    template_install()
    rounds = []
    for number in range(1, args.repeat + 1):
        rounds.append(measure_round(file))
        round_print(number, rounds[-1])
    compared = values_compare()
    for line in compared["differences"][:10]:
        print(f"  DIFFERENT {line}")
    if compared["reasons"]:
        print(f"  quarantine reasons (first rows): {compared['reasons']}")
    report.table_print(figures(
        min((r.floor for r in rounds), key=lambda f: f["work_s"]),
        min((r.ours for r in rounds), key=lambda o: o["seconds"]),
        min(r.process_seconds for r in rounds),
        min(r.floor["process_seconds"] for r in rounds),
        compared,
    ))


if __name__ == "__main__":
    main(sys.argv[1:])
