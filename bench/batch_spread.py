"""Batch spread benchmark (issue 19, point 4): one 40-file batch on an otherwise idle pair of workers
(concurrency 2 each, ERP_SYNC_WORKER_SLOTS=4), spread over the free slots against the same batch run one
file at a time (ERP_BATCH_MAX_PARALLEL=1), in the same run, with the rows each run wrote compared.

    python bench/batch_spread.py [--files 40] [--rows 10000]   (`make bench-spread`)

Setup as bench/fair_share.py: a private redis-server, the PostgreSQL database DATABASE_URL (default
erp_bench), Amazon order exports of --rows rows, one shop folder each (so any two may run at once). Each
mode starts from empty tables and its own workers; the modes run one-at-a-time, spread, spread,
one-at-a-time, and each figure is the mean of its two runs. Target: spread <= 0.35x. The batch is
CPU-bound: spread over every core, it takes at least (cores the one-at-a-time run kept busy / cores) of
that run's time, printed as the best this machine allows.
"""

import argparse
import hashlib
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench import report  # noqa: E402
from bench.environment import tables_truncate, tasks_clear  # noqa: E402
from bench.fair_share import exports_cached, inbox_fill, users, workers_environment  # noqa: E402
from bench.report import Figure  # noqa: E402
from bench.services import worker_start  # noqa: E402

WORKERS, CONCURRENCY = 2, 2
SLOTS = WORKERS * CONCURRENCY
MODE_ORDER = (1, 10, 10, 1)  # ERP_BATCH_MAX_PARALLEL: one file at a time / spread
POLL_S = 0.1
TIMEOUT_S = 1800
TARGET = 0.35


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--any-database", action="store_true", help="allow a database without 'bench' in its name")
    return parser.parse_args(argv)


def cpu_busy_s() -> float:
    """CPU seconds this machine has been busy (all processes: the workers and PostgreSQL)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run_mode(parallel: int, sources: list[Path], env: dict) -> tuple[float, str, float]:
    """Seconds from submit to the batch's end, a digest of the rows written, and the cores it kept busy."""
    from django.conf import settings

    from sync.models import SyncProgressTask, TaskStatus, TaskType
    from sync.services.task_lifecycle import sync_task_create

    settings.ERP_BATCH_MAX_PARALLEL = parallel
    tables_truncate()
    tasks_clear()
    ids = inbox_fill(sources)
    user = users()[0]
    with ExitStack() as stack:
        for _ in range(WORKERS):
            worker_start(stack, {**env, "ERP_BATCH_MAX_PARALLEL": str(parallel)}, app="erp", queues="data_sync",
                         concurrency=CONCURRENCY)
        started, busy = time.monotonic(), cpu_busy_s()
        batch = sync_task_create(user=user, task_type=TaskType.BATCH_BY_IDS, file_ids=ids)
        deadline = time.monotonic() + TIMEOUT_S
        while SyncProgressTask.objects.filter(pk=batch.pk, status__in=SyncProgressTask.ACTIVE_STATUSES).exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the batch did not finish within {TIMEOUT_S} s")
            time.sleep(POLL_S)
        seconds = time.monotonic() - started
        cores = (cpu_busy_s() - busy) / seconds
    batch.refresh_from_db()
    if batch.status != TaskStatus.COMPLETED or batch.processed_files != len(ids):
        raise RuntimeError(f"batch {batch.task_id} {batch.status}: {batch.processed_files} of {len(ids)} files")
    parts = SyncProgressTask.units.filter(parent=batch).count()
    digest = rows_digest(ids)
    print(f"  ERP_BATCH_MAX_PARALLEL={parallel:<2}: {seconds:.1f} s, {parts} parts, {cores:.2f} of "
          f"{os.cpu_count()} cores busy, {batch.rows_ingested:,} rows ingested, rows digest {digest[:12]}", flush=True)
    return seconds, digest, cores


def rows_digest(file_ids: list[int]) -> str:
    """What the rows hold, whichever run wrote them (ids and sync times aside)."""
    from sync.models import OrderLine

    columns = [f.attname for f in OrderLine._meta.concrete_fields if f.attname not in ("id", "synced_at")]
    digest = hashlib.sha256()
    for row in OrderLine.objects.filter(source_file__in=file_ids).order_by(*columns).values_list(*columns).iterator():
        digest.update(repr(row).encode())
    return digest.hexdigest()


def run_bench(args: argparse.Namespace, stack: ExitStack) -> None:
    workers_environment(args, stack, ERP_SYNC_WORKER_SLOTS=str(SLOTS), ERP_FAIR_SHARE="true")
    print(f"batch spread: one batch of {args.files} files ({args.rows:,} rows each) on {WORKERS} idle workers "
          f"at concurrency {CONCURRENCY}", flush=True)
    sources = exports_cached(args.files, args.rows)
    env = dict(os.environ)
    runs = {mode: [] for mode in set(MODE_ORDER)}
    for mode in MODE_ORDER:
        runs[mode].append(run_mode(mode, sources, env))
    digests = {digest for outcomes in runs.values() for _, digest, _ in outcomes}
    one, spread = (sum(s for s, _, _ in runs[m]) / len(runs[m]) for m in (1, 10))
    cores_one, cores_spread = (sum(c for _, _, c in runs[m]) / len(runs[m]) for m in (1, 10))
    ratio = spread / one
    report.table_print([
        Figure("40-file batch, spread over free slots", report.secs(spread), f"one at a time {report.secs(one)}",
               report.ratio(ratio), f"<= {TARGET:.2f}x", ratio <= TARGET),
        Figure("cores busy, spread (all processes)", f"{cores_spread:.2f} of {os.cpu_count()}",
               f"one at a time {cores_one:.2f}", report.ratio(cores_spread / cores_one)),
        # The same work on every core this machine has can take no less than this share of the time.
        Figure("best spread this machine allows", f"all {os.cpu_count()} cores busy",
               f"one at a time {cores_one:.2f}", report.ratio(cores_one / os.cpu_count())),
        Figure("rows written", "the same" if len(digests) == 1 else f"{len(digests)} different", "every run", "",
               "the same", len(digests) == 1),
    ])


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    with ExitStack() as stack:
        run_bench(args, stack)


if __name__ == "__main__":
    main(sys.argv[1:])
