"""Cache bench: p50 of GET /api/accounts/stats over 10,000 accounts, served from the cache against
computed on every request, in the same run.

    python bench/cache.py [--accounts 10000] [--requests 500]                       (`make bench-cache`)

Setup: a private redis-server on a free port (cache on db 0), the PostgreSQL database DATABASE_URL
(default erp_bench_cache, apart from the other benches' erp_bench since its accounts are replaced;
created and migrated; refused unless its name contains "bench") holding --accounts
collection accounts over the five platforms, one API user with a token, gunicorn (2 workers x 8
threads, as the tests run it) serving erp.

UNCACHED  before each request the bench invalidates the account_stats type, so every request misses:
          the lock, the grouped count over every account, the store, as a cold key costs.
CACHED    the key is warm: every request is a hit.
Both runs are --requests GETs after --warmup, one after another on one keep-alive connection; the cache
statistics confirm that each run was all misses or all hits.
IN-PROCESS  the same lookup without HTTP, Django or DRF (a hit against the computation alone): what the
          cache saves, apart from the per-request cost (HTTP, middleware, token query) that both pay.
Logs: var/bench/logs/.
"""

import argparse
import os
import sys
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, sys.path[0] is bench/: import from the project root instead (see bench/ingest.py).
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench import report  # noqa: E402
from bench.environment import database_check_safe, database_ensure, django_setup, environment_configure  # noqa: E402
from bench.http_load import JsonClient, LoadResult  # noqa: E402
from bench.report import Figure  # noqa: E402
from bench.services import gunicorn_start, redis_start  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/erp_bench_cache"
PATH = "/api/accounts/stats"
CACHE_TYPE = "account_stats"
WEB_WORKERS = 2
WEB_THREADS = 8
CACHE_KEY_PREFIX = "bench_cache"
BENCH_USER = "bench_cache"
PLATFORMS = ("shopee", "tiktok", "lazada", "amazon", "miaoshou")
DEFAULT_ACCOUNTS = 10_000
DEFAULT_REQUESTS = 500
DEFAULT_WARMUP = 30
TARGET_SPEEDUP = 5.0  # uncached p50 over cached p50, at least


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=DEFAULT_ACCOUNTS)
    parser.add_argument("--requests", type=int, default=DEFAULT_REQUESTS, help="measured GETs per run")
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP, help="GETs before each run, not counted")
    parser.add_argument("--any-database", action="store_true",
                        help="allow a DATABASE_URL whose name does not contain 'bench' (its accounts get replaced)")
    args = parser.parse_args(argv)
    if args.accounts < 1 or args.requests < 1:
        parser.error("--accounts and --requests must be at least 1")
    return args


def accounts_replace(count: int) -> None:
    """`count` accounts over the platforms, a third disabled, half collected within the last two days."""
    from django.utils import timezone

    from sync.models import PlatformAccount

    now = timezone.now()
    PlatformAccount.objects.all().delete()
    PlatformAccount.objects.bulk_create(
        [PlatformAccount(platform_code=PLATFORMS[i % len(PLATFORMS)], shop_id=f"bench_{i:06d}", shop_name=f"Shop {i}",
                         enabled=i % 3 != 0, last_collected_at=now - timedelta(hours=i % 96)) for i in range(count)],
        batch_size=2000)


def token_for_user() -> str:
    from erp.users import api_user_create

    return api_user_create(username=BENCH_USER, role="normal")


def run(url: str, token: str, requests: int, before_each) -> LoadResult:
    """`requests` GETs on one keep-alive connection; before_each() runs untimed before every one."""
    client = JsonClient(url, {"Authorization": f"Token {token}"})
    seconds, unexpected = [], {}
    started = time.perf_counter()
    try:
        for _ in range(requests):
            before_each()
            sent = time.perf_counter()
            status, _body = client.get(PATH)
            seconds.append(time.perf_counter() - sent)
            if status != 200:
                unexpected[status] = unexpected.get(status, 0) + 1
    finally:
        client.close()
    return LoadResult(seconds, time.perf_counter() - started, unexpected)


def measured(url: str, token: str, args: argparse.Namespace, *, cached: bool) -> tuple[LoadResult, dict]:
    """One run after its warm-up, and the cache statistics of the measured part only."""
    from cache.services import cache_delete_pattern
    from cache.stats import stats_read, stats_reset

    def invalidate():
        cache_delete_pattern(cache_type=CACHE_TYPE)

    before_each = (lambda: None) if cached else invalidate
    run(url, token, args.warmup, before_each)
    stats_reset()
    result = run(url, token, args.requests, before_each)
    stats = next(t for t in stats_read() if t.cache_type == CACHE_TYPE)
    label = "CACHED" if cached else "UNCACHED"
    print(f"  {label}: {result.requests} requests, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms, "
          f"hits {stats.hits}, misses {stats.misses}"
          + (f", unexpected statuses {result.unexpected}" if result.unexpected else ""), flush=True)
    return result, {"hits": stats.hits, "misses": stats.misses}


def in_process(requests: int) -> tuple[float, float]:
    """Median ms of a cache hit of the stats and of their computation, in this process."""
    import statistics

    from cache.selectors import account_stats

    def median_ms(call) -> float:
        seconds = []
        for _ in range(requests):
            started = time.perf_counter()
            call()
            seconds.append(time.perf_counter() - started)
        return statistics.median(seconds) * 1000

    account_stats.refresh()
    return median_ms(account_stats.lookup), median_ms(account_stats.__wrapped__)


def figures(cached: LoadResult, uncached: LoadResult, counts: dict, args: argparse.Namespace,
            lookups: tuple[float, float]) -> list[Figure]:
    speedup = uncached.p50_ms / cached.p50_ms
    as_expected = (counts["cached"] == {"hits": args.requests, "misses": 0}
                   and counts["uncached"] == {"hits": 0, "misses": args.requests})
    failed = sum(cached.unexpected.values()) + sum(uncached.unexpected.values())
    return [
        Figure(f"accounts/stats p50 ({args.accounts:,} accounts)", f"{cached.p50_ms:.2f} ms",
               f"uncached {uncached.p50_ms:.2f} ms", report.ratio(speedup), f">= {TARGET_SPEEDUP:.1f}x",
               speedup >= TARGET_SPEEDUP),
        Figure("accounts/stats p99", f"{cached.p99_ms:.2f} ms", f"uncached {uncached.p99_ms:.2f} ms",
               report.ratio(uncached.p99_ms / cached.p99_ms)),
        Figure("stats in-process (no HTTP): hit", f"{lookups[0]:.2f} ms", f"computed {lookups[1]:.2f} ms",
               report.ratio(lookups[1] / lookups[0])),
        Figure("runs all hits / all misses", "yes" if as_expected else "no", "", "", "= yes", as_expected),
        Figure("answers not 200", f"{failed:,}", "", "", "= 0", failed == 0),
    ]


def run_bench(args: argparse.Namespace, stack: ExitStack) -> None:
    started = time.perf_counter()
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    environment_configure()
    url = os.environ["DATABASE_URL"]
    database_check_safe(url, any_database=args.any_database)
    port = redis_start(stack)
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    os.environ["CACHE_KEY_PREFIX"] = CACHE_KEY_PREFIX
    if database_ensure(url):
        print(f"  created database {url}")
    django_setup()
    accounts_replace(args.accounts)
    token = token_for_user()
    web = gunicorn_start(stack, os.environ.copy(), app="erp.wsgi:application", workers=WEB_WORKERS,
                         threads=WEB_THREADS)
    print(f"  {args.accounts:,} accounts; gunicorn {WEB_WORKERS} workers x {WEB_THREADS} threads at {web}", flush=True)
    uncached, uncached_counts = measured(web, token, args, cached=False)
    cached, cached_counts = measured(web, token, args, cached=True)
    lookups = in_process(args.requests)
    report.table_print(figures(cached, uncached, {"cached": cached_counts, "uncached": uncached_counts}, args,
                               lookups))
    print(f"\nbench finished in {time.perf_counter() - started:.0f} s")


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    with ExitStack() as stack:  # stops gunicorn and redis-server, also on failure
        run_bench(args, stack)


if __name__ == "__main__":
    main(sys.argv[1:])
