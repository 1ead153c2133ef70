"""Submit benchmark: how fast a sync submission is answered and run, against bare baselines from the same run.

    python bench/submit.py [--requests 300] [--throughput-requests 1000] [--concurrency 20] [--tasks 500]
                                                                                     (`make bench-submit`)

Setup: a private redis-server on a free port (Celery broker on db 1, cache and quota on db 0), the
PostgreSQL database DATABASE_URL (default erp_bench; created and migrated; refused unless its name
contains "bench"), MAX_TASKS_PER_USER so large the quota never refuses, one API user with a token.

1. LATENCY     gunicorn (2 workers x 8 threads, as the tests run it) serving bench/bare_app.py: erp's app
               plus POST /bench/bare-submit, which does one INSERT and one send_task and nothing else.
               POST /api/data-sync/single (token auth, a new catalogued file per request, so never 409)
               against the bare view: p50/p99 at concurrency 1 (--requests after --warmup), and
               requests/s at --concurrency over --throughput-requests. No worker consumes meanwhile:
               between measurements the queued tasks are cancelled and Redis is flushed, so each one starts
               from an empty queue. The catalogue rows of this part are not files on disk.
2. PROFILE     the same two submits in this process (Django test client): SQL queries and Redis commands
               per request, and where ours spends its time (cProfile, cumulative).
3. END-TO-END  one real celery worker (-c 2, -Q data_sync) runs --tasks single-file syncs of tiny Amazon
               exports (5 rows each, one shop folder each) submitted through sync_task_create, against as
               many `bench.noop` tasks (bench/noop_tasks.py) on the same worker. tasks/s = tasks / (last
               result stored - first submit). The two alternate over --e2e-rounds rounds (new files each
               round), and each rate is over all its rounds: the machine's own speed moves between runs
               (the no-op rate alone was seen from 90 to 150 tasks/s). --e2e-only skips parts 1 and 2.

Every process the bench starts is stopped at the end, also on failure. Logs: var/bench/logs/.
"""

import argparse
import cProfile
import io
import os
import pstats
import re
import shutil
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, sys.path[0] is bench/: import from the project root instead (see bench/ingest.py).
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench import report  # noqa: E402
from bench.environment import (BENCH_DIR, INBOX_DIR, database_check_safe, database_ensure, django_setup,  # noqa: E402
                               environment_configure, tables_truncate, tasks_clear)
from bench.http_load import LoadResult, latency_run, throughput_run  # noqa: E402
from bench.report import Figure  # noqa: E402
from bench.services import gunicorn_start, redis_start, worker_start  # noqa: E402

OURS_PATH = "/api/data-sync/single"
BARE_PATH = "/bench/bare-submit"
WSGI_APP = "bench.bare_app:application"
WORKER_APP = "bench.noop_tasks"
WORKER_QUEUES = "data_sync"
WEB_WORKERS = 2
WEB_THREADS = 8
WORKER_CONCURRENCY = 2
BROKER_DB, CACHE_DB = 1, 0
QUOTA_NEVER_REFUSES = 100_000  # tasks per user
BENCH_USER = "bench_submit"
BENCH_ROLE = "normal"  # the typical API caller: its role caps the priority (one more query than admin)
CACHE_KEY_PREFIX = "bench_submit"

DEFAULT_WARMUP = 30  # requests before each measured run, not counted
DEFAULT_REQUESTS = 300  # concurrency-1 requests per endpoint
DEFAULT_THROUGHPUT_REQUESTS = 1000
DEFAULT_CONCURRENCY = 20  # client threads in the throughput run
DEFAULT_TASKS = 500  # end-to-end tasks, ours and no-op each
WORKER_WARMUP_TASKS = 20  # no-op tasks run before measuring, so the pool's processes are forked and connected
PROFILE_REQUESTS = 50
PROFILE_WARMUP = 5
PROFILE_TOP_ENTRIES = 30
# The profile lists our code and the libraries a submit goes through, not Django's wrappers around them.
PROFILE_FILTER = (re.escape(str(ROOT)) + r"/(sync|erp|bench)/|rest_framework/(views|authentication|serializers)\.py|"
                  r"celery/app/(base|task)\.py|kombu/messaging\.py|redis/client\.py|psycopg/(cursor|connection)\.py")
DEMO_ROWS_PER_FILE = 5
DEMO_KEY = "amazon_orders_tsv"
E2E_TIMEOUT_S = 900
E2E_POLL_S = 0.05
STAGING_DIR = BENCH_DIR / "submit-staging"

TARGET_P50_VS_BARE = 1.5  # ours p50 over bare p50, at most
TARGET_RPS_VS_BARE = 0.6  # ours requests/s over bare requests/s, at least
TARGET_E2E_VS_NOOP = 0.5  # ours tasks/s over no-op tasks/s, at least
ACCEPTED = 202  # the bare floor's answer; ours answers the predecessor's 200 (issue 15)


@dataclass
class Endpoint:
    label: str
    path: str
    headers: dict
    accepted: int = ACCEPTED


@dataclass
class EndpointRuns:
    latency: LoadResult
    throughput: LoadResult


@dataclass
class InProcess:
    queries: float  # SQL queries per request
    redis_commands: float  # Redis commands per request (cache, quota and broker together)
    redis_breakdown: str  # the commands behind that figure, most frequent first
    ms: float  # mean milliseconds per request in this process (no HTTP, no gunicorn)
    profile: str = ""


@dataclass
class E2ERun:
    tasks: int
    seconds: float
    not_ok: int  # ours: tasks not completed, or with a failed file; no-op: not SUCCESS
    submitted_s: float = 0.0  # ours: until the last task was submitted (the workers run meanwhile)

    @property
    def per_s(self) -> float:
        return report.rate(self.tasks, self.seconds)

    @classmethod
    def total(cls, runs: list["E2ERun"]) -> "E2ERun":
        return cls(sum(r.tasks for r in runs), sum(r.seconds for r in runs), sum(r.not_ok for r in runs),
                   sum(r.submitted_s for r in runs))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP, help="requests before each measured run")
    parser.add_argument("--requests", type=int, default=DEFAULT_REQUESTS, help="concurrency-1 requests per endpoint")
    parser.add_argument("--throughput-requests", type=int, default=DEFAULT_THROUGHPUT_REQUESTS)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="client threads")
    parser.add_argument("--tasks", type=int, default=DEFAULT_TASKS, help="end-to-end tasks, ours and no-op each")
    parser.add_argument("--any-database", action="store_true",
                        help="allow a DATABASE_URL whose name does not contain 'bench' (its tables get emptied)")
    parser.add_argument("--e2e-only", action="store_true", help="measure only the end-to-end task throughput")
    parser.add_argument("--e2e-rounds", type=int, default=2, help="end-to-end rounds, no-op then ours in each")
    args = parser.parse_args(argv)
    for name in ("requests", "throughput_requests", "concurrency", "tasks", "e2e_rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


# --- Setup ---------------------------------------------------------------------------------------------


def environment_for_redis(port: int) -> None:
    os.environ["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{port}/{BROKER_DB}"
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/{CACHE_DB}"
    os.environ["CACHE_KEY_PREFIX"] = CACHE_KEY_PREFIX
    os.environ["MAX_TASKS_PER_USER"] = str(QUOTA_NEVER_REFUSES)


def queue_reset() -> None:
    """Cancel every queued task and flush our Redis (broker messages, quota slots, cache), so the next
    measurement starts from an empty queue whatever the last one left."""
    from django.utils import timezone

    from sync.models import SyncProgressTask, TaskStatus

    SyncProgressTask.objects.filter(status__in=SyncProgressTask.ACTIVE_STATUSES).update(
        status=TaskStatus.CANCELLED, finished_at=timezone.now())
    redis_client().flushall()


def redis_client():
    import redis

    return redis.Redis.from_url(os.environ["REDIS_URL"])


def user_with_token():
    from django.contrib.auth.models import User

    from erp.users import api_user_create

    token = api_user_create(username=BENCH_USER, role=BENCH_ROLE)
    return User.objects.get(username=BENCH_USER), token


def placeholder_files(count: int) -> list[int]:
    """`count` pending catalogue rows (no file on disk: nothing syncs them in the latency part)."""
    from sync.models import CatalogFile

    rows = [CatalogFile(path=f"amazon/latency_{i:05d}/orders/monthly/AllOrders.20241101_20241130.txt",
                        file_name="AllOrders.20241101_20241130.txt", sha256=f"{i:064x}", size_bytes=1,
                        platform_code="amazon", shop_id=f"latency_{i:05d}", data_domain="orders",
                        granularity="monthly") for i in range(count)]
    return [row.pk for row in CatalogFile.objects.bulk_create(rows)]


# --- 1. Latency and throughput over HTTP ---------------------------------------------------------------------


class FileIds:
    """Hands out each placeholder file once, so no submission meets a file another task holds (409)."""

    def __init__(self, ids: list[int]):
        self.ids, self.used = ids, 0

    def take(self, count: int) -> int:
        """Reserve `count` ids; returns the index of the first one."""
        if self.used + count > len(self.ids):
            raise RuntimeError("not enough placeholder files")
        first, self.used = self.used, self.used + count
        return first

    def body(self, index: int) -> dict:
        return {"file_id": self.ids[index]}


def measure_endpoint(url: str, endpoint: Endpoint, files: FileIds, args: argparse.Namespace) -> EndpointRuns:
    def run_latency(requests: int) -> LoadResult:
        return latency_run(url, endpoint.path, headers=endpoint.headers, body_for=files.body,
                           first=files.take(requests), requests=requests, expected_status=endpoint.accepted)

    queue_reset()
    run_latency(args.warmup)
    latency = run_latency(args.requests)
    queue_reset()
    run_latency(args.warmup)
    throughput = throughput_run(url, endpoint.path, headers=endpoint.headers, body_for=files.body,
                                first=files.take(args.throughput_requests), requests=args.throughput_requests,
                                concurrency=args.concurrency, expected_status=endpoint.accepted)
    queue_reset()
    for name, run in (("c=1", latency), (f"c={args.concurrency}", throughput)):
        print(f"  {endpoint.label} {name}: {run.requests} requests, p50 {run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms, "
              f"{run.per_s:,.0f} req/s" + (f", unexpected statuses {run.unexpected}" if run.unexpected else ""),
              flush=True)
    return EndpointRuns(latency, throughput)


# --- 2. The same submits in this process --------------------------------------------------------------------


def measure_in_process(endpoint: Endpoint, files: FileIds, *, profile: bool) -> InProcess:
    """SQL queries and Redis commands per request, mean time, and optionally a cProfile, through Django's
    test client (the same middleware, views and services; no HTTP server)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(headers={k.lower(): v for k, v in endpoint.headers.items()})
    redis = redis_client()

    def post(index: int):
        response = client.post(endpoint.path, files.body(index), content_type="application/json")
        if response.status_code != endpoint.accepted:
            raise RuntimeError(f"{endpoint.path} answered {response.status_code}: {response.content[:300]!r}")

    queue_reset()
    first = files.take(PROFILE_WARMUP)
    for index in range(first, first + PROFILE_WARMUP):
        post(index)
    first = files.take(PROFILE_REQUESTS)
    commands_before = _redis_commands(redis)
    stats_before = redis.info("commandstats")
    profiler = cProfile.Profile() if profile else None
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        for index in range(first, first + PROFILE_REQUESTS):
            post(index)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
    # The INFO calls themselves count as commands.
    commands = _redis_commands(redis) - commands_before - 2
    breakdown = _redis_breakdown(stats_before, redis.info("commandstats"))
    queue_reset()
    measured = InProcess(queries=len(queries.captured_queries) / PROFILE_REQUESTS,
                         redis_commands=commands / PROFILE_REQUESTS, redis_breakdown=breakdown, ms=seconds / PROFILE_REQUESTS * 1000,
                         profile=_profile_text(profiler) if profiler else "")
    print(f"  {endpoint.label} in-process: {measured.queries:.1f} SQL queries, {measured.redis_commands:.1f} Redis "
          f"commands ({measured.redis_breakdown}), {measured.ms:.2f} ms per request"
          f"{' (under cProfile)' if profile else ''}", flush=True)
    return measured


def _redis_commands(client) -> int:
    return int(client.info("stats")["total_commands_processed"])


def _redis_breakdown(before: dict, after: dict) -> str:
    calls = {name.removeprefix("cmdstat_"): stats["calls"] - before.get(name, {}).get("calls", 0)
             for name, stats in after.items() if name != "cmdstat_info"}
    ranked = sorted(((count, name) for name, count in calls.items() if count), reverse=True)
    return " ".join(f"{name} {count / PROFILE_REQUESTS:.1f}" for count, name in ranked)


def _profile_text(profiler: cProfile.Profile) -> str:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(pstats.SortKey.CUMULATIVE).print_stats(
        PROFILE_FILTER, PROFILE_TOP_ENTRIES)
    text = out.getvalue()
    for prefix in [p for p in sys.path if p.endswith("site-packages")] + [str(ROOT)]:
        text = text.replace(f"{prefix}/", "")
    return text


# --- 3. End to end through one worker ---------------------------------------------------------------------


def e2e_files(count: int, first_seed: int = 0) -> list[int]:
    """`count` tiny Amazon exports, each in its own shop folder of the bench inbox (distinct content,
    so none is a duplicate), catalogued; returns their CatalogFile ids."""
    from sync.demo.exports import demo_exports_write
    from sync.models import CatalogFile, FileStatus
    from sync.services.catalog import catalog_scan

    for folder in (INBOX_DIR, STAGING_DIR):
        shutil.rmtree(folder, ignore_errors=True)
    for index in range(count):
        staged = demo_exports_write(out_dir=STAGING_DIR / str(index), rows=DEMO_ROWS_PER_FILE,
                                    seed=first_seed + index, only=[DEMO_KEY])[0]
        platform, _shop, *rest = Path(staged.path).parts
        target = INBOX_DIR.joinpath(platform, f"bench_shop_{index:04d}", *rest)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(STAGING_DIR / str(index) / staged.path, target)
    shutil.rmtree(STAGING_DIR, ignore_errors=True)
    catalog_scan(inbox=INBOX_DIR)
    ids = list(CatalogFile.objects.filter(status=FileStatus.PENDING, path__contains="/bench_shop_")
               .order_by("pk").values_list("pk", flat=True))
    if len(ids) != count:
        raise RuntimeError(f"expected {count} pending catalogued files, found {len(ids)}")
    return ids


def noop_run(count: int) -> E2ERun:
    from bench.noop_tasks import noop

    started = datetime.now(UTC)
    task_ids = [noop.apply_async(args=[index]).id for index in range(count)]
    results = _results_wait(task_ids)
    not_ok = sum(1 for status, _done in results if status != "SUCCESS")
    return E2ERun(count, _seconds_to_last(started, results), not_ok)


def ours_run(user, file_ids: list[int]) -> E2ERun:
    from sync.models import SyncProgressTask, TaskStatus, TaskType
    from sync.services.task_lifecycle import sync_task_create

    started = datetime.now(UTC)
    task_ids = [sync_task_create(task_type=TaskType.SINGLE_FILE, file_ids=[file_id], user=user).task_id
                for file_id in file_ids]
    submitted = (datetime.now(UTC) - started).total_seconds()
    results = _results_wait(task_ids)
    tasks = SyncProgressTask.objects.filter(task_id__in=task_ids)
    ok = tasks.filter(status=TaskStatus.COMPLETED, failed_files=0, succeeded_files=1).count()
    return E2ERun(len(file_ids), _seconds_to_last(started, results), len(file_ids) - ok, submitted)


def _results_wait(task_ids: list[str]) -> list[tuple[str, datetime]]:
    """(status, date_done) of each task's stored Celery result, once every one has finished."""
    from celery import states
    from django_celery_results.models import TaskResult

    deadline = time.monotonic() + E2E_TIMEOUT_S
    while time.monotonic() < deadline:
        results = list(TaskResult.objects.filter(task_id__in=task_ids, status__in=states.READY_STATES)
                       .values_list("status", "date_done"))
        if len(results) == len(task_ids):
            return results
        time.sleep(E2E_POLL_S)
    raise RuntimeError(f"only {len(results)} of {len(task_ids)} tasks finished within {E2E_TIMEOUT_S} s")


def _seconds_to_last(started: datetime, results: list[tuple[str, datetime]]) -> float:
    return (max(done for _status, done in results) - started).total_seconds()


def measure_e2e(stack: ExitStack, user, tasks: int, rounds: int) -> tuple[E2ERun, E2ERun]:
    """Ours and the no-op, each over all `rounds` (alternating, on one worker)."""
    queue_reset()
    worker_start(stack, os.environ.copy(), app=WORKER_APP, queues=WORKER_QUEUES, concurrency=WORKER_CONCURRENCY)
    noop_run(WORKER_WARMUP_TASKS)
    noops, ours = [], []
    for index in range(rounds):
        tables_truncate()
        tasks_clear()
        file_ids = e2e_files(tasks, first_seed=index * tasks)
        noops.append(noop_run(tasks))
        ours.append(ours_run(user, file_ids))
        print(f"  round {index + 1}: NO-OP {noops[-1].per_s:,.1f} tasks/s, OURS {ours[-1].per_s:,.1f} tasks/s "
              f"({report.ratio(ours[-1].per_s / noops[-1].per_s)}; submitted in {report.secs(ours[-1].submitted_s)} "
              f"of {report.secs(ours[-1].seconds)}); not completed cleanly: no-op "
              f"{noops[-1].not_ok}, ours {ours[-1].not_ok}", flush=True)
    return E2ERun.total(ours), E2ERun.total(noops)


# --- Figures ------------------------------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value:.1f} ms"


def per_s(value: float, unit: str = "req") -> str:
    return f"{value:,.1f} {unit}/s"


def latency_figures(ours: EndpointRuns, bare: EndpointRuns, concurrency: int) -> list[Figure]:
    p50 = ours.latency.p50_ms / bare.latency.p50_ms
    rps = ours.throughput.per_s / bare.throughput.per_s
    failed = sum(sum(r.unexpected.values()) for runs in (ours, bare) for r in (runs.latency, runs.throughput))
    return [
        Figure("submit p50, c=1", ms(ours.latency.p50_ms), "bare " + ms(bare.latency.p50_ms), report.ratio(p50),
               f"<= {TARGET_P50_VS_BARE:.1f}x", p50 <= TARGET_P50_VS_BARE),
        Figure("submit p99, c=1", ms(ours.latency.p99_ms), "bare " + ms(bare.latency.p99_ms),
               report.ratio(ours.latency.p99_ms / bare.latency.p99_ms)),
        Figure(f"submit req/s, c={concurrency}", per_s(ours.throughput.per_s), "bare " + per_s(bare.throughput.per_s),
               report.ratio(rps), f">= {TARGET_RPS_VS_BARE:.1f}x", rps >= TARGET_RPS_VS_BARE),
        Figure(f"submit p50 / p99, c={concurrency}", f"{ours.throughput.p50_ms:.0f}/{ours.throughput.p99_ms:.0f} ms",
               f"bare {bare.throughput.p50_ms:.0f}/{bare.throughput.p99_ms:.0f} ms",
               report.ratio(ours.throughput.p50_ms / bare.throughput.p50_ms)),
        Figure("submit answers not accepted (ours 200, bare 202)", f"{failed:,}", "", "", "= 0", failed == 0),
    ]


def in_process_figures(ours: InProcess, bare: InProcess) -> list[Figure]:
    return [
        Figure("in-process ms per submit (no HTTP)", ms(ours.ms), "bare " + ms(bare.ms), report.ratio(ours.ms / bare.ms)),
        Figure("SQL queries per submit", f"{ours.queries:.1f}", f"bare {bare.queries:.1f}",
               report.ratio(ours.queries / bare.queries)),
        Figure("Redis commands per submit", f"{ours.redis_commands:.1f}", f"bare {bare.redis_commands:.1f}",
               report.ratio(ours.redis_commands / bare.redis_commands)),
    ]


def e2e_figures(ours: E2ERun, noop: E2ERun) -> list[Figure]:
    ratio = ours.per_s / noop.per_s
    return [
        Figure(f"end-to-end tasks/s ({ours.tasks} files, all rounds)", per_s(ours.per_s, "tasks"),
               "no-op " + per_s(noop.per_s, "tasks"), report.ratio(ratio), f">= {TARGET_E2E_VS_NOOP:.1f}x",
               ratio >= TARGET_E2E_VS_NOOP),
        Figure("end-to-end tasks not completed cleanly", f"{ours.not_ok + noop.not_ok:,}", "", "", "= 0",
               ours.not_ok + noop.not_ok == 0),
    ]


# --- Entry point ----------------------------------------------------------------------------------------------


def run_bench(args: argparse.Namespace, stack: ExitStack) -> None:
    started = time.perf_counter()
    environment_configure()
    url = os.environ["DATABASE_URL"]
    database_check_safe(url, any_database=args.any_database)
    environment_for_redis(redis_start(stack))
    if database_ensure(url):
        print(f"  created database {url}")
    django_setup()
    import bench.bare_app  # noqa: F401  (mounts the bare view in this process too, for the in-process part)

    tables_truncate()
    tasks_clear()
    user, token = user_with_token()
    if args.e2e_only:
        report.table_print(e2e_figures(*measure_e2e(stack, user, args.tasks, args.e2e_rounds)))
        return
    in_process_runs = 3  # bare, ours, ours under cProfile
    needed = (2 * (2 * args.warmup + args.requests + args.throughput_requests)
              + in_process_runs * (PROFILE_WARMUP + PROFILE_REQUESTS))
    files = FileIds(placeholder_files(needed))
    ours = Endpoint("OURS", OURS_PATH, {"Authorization": f"Token {token}"}, accepted=200)
    bare = Endpoint("BARE", BARE_PATH, {})

    web = gunicorn_start(stack, os.environ.copy(), app=WSGI_APP, workers=WEB_WORKERS, threads=WEB_THREADS)
    print(f"  gunicorn {WEB_WORKERS} workers x {WEB_THREADS} threads at {web}", flush=True)
    bare_runs = measure_endpoint(web, bare, files, args)
    ours_runs = measure_endpoint(web, ours, files, args)
    bare_process = measure_in_process(bare, files, profile=False)
    ours_process = measure_in_process(ours, files, profile=False)
    ours_profiled = measure_in_process(ours, files, profile=True)

    ours_e2e, noop_e2e = measure_e2e(stack, user, args.tasks, args.e2e_rounds)
    report.table_print(latency_figures(ours_runs, bare_runs, args.concurrency)
                       + in_process_figures(ours_process, bare_process) + e2e_figures(ours_e2e, noop_e2e))
    print(f"\nWhere one POST {OURS_PATH} spends its time ({PROFILE_REQUESTS} requests in-process, cProfile, "
          "cumulative):")
    print(ours_profiled.profile)
    print(f"bench finished in {time.perf_counter() - started:.0f} s")


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    with ExitStack() as stack:  # stops gunicorn, the worker and redis-server, also on failure
        run_bench(args, stack)


if __name__ == "__main__":
    main(sys.argv[1:])
