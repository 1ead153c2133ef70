"""Rolling back a file restores the fact tables to what they were before it, every column (issue 17):
inserted rows deleted, updated rows put back; refused while a later file holds some of its rows,
unless cascaded; files synced one by one and files written together alike."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from sync.ingest.engine import file_sync
from sync.models import CatalogFile, ChangeSet, FileStatus, QuarantinedRow, TaskType, UnmappedCells
from sync.services import task_run
from sync.services.catalog import catalog_scan
from sync.services.rollback import NothingToRollBack, RollbackRefused, file_rollback
from sync.services.task_lifecycle import sync_task_create
from sync.tasks import prune_change_sets
from tests.sync.test_written_together import overlapping_exports

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    """Every column of every order line, as PostgreSQL holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT t.*::text FROM sync_orderline t ORDER BY id")
        return cursor.fetchall()


def synced(file_id: int) -> list[tuple]:
    result = file_sync(file=CatalogFile.objects.get(pk=file_id))
    assert result.rows_ingested > 0, result.error
    return snapshot()


@pytest.fixture
def exports(inbox, templates, tmp_path) -> list[int]:
    """Four Amazon exports of one shop: the first, a second of other orders, one that keeps a row of the
    first, changes another and repeats a row of the second, and one that changes that row back."""
    return overlapping_exports(inbox, tmp_path)


def test_rolling_back_the_later_file_restores_the_earlier_values(exports):
    first, _, changes, _ = exports
    before = snapshot()
    after_first = synced(first)
    after_changes = synced(changes)
    assert after_changes != after_first  # the case is the one meant: it inserted and updated rows

    outcome = file_rollback(file_id=changes)

    assert snapshot() == after_first
    assert outcome.files == [changes] and outcome.rows_restored == 1 and outcome.rows_deleted == 1
    file = CatalogFile.objects.get(pk=changes)
    assert (file.status, file.rows_ingested, file.sync_fingerprint) == (FileStatus.ROLLED_BACK, 0, "")
    file_rollback(file_id=first)
    assert snapshot() == before
    assert not QuarantinedRow.objects.filter(file_id=first).exists()
    assert not UnmappedCells.objects.filter(file_id=first).exists()


def test_the_earlier_file_is_refused_naming_the_later_one_unless_cascaded(exports):
    first, _, changes, _ = exports
    before = snapshot()
    synced(first)
    after_changes = synced(changes)

    with pytest.raises(RollbackRefused, match=f"later files wrote or found unchanged some of its rows: {changes} ") as refused:
        file_rollback(file_id=first)
    assert refused.value.detail["later_files"][0]["file_id"] == changes
    assert snapshot() == after_changes  # nothing undone

    outcome = file_rollback(file_id=first, cascade=True)
    assert outcome.files == [changes, first]
    assert snapshot() == before
    assert set(CatalogFile.objects.filter(pk__in=[first, changes]).values_list("status", flat=True)) == {
        FileStatus.ROLLED_BACK}
    with pytest.raises(NothingToRollBack):
        file_rollback(file_id=first)


def test_a_file_synced_again_with_changes_rolls_back_both_syncs(exports, inbox):
    first, *_ = exports
    before = snapshot()
    synced(first)
    path = inbox / CatalogFile.objects.get(pk=first).path
    header, *lines = path.read_bytes().splitlines()
    cells = lines[0].split(b"\t")
    cells[13] = b"9"  # the quantity of its first line
    path.write_bytes(b"\r\n".join([header, b"\t".join(cells), *lines[1:]]) + b"\r\n")
    synced(first)
    assert ChangeSet.objects.filter(file_id=first).count() == 2

    file_rollback(file_id=first)

    assert snapshot() == before


def run_as_task(file_ids: list[int], monkeypatch) -> list[int]:
    """The files synced by a task; returns the sizes of the groups offered to be written together."""
    groups = []
    original = task_run.files_sync_together
    monkeypatch.setattr(task_run, "files_sync_together",
                        lambda *, files, **kwargs: groups.append(len(files)) or original(files=files, **kwargs))
    task_run.sync_task_run(task_id=sync_task_create(task_type=TaskType.BATCH_BY_IDS, file_ids=file_ids).task_id)
    return groups


def test_files_written_together_each_keep_their_own_change_set(exports, monkeypatch):
    first, second, changes, _ = exports
    after_first = synced(first)

    assert run_as_task([second, changes], monkeypatch) == [2]

    change_sets = ChangeSet.objects.filter(file_id__in=[second, changes])
    assert change_sets.count() == 2 and len({cs.synced_at for cs in change_sets}) == 1  # one write for both
    with pytest.raises(RollbackRefused, match=f": {changes} "):
        file_rollback(file_id=second)  # the later file found a row of it unchanged
    file_rollback(file_id=changes)
    file_rollback(file_id=second)
    assert snapshot() == after_first


def test_files_that_write_the_same_row_are_written_one_by_one_and_roll_back_in_turn(exports, monkeypatch):
    first, second, changes, back = exports
    synced(first)
    after_second = synced(second)

    assert run_as_task([changes, back], monkeypatch) == [2]  # offered together, written one by one

    assert len(set(ChangeSet.objects.filter(file_id__in=[changes, back]).values_list("synced_at", flat=True))) == 2
    with pytest.raises(RollbackRefused, match=f"{back} "):
        file_rollback(file_id=changes)  # the last file changed a row back over it
    file_rollback(file_id=back)
    file_rollback(file_id=changes)
    assert snapshot() == after_second


def test_change_sets_past_the_retention_are_pruned_and_their_file_can_no_longer_be_rolled_back(exports):
    first, second, *_ = exports
    synced(first)
    synced(second)
    ChangeSet.objects.filter(file_id=first).update(created_at=timezone.now() - timedelta(days=31))

    assert prune_change_sets.apply().get() == {"removed": 1}

    assert list(ChangeSet.objects.values_list("file_id", flat=True)) == [second]
    with pytest.raises(NothingToRollBack):
        file_rollback(file_id=first)


def test_a_later_file_that_found_its_rows_unchanged_is_named_and_rolled_back_with_it(exports, inbox):
    # given: the first export, then a copy of it (another file, the same rows): the copy writes nothing,
    # and its rows keep the first file's lineage
    first, *_ = exports
    before = snapshot()
    synced(first)
    original = CatalogFile.objects.get(pk=first)
    copy = inbox / original.path.replace(".txt", " (copy).txt")
    copy.write_bytes((inbox / original.path).read_bytes() + b"\r\n")  # other bytes, the same rows
    catalog_scan(inbox=inbox)
    copy_file = CatalogFile.objects.get(path__endswith="(copy).txt")
    assert file_sync(file=copy_file).rows_unchanged > 0

    # then: rolling back the first would take the copy's rows away too: refused naming it, or cascaded
    with pytest.raises(RollbackRefused, match=f": {copy_file.pk} "):
        file_rollback(file_id=first)
    assert file_rollback(file_id=first, cascade=True).files == [copy_file.pk, first]
    assert snapshot() == before
    assert CatalogFile.objects.get(pk=copy_file.pk).status == FileStatus.ROLLED_BACK
