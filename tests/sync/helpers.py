"""Helpers of the sync and queue tests: catalogued order files of many shops, a task run to its end, the
expected counts of a generated export, and what a set of files' syncs stored (to compare two ways of
syncing them)."""

import shutil
from collections import Counter

from sync.demo.exports import demo_exports_write
from sync.ingest.rows import SKIP_DESCRIPTION, SKIP_TOTALS
from sync.ingest.unmapped import unmapped_cells_of
from sync.models import (FACT_MODELS, CatalogFile, FileStatus, QuarantinedRow, SyncProgressTask, TaskStatus,
                         UnmappedCells)
from sync.services.catalog import catalog_scan
from tests.processes import wait_for

FINISHED = (TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED)
SKIP_CATEGORY = {SKIP_TOTALS: "totals", SKIP_DESCRIPTION: "description"}


def shops_of_orders(inbox, count: int, rows: int, tmp_path, first: int = 0) -> list[int]:
    """`count` Amazon order files of different shops (different content, so none is a duplicate),
    catalogued; returns their ids."""
    return demo_copies_catalogued(inbox, tmp_path, key="amazon_orders_tsv", seeds=range(first, first + count),
                                  rows=rows, placed=lambda path, seed: path.replace("amazon_us_01", f"amazon_us_{seed:03d}"))


def demo_copies_catalogued(inbox, tmp_path, *, key: str, seeds, rows: int, placed, edited=None) -> list[int]:
    """One generated `key` export per seed (different content), `edited(its bytes, seed)` if given, moved
    into the inbox at `placed(its path, seed)` and catalogued; returns their ids."""
    before = set(CatalogFile.objects.values_list("pk", flat=True))
    for seed in seeds:
        out = tmp_path / f"gen{seed}"
        (demo,) = demo_exports_write(out_dir=out, rows=rows, seed=seed, only=[key])
        if edited is not None:
            (out / demo.path).write_bytes(edited((out / demo.path).read_bytes(), seed))
        target = inbox / placed(demo.path, seed)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(out / demo.path, target)
    catalog_scan(inbox=inbox)
    return list(CatalogFile.objects.exclude(pk__in=before).order_by("path").values_list("pk", flat=True))


def run_to_end(task: SyncProgressTask) -> SyncProgressTask:
    wait_for(lambda: SyncProgressTask.objects.get(pk=task.pk).status in FINISHED, what=f"task {task.task_id}")
    task.refresh_from_db()
    return task


def quarantine_category(reasons: list[str]) -> str:
    text = " ".join(reasons)
    for needle, category in (("not a date", "bad_date"), ("negative value", "negative_quantity"),
                             ("required value is missing", "missing_required")):
        if needle in text:
            return category
    return text


def assert_matches_expected(file: CatalogFile, expected: dict):
    assert (file.rows_ingested, file.rows_quarantined, file.rows_skipped) == (
        expected["ingested"], expected["quarantined"], expected["skipped"]), file.last_result
    assert file.rows_read == file.rows_ingested + file.rows_quarantined + file.rows_skipped
    quarantined = Counter(quarantine_category(q.reasons) for q in QuarantinedRow.objects.filter(file=file))
    assert quarantined == Counter({k: v for k, v in expected["quarantine_reasons"].items() if v})
    skipped = Counter({SKIP_CATEGORY.get(k, k): v for k, v in file.last_result["skipped_reasons"].items()})
    assert skipped == Counter({k: v for k, v in expected["skipped_reasons"].items() if v})
    assert file.status == (FileStatus.PARTIAL if expected["quarantined"] else FileStatus.INGESTED)


# What a file's sync reports that syncing it another way must report alike.
RESULT_FIELDS = ("status", "rows_read", "rows_ingested", "rows_quarantined", "rows_skipped", "rows_written",
                 "rows_unchanged", "skipped_reasons", "quarantine_reasons", "decisions", "error")


def stored(file_ids: list[int]) -> dict:
    """Every fact row (but its id and time), its unmapped cells, each file's result and the quarantine."""
    files = {f.pk: f for f in CatalogFile.objects.filter(pk__in=file_ids)}
    model = FACT_MODELS[files[file_ids[0]].data_domain]
    columns = [f.attname for f in model._meta.concrete_fields if f.name not in ("id", "synced_at")]
    facts = list(model.objects.order_by(*model.natural_key_fields()))
    return {
        "facts": [tuple(getattr(fact, c) for c in columns) for fact in facts],
        "unmapped": [unmapped_cells_of(fact) for fact in facts],
        "results": [{k: files[i].last_result[k] for k in RESULT_FIELDS} for i in file_ids],
        "quarantine": sorted(QuarantinedRow.objects.values_list("file_id", "source_row", "raw", "reasons")),
    }


def forget_syncs(file_ids: list[int]):
    """As if the files had never been synced."""
    for model in set(FACT_MODELS.values()):
        model.objects.all().delete()
    QuarantinedRow.objects.all().delete()
    UnmappedCells.objects.all().delete()
    CatalogFile.objects.filter(pk__in=file_ids).update(last_synced_at=None, sync_fingerprint="", last_result={},
                                                      status="pending")
