"""Dashboard bench: p50 of the operations dashboard (/admin/dashboard/) computed on every request, and
served from its short cache, against the plain admin task list, in the same run, over 100,000 tasks and
1,000,000 fact rows in PostgreSQL.

    python bench/dashboard.py [--tasks 100000] [--facts 1000000] [--requests 30]     (`make bench-dashboard`)

Setup: the PostgreSQL database DATABASE_URL (default erp_bench_dashboard; created and migrated; refused
unless its name contains "bench"), its task, file, fact and quality tables emptied and seeded in SQL with
generate_series (--tasks tasks of 50 users over 30 days: 0.5 % waiting, 0.1 % running, the rest finished;
20,000 catalog files synced over 30 days with their sync times; --facts order lines; 50 shops x 90 days x 4
domains of quality records), a private redis-server (cache and broker), gunicorn (2 workers x 4 threads)
serving erp, and a staff session.

TASK LIST   GET /admin/sync/syncprogresstask/: Django's changelist of the tasks (counts, first page).
DASHBOARD   GET /admin/dashboard/?fresh=1: every figure computed again (the handful of aggregate queries
            and the broker probe), as the first request after the cache expired costs.
CACHED      GET /admin/dashboard/: the figures from the cache (ERP_DASHBOARD_CACHE_S), the page rendered.
Requests run one after another on one keep-alive connection, interleaved per round so both see the same
machine. Logs: var/bench/logs/.
"""

import argparse
import os
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, sys.path[0] is bench/: import from the project root instead (see bench/ingest.py).
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench import report  # noqa: E402
from bench.environment import database_check_safe, database_ensure, django_setup, environment_configure  # noqa: E402
from bench.http_load import JsonClient  # noqa: E402
from bench.report import Figure  # noqa: E402
from bench.services import gunicorn_start, redis_start  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/erp_bench_dashboard"
TASK_LIST = "/admin/sync/syncprogresstask/"
DASHBOARD = "/admin/dashboard/"
WEB_WORKERS, WEB_THREADS = 2, 4
USERS, SHOPS, FILES, QUALITY_DAYS = 50, 50, 20_000, 90
TARGET_MS = 300.0
STAFF = "bench_dashboard_operator"

SEED_SQL = """
INSERT INTO sync_syncprogresstask (task_id, task_type, user_id, priority, status, parameters, file_ids, run_file_ids,
    total_files, processed_files, succeeded_files, failed_files, skipped_files, current_file, file_progress,
    rows_read, rows_ingested, rows_quarantined, rows_skipped, file_results, errors, task_details, attempts,
    cancel_requested, heartbeat_at, dispatched_at, dispatch_error, created_at, started_at, finished_at, updated_at)
SELECT 'bench-' || i, 'batch_by_ids', (SELECT min(id) FROM auth_user) + (i %% %(users)s), 1 + i %% 10, s.status,
    '{}', '[]', '[]', 5, CASE WHEN s.status IN ('queued') THEN 0 ELSE 5 END, 4, (i %% 3 = 0)::int, 0, '', 0,
    1000 + i %% 500, 950 + i %% 400, i %% 50, 0, '[]', '[]', '{}', 1, s.status = 'cancelled',
    CASE WHEN s.status = 'processing' THEN now() - make_interval(secs => i %% 300) END,
    CASE WHEN i %% 7 = 0 AND s.status = 'queued' THEN NULL ELSE t.created END, '', t.created, t.created,
    CASE WHEN s.status IN ('completed', 'failed', 'cancelled') THEN t.created + make_interval(mins => 1 + i %% 20) END,
    now()
FROM generate_series(1, %(tasks)s) AS i,
LATERAL (SELECT now() - make_interval(mins => (i * 7) %% (30 * 24 * 60)) AS created) AS t,
LATERAL (SELECT CASE WHEN i %% 200 = 0 THEN 'queued' WHEN i %% 1000 = 1 THEN 'processing'
                     WHEN i %% 10 = 2 THEN 'failed' WHEN i %% 50 = 3 THEN 'cancelled' ELSE 'completed' END AS status) AS s;

INSERT INTO sync_catalogfile (path, file_name, sha256, size_bytes, mtime_ns, platform_code, shop_id, data_domain,
    granularity, period_start, status, rows_read, rows_ingested, rows_quarantined, rows_skipped, last_error,
    last_result, first_seen_at, last_synced_at, last_sync_seconds, updated_at, encoding, number_locale, sheet_name,
    sync_fingerprint)
SELECT 'shopee/shop' || (i %% %(shops)s) || '/orders/daily/f' || i || '.xlsx', 'f' || i || '.xlsx', md5(i::text),
    4096, 0, 'shopee', 'shop' || (i %% %(shops)s), 'orders', 'daily', current_date - (i %% 90), 'ingested',
    100, 98, 2, 0, '', '{}', now(), now() - make_interval(mins => (i * 13) %% (30 * 24 * 60)), (i %% 997) / 10.0, now(),
    '', '', '', ''
FROM generate_series(1, %(files)s) AS i;

INSERT INTO sync_orderline (platform_code, shop_id, granularity, business_date, extra, source_file_id, source_row,
    synced_at, order_id, line_key, order_status, product_name, sku, variation, quantity, currency, buyer,
    tracking_number)
SELECT 'shopee', 'shop' || (i %% %(shops)s), 'daily', current_date - (i %% 365), '{}',
    (SELECT min(id) FROM sync_catalogfile) + (i %% %(files)s), 2 + i %% 1000, now(), 'o' || i, 'sku' || (i %% 97),
    'completed', 'product ' || (i %% 97), 'sku' || (i %% 97), '', 1 + i %% 3, 'MYR', 'buyer' || (i %% 5000), ''
FROM generate_series(1, %(facts)s) AS i;

INSERT INTO sync_dataqualityrecord (platform_code, shop_id, data_domain, business_date, rows, score, missing_fields,
    checked_at)
SELECT 'shopee', 'shop' || s, d.domain, current_date - day, 100,
    CASE WHEN (s + day) %% 9 = 0 THEN 82.5 WHEN (s + day) %% 5 = 0 THEN 97.5 ELSE 100 END,
    CASE WHEN (s + day) %% 9 = 0 THEN '["buyer", "sku"]'::jsonb ELSE '[]'::jsonb END, now()
FROM generate_series(0, %(shops)s - 1) AS s, generate_series(0, %(days)s - 1) AS day,
     unnest(ARRAY['orders', 'products', 'traffic', 'inventory']) AS d(domain);
"""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30, help="measured GETs of each page")
    parser.add_argument("--any-database", action="store_true",
                        help="allow a DATABASE_URL whose name does not contain 'bench' (its tables get emptied)")
    args = parser.parse_args(argv)
    if args.tasks < 1000 or args.facts < 1 or args.requests < 1:
        parser.error("--tasks at least 1000, --facts and --requests at least 1")
    return args


def seed(args: argparse.Namespace) -> float:
    from django.contrib.auth.models import User
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE sync_orderline, sync_quarantinedrow, sync_syncprogresstask, sync_catalogfile, "
                       "sync_dataqualityrecord, audit_auditrecord CASCADE")
    User.objects.filter(username__startswith="bench_dashboard_user").delete()
    User.objects.bulk_create([User(username=f"bench_dashboard_user{i:02d}") for i in range(USERS)])
    first_user = User.objects.filter(username__startswith="bench_dashboard_user").order_by("pk").first().pk
    sql = SEED_SQL.replace("(SELECT min(id) FROM auth_user)", str(first_user))
    with connection.cursor() as cursor:
        cursor.execute(sql % {"users": USERS, "tasks": args.tasks, "shops": SHOPS, "files": FILES,
                              "facts": args.facts, "days": QUALITY_DAYS})
        cursor.execute("ANALYZE sync_syncprogresstask, sync_catalogfile, sync_orderline, sync_dataqualityrecord")
    return time.perf_counter() - started


def staff_cookie() -> str:
    from django.test import Client

    from erp.users import api_user_create
    from django.contrib.auth.models import User

    api_user_create(username=STAFF, role="admin")
    client = Client()
    client.force_login(User.objects.get(username=STAFF))
    return f"sessionid={client.cookies['sessionid'].value}"


def measure(url: str, cookie: str, requests: int) -> dict[str, list[float]]:
    """Each round GETs the task list, the dashboard computed, the dashboard cached; seconds per page."""
    client = JsonClient(url, {"Cookie": cookie})
    pages = {"task list": TASK_LIST, "dashboard": f"{DASHBOARD}?fresh=1", "dashboard cached": DASHBOARD}
    seconds = {name: [] for name in pages}
    try:
        for name, path in pages.items():  # warm-up: connections, caches, the first template compile
            status, body = client.get(path)
            if status != 200:
                raise SystemExit(f"{path} answered {status}: {body[:300]!r}")
        for _ in range(requests):
            for name, path in pages.items():
                sent = time.perf_counter()
                status, _body = client.get(path)
                seconds[name].append(time.perf_counter() - sent)
                if status != 200:
                    raise SystemExit(f"{path} answered {status}")
    finally:
        client.close()
    return seconds


def in_process(requests: int) -> float:
    """Median ms of dashboard_compute() alone (the queries and the broker probe, no HTTP or template)."""
    from sync.services.dashboard import dashboard_compute

    seconds = []
    for _ in range(requests):
        started = time.perf_counter()
        dashboard_compute()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds) * 1000


def run_bench(args: argparse.Namespace, stack: ExitStack) -> None:
    started = time.perf_counter()
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    environment_configure()
    url = os.environ["DATABASE_URL"]
    database_check_safe(url, any_database=args.any_database)
    port = redis_start(stack)
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    os.environ["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{port}/1"
    if database_ensure(url):
        print(f"  created database {url}")
    django_setup()
    seconds = seed(args)
    print(f"  seeded {args.tasks:,} tasks, {FILES:,} files, {args.facts:,} order lines and "
          f"{SHOPS * QUALITY_DAYS * 4:,} quality records in {seconds:.1f} s", flush=True)
    cookie = staff_cookie()
    web = gunicorn_start(stack, os.environ.copy(), app="erp.wsgi:application", workers=WEB_WORKERS,
                         threads=WEB_THREADS)
    print(f"  gunicorn {WEB_WORKERS} workers x {WEB_THREADS} threads at {web}", flush=True)
    timings = {name: statistics.median(values) * 1000 for name, values in measure(web, cookie, args.requests).items()}
    for name, p50 in timings.items():
        print(f"  {name}: p50 {p50:.1f} ms over {args.requests} requests", flush=True)
    compute_ms = in_process(min(args.requests, 10))
    task_list, dashboard, cached = timings["task list"], timings["dashboard"], timings["dashboard cached"]
    report.table_print([
        Figure(f"dashboard p50 ({args.tasks:,} tasks)", f"{dashboard:.1f} ms", f"task list {task_list:.1f} ms",
               report.ratio(dashboard / task_list), f"< {TARGET_MS:.0f} ms", dashboard < TARGET_MS),
        Figure("dashboard p50, figures cached", f"{cached:.1f} ms", f"task list {task_list:.1f} ms",
               report.ratio(cached / task_list)),
        Figure("figures computed in-process", f"{compute_ms:.1f} ms", "", ""),
    ])
    print(f"\nbench finished in {time.perf_counter() - started:.0f} s")


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    with ExitStack() as stack:  # stops gunicorn and redis-server, also on failure
        run_bench(args, stack)


if __name__ == "__main__":
    main(sys.argv[1:])
