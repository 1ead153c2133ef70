"""Ingest benchmark: how fast OUR sync is against baselines measured in the same run.

    python bench/ingest.py --rows 100000 [--csv-rows 1000000] [--seed 1]      (`make bench`)

1. OURS       file_sync of a Shopee orders xlsx (--rows rows) in a fresh child process: seconds, rows/s,
              peak RSS, counts (checked against the generator's manifest).
2. RE-SYNC    the same unchanged file again: seconds vs the first sync, rows_written (must be 0).
   ROLLBACK   then the file rolled back (issue 17): seconds vs its first sync, rows deleted (all it wrote).
   PREVIEW    before each first sync, a preview of it (the whole sync, undone): seconds vs the first sync.
   UNMAPPED   the same first sync with the file's ~40 unmapped columns left out (read, not kept): what
              keeping every unmapped cell costs, in time and peak RSS.
3. FLOOR      python-calamine + COPY + one INSERT ... ON CONFLICT writing the same rows bare (bench/floor.py).
4. IMPORT-EXPORT  django-import-export importing 10,000 of our clean rows (bench/import_export_baseline.py).
5. CSV SCALE  (with --csv-rows M) Amazon tsv of 100,000 and of M rows: time(M) / time(100k), peak RSS.
              (`make bench` runs M = 1,000,000.)
6. PROFILE    the first sync once more under cProfile: top entries by cumulative time.

Timings are the measured work only (file_sync or the floor pipeline), taken inside the child; each
measurement starts from empty fact/catalog tables. OURS, RE-SYNC and FLOOR run interleaved, --repeat rounds (default 3),
and the fastest run counts (the spread is printed: other work on the machine only ever adds time).
Generated files are cached under var/bench/cache/.
"""

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, sys.path[0] is bench/: import from the project root instead, so bench's module
# names can never shadow installed packages.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench import report  # noqa: E402
from bench.child import (  # noqa: E402
    ChildFailed,
    child_emit,
    child_floor,
    child_preview,
    child_rollback,
    child_run,
    child_sync,
)
from bench.environment import (  # noqa: E402
    CachedFile,
    catalog_fresh,
    database_check_safe,
    database_ensure,
    demo_file_cached,
    django_setup,
    environment_configure,
)
from bench.floor import floor_table_reset  # noqa: E402
from bench.report import Figure  # noqa: E402

XLSX_KEY = "shopee_orders_xlsx"
CSV_KEY = "amazon_orders_tsv"
DEFAULT_ROWS = 100_000
CSV_BASE_ROWS = 100_000
DEFAULT_SEED = 1
DEFAULT_REPEAT = 3
TARGET_OURS_VS_FLOOR = 1.0  # ours rows/s over floor rows/s, at least
TARGET_RESYNC_VS_FIRST = 0.5  # re-sync seconds over first-sync seconds, at most
TARGET_WIDE_RSS_MB = 400  # peak RSS of the first sync of the 57-column export, at most
TARGET_UNMAPPED_COST = 1.10  # first sync keeping the unmapped cells over leaving them out (time, RSS), at most
TARGET_CSV_RSS_MB = 300  # peak RSS of the big csv, at most
TARGET_OURS_VS_IMPORT_EXPORT = 40.0  # ours rows/s over django-import-export rows/s, at least
TARGET_ROLLBACK_VS_FIRST = 1.0  # rolling the file back over its first sync, seconds, at most
TARGET_PREVIEW_VS_FIRST = 1.2  # previewing the first sync over the first sync, seconds, at most
OK_STATUSES = ("ingested", "partial")
COUNTED = ("ingested", "quarantined", "skipped")


@dataclass
class SyncRun:
    """One file_sync measured in a child process."""

    seconds: float
    peak_rss_mb: float
    rss_before_mb: float
    result: dict
    profile: str = ""

    @property
    def rows_read(self) -> int:
        return self.result["rows_read"]

    @property
    def rows_per_s(self) -> float:
        return report.rate(self.rows_read, self.seconds)

    def counts(self) -> dict:
        return {name: self.result[f"rows_{name}"] for name in COUNTED}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="data rows of the xlsx (default 100000)")
    parser.add_argument("--csv-rows", type=int, default=None, help="also run the CSV scale test with M rows")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed (default 1)")
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT,
                        help="runs of OURS, RE-SYNC and FLOOR; the fastest counts (default 3)")
    parser.add_argument("--any-database", action="store_true",
                        help="allow a DATABASE_URL whose name does not contain 'bench' (its tables get truncated)")
    parser.add_argument("--child-sync", type=int, metavar="FILE_ID", help=argparse.SUPPRESS)
    parser.add_argument("--child-floor", type=Path, metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--child-rollback", type=int, metavar="FILE_ID", help=argparse.SUPPRESS)
    parser.add_argument("--child-preview", type=int, metavar="FILE_ID", help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--without-unmapped", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in ("rows", "csv_rows", "repeat"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


# --- Measurements (parent) ------------------------------------------------------------------------


def sync_in_child(file_id: int, *, profile: bool = False, without_unmapped: bool = False) -> SyncRun:
    flags = [*(["--profile"] if profile else []), *(["--without-unmapped"] if without_unmapped else [])]
    measured = child_run("--child-sync", str(file_id), *flags)
    run = SyncRun(seconds=measured["seconds"], peak_rss_mb=measured["peak_rss_mb"],
                  rss_before_mb=measured["rss_before_mb"], result=measured["result"], profile=measured["profile"])
    if run.result["status"] not in OK_STATUSES:
        raise SystemExit(f"sync of file {file_id} did not succeed: {run.result['status']}: {run.result['error']}")
    return run


def sync_print(label: str, run: SyncRun) -> None:
    counts = ", ".join(f"{name} {value:,}" for name, value in run.counts().items())
    print(f"  {label}: {report.secs(run.seconds)}, {report.rows_per_s(run.rows_per_s)} read, "
          f"peak RSS {report.mb(run.peak_rss_mb)} (idle {report.mb(run.rss_before_mb)}); read {run.rows_read:,}: "
          f"{counts}; written {run.result['rows_written']:,}, unchanged {run.result['rows_unchanged']:,}",
          flush=True)


def measure_xlsx(xlsx: CachedFile, repeat: int) -> tuple[SyncRun, SyncRun, dict, dict, SyncRun, dict]:
    """Per round: a preview of our first sync, the first sync into empty tables, a re-sync of the same
    unchanged file, its rollback, the first sync with the unmapped cells left out, and the floor. Rounds
    interleave them, so a slow spell of the machine or the database hits all alike; the fastest of each
    counts."""
    firsts, agains, previews, rollbacks, narrows, floors = [], [], [], [], [], []
    for attempt in range(1, repeat + 1):
        file_id = catalog_fresh(xlsx)
        previews.append(child_run("--child-preview", str(file_id)))
        print(f"  PREVIEW #{attempt}: {report.secs(previews[-1]['seconds'])}, {previews[-1]['rows_new']:,} rows new",
              flush=True)
        firsts.append(sync_in_child(file_id))
        sync_print(f"OURS first sync #{attempt}", firsts[-1])
        agains.append(sync_in_child(file_id))
        sync_print(f"RE-SYNC #{attempt}", agains[-1])
        rollbacks.append(child_run("--child-rollback", str(file_id)))
        print(f"  ROLLBACK #{attempt}: {report.secs(rollbacks[-1]['seconds'])}, {rollbacks[-1]['outcome']}", flush=True)
        narrows.append(sync_in_child(catalog_fresh(xlsx), without_unmapped=True))
        sync_print(f"UNMAPPED LEFT OUT #{attempt}", narrows[-1])
        floors.append(floor_once(xlsx, attempt))
    return (fastest(firsts, "OURS first sync"), fastest(agains, "RE-SYNC"),
            fastest(previews, "PREVIEW", seconds_of=_seconds), fastest(rollbacks, "ROLLBACK", seconds_of=_seconds),
            fastest(narrows, "UNMAPPED LEFT OUT"), fastest(floors, "FLOOR", seconds_of=_seconds))


def _seconds(measured: dict) -> float:
    return measured["seconds"]


def fastest(runs: list, label: str, seconds_of=lambda run: run.seconds):
    """The run with the fewest seconds, after printing the spread of all of them."""
    seconds = [seconds_of(run) for run in runs]
    if len(runs) > 1:
        print(f"  {label}: fastest of {len(runs)} counts ({min(seconds):.2f} .. {max(seconds):.2f} s)", flush=True)
    return runs[seconds.index(min(seconds))]


def floor_once(xlsx: CachedFile, attempt: int) -> dict:
    floor_table_reset(os.environ["DATABASE_URL"])
    measured = child_run("--child-floor", str(xlsx.path))
    measured["rows_per_s"] = report.rate(measured["rows_read"], measured["seconds"])
    print(f"  FLOOR #{attempt}: {report.secs(measured['seconds'])}, {report.rows_per_s(measured['rows_per_s'])}, "
          f"peak RSS {report.mb(measured['peak_rss_mb'])}; rows copied {measured['rows_read']:,}, "
          f"upserted {measured['rows_written']:,}", flush=True)
    return measured


def measure_import_export() -> dict:
    """Needs OUR rows in the OrderLine table (run after measure_xlsx)."""
    from bench.import_export_baseline import SAMPLE_ROWS, import_export_run, sample_dataset

    dataset = sample_dataset(SAMPLE_ROWS)
    measured = import_export_run(dataset)
    if measured["has_errors"] or measured["table_rows"] != len(dataset):
        raise SystemExit(f"django-import-export import went wrong: {measured}")
    measured["rows_per_s"] = report.rate(measured["rows"], measured["seconds"])
    print(f"  IMPORT-EXPORT: {measured['rows']:,} rows in {report.secs(measured['seconds'])}, "
          f"{report.rows_per_s(measured['rows_per_s'])}; totals {measured['totals']}", flush=True)
    return measured


def measure_profile(xlsx: CachedFile) -> SyncRun:
    run = sync_in_child(catalog_fresh(xlsx), profile=True)
    print(f"  PROFILE run (first sync under cProfile): {report.secs(run.seconds)}", flush=True)
    return run


def measure_csv_scale(seed: int, big_rows: int) -> dict[int, tuple[SyncRun, dict]]:
    """Rows -> (its sync, the manifest's expected counts), for 100,000 and for big_rows."""
    runs = {}
    for rows in dict.fromkeys((CSV_BASE_ROWS, big_rows)):
        file = demo_file_cached(CSV_KEY, rows, seed)
        run = sync_in_child(catalog_fresh(file))
        sync_print(f"CSV {rows:,} rows", run)
        runs[rows] = (run, file.expected)
    return runs


# --- Figures ------------------------------------------------------------------------------------------


def counts_figure(label: str, run: SyncRun, expected: dict) -> Figure:
    got = run.counts()
    want = {name: expected[name] for name in COUNTED}
    text = "/".join(f"{got[n]:,}" for n in COUNTED)
    return Figure(f"{label} ingested/quarantined/skipped", text, "manifest " + "/".join(f"{want[n]:,}" for n in COUNTED),
                  "", "= manifest", got == want)


def unmapped_figures(first: SyncRun, narrow: SyncRun) -> list[Figure]:
    columns = len(first.result["unmapped_columns"])
    time_cost = first.seconds / narrow.seconds
    rss_cost = first.peak_rss_mb / narrow.peak_rss_mb
    return [
        Figure(f"keeping {columns} unmapped columns: time", report.secs(first.seconds),
               "left out " + report.secs(narrow.seconds), report.ratio(time_cost),
               f"<= {TARGET_UNMAPPED_COST:.2f}x", time_cost <= TARGET_UNMAPPED_COST),
        Figure(f"keeping {columns} unmapped columns: peak RSS", report.mb(first.peak_rss_mb),
               "left out " + report.mb(narrow.peak_rss_mb), report.ratio(rss_cost),
               f"<= {TARGET_UNMAPPED_COST:.2f}x", rss_cost <= TARGET_UNMAPPED_COST),
    ]


def preview_and_rollback_figures(first: SyncRun, preview: dict, rollback: dict) -> list[Figure]:
    ratio = rollback["seconds"] / first.seconds
    deleted = rollback["outcome"]["rows_deleted"]
    previewed = preview["seconds"] / first.seconds
    return [
        Figure("preview seconds (the first sync)", report.secs(preview["seconds"]), "first " + report.secs(first.seconds),
               report.ratio(previewed), f"<= {TARGET_PREVIEW_VS_FIRST:.1f}x", previewed <= TARGET_PREVIEW_VS_FIRST),
        Figure("preview rows new", f"{preview['rows_new']:,}", f"written {first.result['rows_written']:,}", "",
               "= written", preview["rows_new"] == first.result["rows_written"]),
        Figure("rollback seconds (the first sync)", report.secs(rollback["seconds"]), "first " + report.secs(first.seconds),
               report.ratio(ratio), f"<= {TARGET_ROLLBACK_VS_FIRST:.1f}x", ratio <= TARGET_ROLLBACK_VS_FIRST),
        Figure("rollback rows deleted", f"{deleted:,}", f"written {first.result['rows_written']:,}", "",
               "= written", deleted == first.result["rows_written"]),
    ]


def xlsx_figures(rows: int, first: SyncRun, again: SyncRun, floor: dict, ie: dict, expected: dict) -> list[Figure]:
    ours_vs_floor = first.rows_per_s / floor["rows_per_s"]
    resync_vs_first = again.seconds / first.seconds
    ours_vs_ie = first.rows_per_s / ie["rows_per_s"]
    return [
        Figure(f"ours rows/s ({rows:,} xlsx)", report.rows_per_s(first.rows_per_s),
               "floor " + report.rows_per_s(floor["rows_per_s"]), report.ratio(ours_vs_floor),
               f">= {TARGET_OURS_VS_FLOOR:.1f}x", ours_vs_floor >= TARGET_OURS_VS_FLOOR),
        Figure("ours first sync seconds", report.secs(first.seconds), "floor " + report.secs(floor["seconds"]),
               report.ratio(first.seconds / floor["seconds"])),
        Figure("ours peak RSS (the wide export)",
               report.mb(first.peak_rss_mb), "floor " + report.mb(floor["peak_rss_mb"]),
               report.ratio(first.peak_rss_mb / floor["peak_rss_mb"]), f"<= {TARGET_WIDE_RSS_MB} MB",
               first.peak_rss_mb <= TARGET_WIDE_RSS_MB),
        counts_figure("xlsx", first, expected),
        Figure("re-sync seconds (unchanged file)", report.secs(again.seconds), "first " + report.secs(first.seconds),
               report.ratio(resync_vs_first), f"<= {TARGET_RESYNC_VS_FIRST:.1f}x",
               resync_vs_first <= TARGET_RESYNC_VS_FIRST),
        Figure("re-sync rows_written", f"{again.result['rows_written']:,}", "", "", "= 0",
               again.result["rows_written"] == 0),
        Figure(f"ours rows/s vs import-export ({ie['rows']:,})", report.rows_per_s(first.rows_per_s),
               "i-e " + report.rows_per_s(ie["rows_per_s"]), report.ratio(ours_vs_ie),
               f">= {TARGET_OURS_VS_IMPORT_EXPORT:.0f}x", ours_vs_ie >= TARGET_OURS_VS_IMPORT_EXPORT),
    ]


def csv_figures(runs: dict[int, tuple[SyncRun, dict]], big_rows: int) -> list[Figure]:
    (base, _), (big, expected) = runs[CSV_BASE_ROWS], runs[big_rows]
    limit = big_rows / CSV_BASE_ROWS
    growth = big.seconds / base.seconds
    return [
        Figure(f"csv seconds ({big_rows:,} tsv)", report.secs(big.seconds), "100k " + report.secs(base.seconds),
               report.ratio(growth), f"<= {limit:.1f}x", growth <= limit),
        Figure(f"csv rows/s ({big_rows:,} tsv)", report.rows_per_s(big.rows_per_s),
               "100k " + report.rows_per_s(base.rows_per_s), report.ratio(big.rows_per_s / base.rows_per_s)),
        Figure(f"csv peak RSS ({big_rows:,} tsv)", report.mb(big.peak_rss_mb), "100k " + report.mb(base.peak_rss_mb),
               report.ratio(big.peak_rss_mb / base.peak_rss_mb), f"<= {TARGET_CSV_RSS_MB} MB",
               big.peak_rss_mb <= TARGET_CSV_RSS_MB),
        counts_figure("csv", big, expected),
    ]


# --- Entry points -----------------------------------------------------------------------------------------


def run_child(args: argparse.Namespace) -> None:
    if args.child_sync is not None:
        child_emit(child_sync(args.child_sync, profile=args.profile, without_unmapped=args.without_unmapped))
    elif args.child_rollback is not None:
        child_emit(child_rollback(args.child_rollback))
    elif args.child_preview is not None:
        child_emit(child_preview(args.child_preview))
    else:
        child_emit(child_floor(args.child_floor))


def run_bench(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    environment_configure()
    url = os.environ["DATABASE_URL"]
    database_check_safe(url, any_database=args.any_database)
    if database_ensure(url):
        print(f"  created database {url}")
    xlsx = demo_file_cached(XLSX_KEY, args.rows, args.seed)
    django_setup()
    first, again, preview, rollback, narrow, floor = measure_xlsx(xlsx, args.repeat)
    ie = measure_import_export()
    profiled = measure_profile(xlsx)
    figures = (xlsx_figures(args.rows, first, again, floor, ie, xlsx.expected)
               + preview_and_rollback_figures(first, preview, rollback) + unmapped_figures(first, narrow))
    if args.csv_rows:
        figures += csv_figures(measure_csv_scale(args.seed, args.csv_rows), args.csv_rows)
    report.table_print(figures)
    print("\nWhere OUR first sync spends its time (cProfile, cumulative; native polars/fastexcel time is "
          "charged to the Python call that started it):")
    print(profiled.profile)
    print(f"bench finished in {time.perf_counter() - started:.0f} s")


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    children = (args.child_sync, args.child_floor, args.child_rollback, args.child_preview)
    if any(child is not None for child in children):
        run_child(args)
    else:
        try:
            run_bench(args)
        except ChildFailed as exc:
            raise SystemExit(f"bench stopped: {exc}") from None


if __name__ == "__main__":
    main(sys.argv[1:])
