"""Small files must be cheap (issue 16): a worker batch of many small exports against the INDEPENDENT floor.

    python bench/small_files.py [--files 200] [--rows 5] [--repeat 3]                      (`make bench`)

The files are the independent floor's Shopee-style workbooks (../shared/ingest_floor's gen_shopee, one
seed per file so their order numbers differ), `--rows` data rows each, generated once into the bench
cache. Per round, from empty tables, interleaved:

1. FLOOR  a fresh process imports the floor's bench.py (its database: erp_bench_floor) and calls
          `floor(path)` for every file: the loop's seconds.
2. OURS   the files catalogued and one batch task created as the API does (sync_task_create); a fresh
          process runs it as a worker does (sync_task_run): the call's seconds.

The fastest of each counts, per file. Ours syncs through the template bench/independent.py installs
for the floor's headers, in a database of its own (erp_bench_small).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, sys.path[0] is bench/: import from the project root instead (see bench/ingest.py).
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from psycopg.conninfo import make_conninfo  # noqa: E402

from bench import report  # noqa: E402
from bench.child import RESULT_PREFIX, STDERR_TAIL_CHARS, ChildFailed, child_emit  # noqa: E402
from bench.environment import (  # noqa: E402
    CACHE_DIR,
    INBOX_DIR,
    database_check_safe,
    database_ensure,
    database_name,
    django_setup,
    environment_configure,
    tables_truncate,
)
from bench.independent import FLOOR_DATABASE, FLOOR_DIR, RELATIVE_DIR, floor_command, floor_env, template_install  # noqa: E402
from bench.report import Figure  # noqa: E402

OURS_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/erp_bench_small"
TARGET_PER_FILE = 1.5  # our milliseconds per small file over the floor's, at most
MS_PER_S = 1000


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--rows", type=int, default=5, help="data rows per file")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--any-database", action="store_true")
    parser.add_argument("--child-floor", metavar="LIST", help=argparse.SUPPRESS)
    parser.add_argument("--child-ours", metavar="TASK_ID", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- The files ---------------------------------------------------------------------------------

def files_generated(count: int, rows: int) -> list[Path]:
    """`count` workbooks of `rows` data rows in the floor's layout, made once into the bench cache."""
    out_dir = CACHE_DIR / f"small-{count}x{rows}"
    paths = [out_dir / f"orders-{seed:04d}.xlsx" for seed in range(count)]
    missing = [(seed, path) for seed, path in enumerate(paths) if not path.is_file()]
    if missing:
        print(f"  generating {len(missing)} workbooks of {rows} rows into {out_dir} (cached for reruns)", flush=True)
        out_dir.mkdir(parents=True, exist_ok=True)
        generator = _floor_generator()
        for seed, path in missing:
            _workbook_write(generator, path, rows, seed)
    return paths


def _floor_generator():
    sys.path.insert(0, str(FLOOR_DIR))
    try:
        import gen_shopee
    finally:
        sys.path.remove(str(FLOOR_DIR))
    return gen_shopee


def _workbook_write(generator, path: Path, rows: int, seed: int) -> None:
    """As gen_shopee.main writes its xlsx: title, export meta, header, the rows, a 合计 totals row."""
    import xlsxwriter

    partial = path.with_suffix(".partial")
    book = xlsxwriter.Workbook(str(partial), {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("订单")
    lines = [["订单报表 Order Report"], [f"导出时间: 2024-07-01 10:00:00   店铺: demo_shop_ph   共 {rows} 条"],
             generator.HEADER]
    quantity, gross = 0, 0.0
    for row in generator.rows(rows, seed=seed):
        lines.append(row)
        quantity += row[7]
        gross += float(row[9].lstrip("₱RMS$ ").replace(",", ""))
    lines.append(generator.totals(quantity, gross))
    for number, line in enumerate(lines):
        sheet.write_row(number, 0, line)
    book.close()
    partial.rename(path)  # a file cut short by an interrupted run is never taken for a cached one


def inbox_place_all(paths: list[Path]) -> list[str]:
    """Empty the bench inbox and put every file in the floor template's shop folder; their inbox paths."""
    INBOX_DIR.mkdir(parents=True, exist_ok=True)
    for child in INBOX_DIR.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    folder = INBOX_DIR / RELATIVE_DIR
    folder.mkdir(parents=True)
    relatives = []
    for number, path in enumerate(paths):
        relative = f"{RELATIVE_DIR}/Order.all.20240101_20240630.{number:04d}.xlsx"
        try:
            os.link(path, INBOX_DIR / relative)
        except OSError:  # another filesystem, or links not allowed: a copy reads the same
            shutil.copy2(path, INBOX_DIR / relative)
        relatives.append(relative)
    return relatives


# --- One round -----------------------------------------------------------------------------------

def floor_measure(paths: list[Path]) -> dict:
    floor_command("truncate")
    listing = CACHE_DIR / "small-files-list.json"
    listing.write_text(json.dumps([str(p) for p in paths]))
    return _child_run(["--child-floor", str(listing)], cwd=FLOOR_DIR, env=floor_env())


def ours_measure(paths: list[Path]) -> dict:
    from sync.models import SyncProgressTask

    task_id = task_prepared(paths)
    # One process, as the floor's loop: the batch is not spread over other worker slots.
    measured = _child_run(["--child-ours", task_id], cwd=ROOT, env={**os.environ, "ERP_BATCH_MAX_PARALLEL": "1"})
    summary = measured["summary"]
    if summary.get("status") != "completed" or summary.get("succeeded") != len(paths):
        raise SystemExit(f"our batch did not complete: {summary}")
    task = SyncProgressTask.objects.get(task_id=task_id)
    measured["rows"] = {"read": task.rows_read, "ingested": task.rows_ingested,
                        "quarantined": task.rows_quarantined, "skipped": task.rows_skipped}
    return measured


def task_prepared(paths: list[Path]) -> str:
    """Empty tables, the files catalogued, and a batch task over them created as the API creates one."""
    from erp.celery import app as celery_app
    from sync.models import CatalogFile, TaskType
    from sync.services.catalog import catalog_scan
    from sync.services.task_lifecycle import sync_task_create

    tables_truncate()
    relatives = inbox_place_all(paths)
    catalog_scan(inbox=INBOX_DIR)
    ids = dict(CatalogFile.objects.filter(path__in=relatives).values_list("path", "pk"))
    task = sync_task_create(task_type=TaskType.BATCH_BY_IDS, file_ids=[ids[r] for r in relatives])
    # The child runs the task as a worker would; the message it was published with (to the bench's own
    # broker) would only pile up there.
    celery_app.control.purge()
    return task.task_id


def _child_run(args: list[str], *, cwd: Path, env: dict) -> dict:
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if done.returncode != 0 or not lines:
        raise ChildFailed(f"child {' '.join(args)} exited {done.returncode}:\n{done.stderr[-STDERR_TAIL_CHARS:]}")
    return json.loads(lines[-1][len(RESULT_PREFIX):])


# --- In the children -----------------------------------------------------------------------------

def child_floor(listing: Path) -> dict:
    """In a fresh process in FLOOR_DIR: the floor's own `floor(path)` on every file, the loop timed."""
    sys.path.insert(0, str(FLOOR_DIR))
    import importlib.util

    spec = importlib.util.spec_from_file_location("floor_bench", FLOOR_DIR / "bench.py")
    floor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(floor)
    paths = json.loads(listing.read_text())
    started = time.perf_counter()
    rows = sum(floor.floor(path) for path in paths)
    return {"seconds": time.perf_counter() - started, "files": len(paths), "rows": rows}


def child_ours(task_id: str) -> dict:
    """In a fresh process: the task run as a worker runs it, timed."""
    import django

    environment_configure()
    django.setup()
    from sync.services.task_run import sync_task_run

    started = time.perf_counter()
    summary = sync_task_run(task_id=task_id)
    return {"seconds": time.perf_counter() - started, "summary": summary}


# --- The report ----------------------------------------------------------------------------------

def per_file_ms(measured: dict, files: int) -> float:
    return MS_PER_S * measured["seconds"] / files


def figures(floor_ms: float, ours_ms: float, files: int) -> list[Figure]:
    ratio = ours_ms / floor_ms
    return [Figure(f"per small file (batch of {files})", f"{ours_ms:.1f} ms", f"floor {floor_ms:.1f} ms",
                   report.ratio(ratio), f"<= {TARGET_PER_FILE:.1f}x", ratio <= TARGET_PER_FILE)]


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    if args.child_floor:
        return child_emit(child_floor(Path(args.child_floor)))
    if args.child_ours:
        return child_emit(child_ours(args.child_ours))
    if not (FLOOR_DIR / "bench.py").is_file():
        print(f"independent floor not found at {FLOOR_DIR} (set INGEST_FLOOR_DIR): skipped")
        return
    os.environ.setdefault("DATABASE_URL", OURS_DATABASE_URL)
    # The task is published after commit as the API does; the bench's own embedded broker (under
    # var/bench/) takes the message, so no worker elsewhere ever sees it.
    os.environ.pop("CELERY_BROKER_URL", None)
    environment_configure()
    url = os.environ["DATABASE_URL"]
    database_check_safe(url, any_database=args.any_database)
    database_ensure(url)
    database_ensure(make_conninfo(url, dbname=FLOOR_DATABASE))
    print(f"SMALL FILES: {args.files} files of {args.rows} rows, floor {FLOOR_DIR}, databases "
          f"{database_name(url)} and {FLOOR_DATABASE}; inbox {INBOX_DIR}", flush=True)
    floor_command("setup")
    paths = files_generated(args.files, args.rows)
    django_setup()
    template_install()
    floors, ours = [], []
    for number in range(1, args.repeat + 1):
        floor, mine = floor_measure(paths), ours_measure(paths)
        floors.append(per_file_ms(floor, args.files))
        ours.append(per_file_ms(mine, args.files))
        print(f"  #{number}: FLOOR {floors[-1]:.1f} ms per file ({floor['rows']:,} rows stored); OURS "
              f"{ours[-1]:.1f} ms per file (rows {', '.join(f'{k} {v:,}' for k, v in mine['rows'].items())})",
              flush=True)
    report.table_print(figures(min(floors), min(ours), args.files))


if __name__ == "__main__":
    main(sys.argv[1:])
