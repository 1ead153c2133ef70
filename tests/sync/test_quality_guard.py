"""The quality score is advice about the data (seed 004): a failure while scoring does not fail a sync
whose files are written."""

import pytest

from sync.models import CatalogFile, FileStatus, SyncProgressTask, TaskStatus, TaskType
from sync.services import task_run
from sync.services.task_lifecycle import sync_task_create
from tests.sync.helpers import shops_of_orders

pytestmark = pytest.mark.django_db


def test_a_failing_quality_check_leaves_the_task_completed_with_the_reason(inbox, templates, tmp_path,
                                                                           monkeypatch, settings):
    settings.ERP_BATCH_MAX_PARALLEL = 1  # run here, by this process alone: no part for a worker
    file_ids = shops_of_orders(inbox, 2, 30, tmp_path)
    task = sync_task_create(task_type=TaskType.BATCH_BY_IDS, file_ids=file_ids)

    def broken_scoring(*, files):
        raise ZeroDivisionError("a bug in the scoring")

    monkeypatch.setattr(task_run, "quality_check", broken_scoring)
    summary = task_run.sync_task_run(task_id=task.task_id)

    task = SyncProgressTask.objects.get(pk=task.pk)
    assert summary["status"] == TaskStatus.COMPLETED == task.status
    assert task.succeeded_files == 2
    assert "ZeroDivisionError" in task.task_details["quality_check"]["error"]
    assert set(CatalogFile.objects.filter(pk__in=file_ids).values_list("status", flat=True)) == {FileStatus.PARTIAL}
