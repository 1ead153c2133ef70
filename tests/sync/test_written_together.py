"""Small files prepared and written together (issue 16) store exactly what syncing them one by one
stores: the same fact rows, lineage, quarantine, unmapped cells and per-file accounting, including
rows a later file changes, changes back or finds unchanged."""

import pytest

from sync.ingest.engine import file_sync
from sync.models import CatalogFile, TaskStatus, TaskType
from sync.services import task_run
from sync.services.catalog import catalog_scan
from sync.services.task_lifecycle import sync_task_create
from tests.sync.helpers import demo_copies_catalogued, forget_syncs, stored

pytestmark = pytest.mark.django_db

FOLDER = "amazon/amazon_us_01/orders/monthly"


def overlapping_exports(inbox, tmp_path) -> list[int]:
    """Two generated Amazon order exports of one shop, then two made of their lines: one keeps a row of
    the first unchanged, changes another and repeats a row of the second; the last changes that row back
    and repeats an unchanged one. Catalogued in that order; returns their ids."""
    first, second = (demo_copies_catalogued(inbox, tmp_path / f"seed{seed}", key="amazon_orders_tsv", seeds=[seed],
                                            rows=6, placed=lambda path, seed: path.replace(".txt", f" ({seed}).txt"))
                     for seed in (0, 1))
    header, *a_rows = _lines(inbox, first[0])
    _, *b_rows = _lines(inbox, second[0])
    changed = _with_quantity(a_rows[2], b"7")
    _write(inbox, "AllOrders.20241101_20241130 (2).txt", [header, a_rows[0], changed, b_rows[0]])
    _write(inbox, "AllOrders.20241101_20241130 (3).txt", [header, a_rows[2], a_rows[0]])
    catalog_scan(inbox=inbox)
    return [*first, *second, *CatalogFile.objects.filter(file_name__endswith=("(2).txt")).values_list("pk", flat=True),
            *CatalogFile.objects.filter(file_name__endswith=("(3).txt")).values_list("pk", flat=True)]


def _lines(inbox, file_id: int) -> list[bytes]:
    return (inbox / CatalogFile.objects.get(pk=file_id).path).read_bytes().splitlines()


def _with_quantity(line: bytes, quantity: bytes) -> bytes:
    cells = line.split(b"\t")
    cells[13] = quantity  # the quantity column of Amazon's order report
    return b"\t".join(cells)


def _write(inbox, name: str, lines: list[bytes]):
    (inbox / FOLDER / name).write_bytes(b"\r\n".join(lines) + b"\r\n")


def test_files_written_together_store_what_one_by_one_stores(inbox, templates, tmp_path, monkeypatch):
    # given: four small exports of one shop whose rows overlap, synced one by one
    file_ids = overlapping_exports(inbox, tmp_path)
    for file_id in file_ids:
        file_sync(file=CatalogFile.objects.get(pk=file_id))
    one_by_one = stored(file_ids)
    forget_syncs(file_ids)
    together = []
    original = task_run.files_sync_together

    def spy(*, files, **kwargs):
        together.append([f.pk for f in files])
        return original(files=files, **kwargs)

    monkeypatch.setattr(task_run, "files_sync_together", spy)

    # when: a task syncs them, and they are written together
    task = sync_task_create(task_type=TaskType.BATCH_BY_IDS, file_ids=file_ids)
    summary = task_run.sync_task_run(task_id=task.task_id)

    # then: the same rows, lineage, cells, quarantine and accounting, to the last field
    assert summary["status"] in (TaskStatus.COMPLETED, TaskStatus.FAILED)
    assert together == [file_ids]
    assert stored(file_ids) == one_by_one
    # and the case is the one meant: a row changed, one changed back, rows found unchanged
    results = one_by_one["results"]
    assert (results[2]["rows_written"], results[2]["rows_unchanged"]) == (1, 2), results[2]
    assert (results[3]["rows_written"], results[3]["rows_unchanged"]) == (1, 1), results[3]
    assert results[0]["rows_quarantined"] > 0
