"""Measurements that run in a fresh child process, so each one's peak RSS is its own.

The parent calls child_run(...), which starts `python bench/ingest.py --child-... ` and reads back the
one line the child prints with RESULT_PREFIX followed by JSON. In the child, peak RSS is
getrusage(RUSAGE_SELF).ru_maxrss (kilobytes on Linux), read after the measured work.
"""

import cProfile
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import time
from pathlib import Path

import psutil

from bench.environment import ROOT

SCRIPT = ROOT / "bench" / "ingest.py"
RESULT_PREFIX = "BENCH_RESULT "
KB_PER_MB = 1024
BYTES_PER_MB = 1024 * 1024
PROFILE_TOP_ENTRIES = 15
STDERR_TAIL_CHARS = 4000


class ChildFailed(RuntimeError):
    pass


def child_run(*args: str) -> dict:
    """Run the bench script with child arguments in a new interpreter; its result plus wall seconds."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, env=os.environ.copy(),
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if done.returncode != 0 or not lines:
        raise ChildFailed(f"child {' '.join(args)} exited {done.returncode}:\n{done.stderr[-STDERR_TAIL_CHARS:]}")
    result = json.loads(lines[-1][len(RESULT_PREFIX):])
    result["process_wall_seconds"] = wall
    return result


def child_emit(result: dict) -> None:
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / BYTES_PER_MB


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / KB_PER_MB


def child_sync(file_id: int, *, profile: bool, without_unmapped: bool = False) -> dict:
    """In the child: Django up, then time file_sync on one catalogued file (optionally under cProfile;
    `without_unmapped`: the unmapped cells left out, to measure what keeping them costs)."""
    _django_up()
    if without_unmapped:
        _unmapped_cells_left_out()
    from sync.ingest.engine import file_sync
    from sync.models import CatalogFile

    file = CatalogFile.objects.get(pk=file_id)
    rss_before = _rss_mb()
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    result = file_sync(file=file)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss_before_mb": rss_before, "peak_rss_mb": _peak_rss_mb(),
            "result": result.as_dict(), "profile": _profile_text(profiler) if profiler else ""}


def child_rollback(file_id: int) -> dict:
    """In the child: Django up, then time rolling back one synced file (its change sets)."""
    _django_up()
    from sync.services.rollback import file_rollback

    started = time.perf_counter()
    outcome = file_rollback(file_id=file_id)
    return {"seconds": time.perf_counter() - started, "outcome": outcome.as_dict()}


def child_preview(file_id: int) -> dict:
    """In the child: Django up, then time a preview of one file (its whole sync, undone)."""
    _django_up()
    from sync.services.previews import file_preview

    started = time.perf_counter()
    preview = file_preview(file_id=file_id)
    return {"seconds": time.perf_counter() - started, "rows_new": preview.rows_new}


def _django_up():
    import django

    from bench.environment import environment_configure

    environment_configure()
    django.setup()


def _unmapped_cells_left_out():
    """Bench only: every file planned as if it had no unmapped column (they are read, not kept)."""
    from sync.ingest import rows

    build = rows.RowPlan.build.__func__

    def without(cls, **kwargs):
        plan = build(cls, **kwargs)
        plan.unmapped_columns = {}
        return plan

    rows.RowPlan.build = classmethod(without)


def _profile_text(profiler: cProfile.Profile) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats(pstats.SortKey.CUMULATIVE).print_stats(PROFILE_TOP_ENTRIES)
    return out.getvalue()


def child_floor(path: Path) -> dict:
    """In the child: the floor pipeline on one file (no Django)."""
    from bench.environment import environment_configure
    from bench.floor import floor_run

    environment_configure()
    rss_before = _rss_mb()
    measured = floor_run(path, os.environ["DATABASE_URL"])
    return {**measured, "rss_before_mb": rss_before, "peak_rss_mb": _peak_rss_mb()}
