"""Fair share benchmark (issue 19): user A submits ten 30-file batches; 5 seconds later users B and C each
submit one single-file task. How long B and C wait to start, against the duration of one of A's files,
with fair share on and off (ERP_FAIR_SHARE) in the same run, and how long all the work takes.

    python bench/fair_share.py [--batches 10] [--files-per-batch 30] [--rows 10000]   (`make bench-fair`)

Setup: a private redis-server (broker db 1, cache and quota db 0), the PostgreSQL database DATABASE_URL
(default erp_bench), two real `celery worker` processes (-c 1 each, ERP_SYNC_WORKER_SLOTS=2), Amazon order
exports of --rows rows, one shop folder each (generated once into var/bench/cache/fair-<rows>/): at
10,000 rows a batch runs about ten seconds, so B and C arrive in the middle of A's running batches. Each
mode starts from empty tables and its own workers; the tasks keep their default priorities (a batch 4, a
single file 5), as the API gives them. The modes run off, on, on, off, and each figure is the mean of its
two runs.
"""

import argparse
import os
import shutil
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench import report  # noqa: E402
from bench.environment import (CACHE_DIR, INBOX_DIR, database_check_safe, database_ensure, django_setup,  # noqa: E402
                               environment_configure, tables_truncate, tasks_clear)
from bench.report import Figure  # noqa: E402
from bench.services import redis_start, worker_start  # noqa: E402

BROKER_DB, CACHE_DB = 1, 0
WORKERS, SLOTS = 2, 2
LATE_SUBMIT_S = 5
DEMO_KEY = "amazon_orders_tsv"
POLL_S = 0.1
TIMEOUT_S = 1800
USERS = ("bench_a", "bench_b", "bench_c")
TARGET_WAIT_VS_FILE = 1.0
MODE_ORDER = (False, True, True, False)  # fair share off / on
TARGET_TOTAL_VS_UNFAIR = 1.05


@dataclass
class Outcome:
    waits: dict[str, float]  # B's and C's seconds from submit to start
    file_s: float  # mean seconds of one of A's file syncs
    total_s: float  # first submit to last finish


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--files-per-batch", type=int, default=30)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--any-database", action="store_true", help="allow a database without 'bench' in its name")
    return parser.parse_args(argv)


def exports_cached(count: int, rows: int) -> list[Path]:
    """`count` Amazon exports of distinct content, generated once; their paths relative to their folder."""
    from sync.demo.exports import demo_exports_write

    folder = CACHE_DIR / f"fair-{rows}"
    paths = []
    for index in range(count):
        out = folder / str(index)
        found = list(out.rglob("*.txt"))
        if not found:
            demo_exports_write(out_dir=out, rows=rows, seed=10_000 + index, only=[DEMO_KEY])
            found = list(out.rglob("*.txt"))
        paths.append(found[0])
    return paths


def inbox_fill(sources: list[Path]) -> list[int]:
    """Each export in its own shop folder of an empty bench inbox, catalogued; their ids in that order."""
    from sync.models import CatalogFile
    from sync.services.catalog import catalog_scan

    shutil.rmtree(INBOX_DIR, ignore_errors=True)
    targets = []
    for index, source in enumerate(sources):
        target = INBOX_DIR / "amazon" / f"fair_shop_{index:04d}" / "orders" / "monthly" / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(source, target)
        targets.append(target.relative_to(INBOX_DIR).as_posix())
    catalog_scan(inbox=INBOX_DIR)
    by_path = dict(CatalogFile.objects.values_list("path", "pk"))
    return [by_path[path] for path in targets]


def users():
    from django.contrib.auth.models import User

    from erp.users import api_user_create

    for name in USERS:
        api_user_create(username=name, role="normal")
    return [User.objects.get(username=name) for name in USERS]


def run_mode(fair: bool, args: argparse.Namespace, sources: list[Path], env: dict) -> Outcome:
    from django.conf import settings

    from sync.models import CatalogFile, SyncProgressTask, TaskStatus, TaskType
    from sync.services.task_lifecycle import sync_task_create

    settings.ERP_FAIR_SHARE = fair
    tables_truncate()
    tasks_clear()
    ids = inbox_fill(sources)
    a, b, c = users()
    per_batch = args.files_per_batch
    with ExitStack() as stack:
        for _ in range(WORKERS):
            worker_start(stack, {**env, "ERP_FAIR_SHARE": str(fair).lower()}, app="erp", queues="data_sync",
                         concurrency=1)
        started = time.monotonic()
        batches = [sync_task_create(user=a, task_type=TaskType.BATCH_BY_IDS,
                                    file_ids=ids[i * per_batch:(i + 1) * per_batch]) for i in range(args.batches)]
        time.sleep(LATE_SUBMIT_S)
        late = {name: sync_task_create(user=user, task_type=TaskType.SINGLE_FILE, file_ids=[file_id])
                for name, user, file_id in (("B", b, ids[-2]), ("C", c, ids[-1]))}
        deadline = time.monotonic() + TIMEOUT_S
        while SyncProgressTask.objects.filter(status__in=SyncProgressTask.ACTIVE_STATUSES).exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"work not finished within {TIMEOUT_S} s")
            time.sleep(POLL_S)
        total = time.monotonic() - started
    tasks = {t.pk: t for t in SyncProgressTask.objects.all()}
    not_ok = [t.task_id for t in tasks.values() if t.status != TaskStatus.COMPLETED]
    if not_ok:
        raise RuntimeError(f"tasks not completed: {not_ok[:5]}")
    waits = {name: (tasks[t.pk].started_at - tasks[t.pk].created_at).total_seconds() for name, t in late.items()}
    a_files = [f for f in CatalogFile.objects.filter(pk__in=[i for t in batches for i in t.file_ids])]
    file_s = sum(f.last_sync_seconds or 0 for f in a_files) / len(a_files)
    handed = sum(tasks[t.pk].attempts - 1 for t in batches)
    print(f"  fair share {'on ' if fair else 'off'}: B waited {waits['B']:.2f} s, C {waits['C']:.2f} s; one of A's "
          f"files {file_s:.2f} s; all work {total:.1f} s; batches handed their slot over {handed} times", flush=True)
    return Outcome(waits, file_s, total)


def figures(fair: Outcome, unfair: Outcome) -> list[Figure]:
    rows = []
    for name in ("B", "C"):
        ratio = fair.waits[name] / fair.file_s
        rows.append(Figure(f"{name} waits to start, fair share", report.secs(fair.waits[name]),
                           f"one A file {report.secs(fair.file_s)}", report.ratio(ratio),
                           f"<= {TARGET_WAIT_VS_FILE:.1f}x", ratio <= TARGET_WAIT_VS_FILE))
        rows.append(Figure(f"{name} waits to start, fair share off", report.secs(unfair.waits[name]),
                           f"fair {report.secs(fair.waits[name])}", report.ratio(unfair.waits[name] / max(fair.waits[name], 1e-9))))
    ratio = fair.total_s / unfair.total_s
    rows.append(Figure("all work done, fair share", report.secs(fair.total_s), f"off {report.secs(unfair.total_s)}",
                       report.ratio(ratio), f"<= {TARGET_TOTAL_VS_UNFAIR:.2f}x", ratio <= TARGET_TOTAL_VS_UNFAIR))
    return rows


def workers_environment(args: argparse.Namespace, stack: ExitStack, **settings: str) -> None:
    """This process and the workers it starts: a private redis-server, the bench database, `settings`."""
    environment_configure()
    url = os.environ["DATABASE_URL"]
    database_check_safe(url, any_database=args.any_database)
    port = redis_start(stack)
    os.environ.update({"CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/{BROKER_DB}",
                       "REDIS_URL": f"redis://127.0.0.1:{port}/{CACHE_DB}", "MAX_TASKS_PER_USER": "1000",
                       **settings})
    if database_ensure(url):
        print(f"  created database {url}")
    django_setup()


def run_bench(args: argparse.Namespace, stack: ExitStack) -> None:
    workers_environment(args, stack, ERP_SYNC_WORKER_SLOTS=str(SLOTS))
    count = args.batches * args.files_per_batch + 2
    print(f"fair share: {args.batches} batches of {args.files_per_batch} files ({args.rows:,} rows each) from A, "
          f"B and C one file each {LATE_SUBMIT_S} s later; {WORKERS} workers", flush=True)
    sources = exports_cached(count, args.rows)
    env = dict(os.environ)
    # Off, on, on, off: a later run on the same tables and files tends to be slower, so each order gets
    # both places and the figures are the means.
    runs = {mode: [] for mode in (False, True)}
    for mode in MODE_ORDER:
        runs[mode].append(run_mode(mode, args, sources, env))
    report.table_print(figures(mean(runs[True]), mean(runs[False])))


def mean(outcomes: list[Outcome]) -> Outcome:
    count = len(outcomes)
    return Outcome(waits={name: sum(o.waits[name] for o in outcomes) / count for name in ("B", "C")},
                   file_s=sum(o.file_s for o in outcomes) / count, total_s=sum(o.total_s for o in outcomes) / count)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    with ExitStack() as stack:
        run_bench(args, stack)


if __name__ == "__main__":
    main(sys.argv[1:])
