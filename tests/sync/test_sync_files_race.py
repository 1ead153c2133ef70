"""`manage.py sync_files` in the shell and a worker's task never sync one file at the same moment: the
shell holds each file through the same conditional update that a task's submission uses."""

from io import StringIO

import pytest
from django.core.management import call_command

from sync.errors import TaskStateConflict
from sync.models import CatalogFile, FileStatus, OrderLine, SyncProgressTask, TaskStatus, TaskType
from sync.services.file_runs import catalog_file_hold_for_shell
from sync.services.task_lifecycle import sync_task_create
from tests.processes import wait_for
from tests.sync.helpers import run_to_end, shops_of_orders

ROWS = 20_000


@pytest.mark.worker
def test_the_shell_leaves_a_workers_files_to_it_and_every_file_is_synced_once(celery_worker, inbox, templates,
                                                                              tmp_path):
    *held, free = shops_of_orders(inbox, 4, ROWS, tmp_path)
    task = sync_task_create(task_type=TaskType.BATCH_BY_IDS, file_ids=held)
    wait_for(lambda: SyncProgressTask.objects.get(pk=task.pk).status == TaskStatus.PROCESSING,
             what="the worker to start the batch")

    out = StringIO()
    call_command("sync_files", *map(str, [*held, free]), stdout=out, stderr=StringIO())
    task = run_to_end(task)

    # Each file has one sync: the worker's for the held ones (its results), the shell's for the free one
    # (one line of counts; the held ones got "left to it" instead).
    assert task.status == TaskStatus.COMPLETED, task.errors
    assert sorted(r["file_id"] for r in task.file_results) == sorted(held)
    assert out.getvalue().count("queued or being synced by a task; left to it") == len(held)
    assert out.getvalue().count(": read ") == 1
    for file in CatalogFile.objects.filter(pk__in=[*held, free]):
        assert file.status == FileStatus.PARTIAL
        assert OrderLine.objects.filter(source_file=file).count() == file.rows_ingested > 0


@pytest.mark.django_db
def test_a_file_the_shell_holds_cannot_be_submitted_to_the_workers(inbox, templates, tmp_path):
    (file_id,) = shops_of_orders(inbox, 1, 20, tmp_path)

    assert catalog_file_hold_for_shell(file=CatalogFile.objects.get(pk=file_id))
    with pytest.raises(TaskStateConflict) as refused:
        sync_task_create(task_type=TaskType.SINGLE_FILE, file_ids=[file_id])

    assert refused.value.code == "file_busy"
    assert not catalog_file_hold_for_shell(file=CatalogFile.objects.get(pk=file_id))
    assert not SyncProgressTask.objects.exists()
