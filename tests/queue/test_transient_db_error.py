"""A database connection killed under a running file (pg_terminate_backend): the task retries, the file
ends ingested once, and nothing partial stays."""

import pytest
from django.db import connection

from sync.models import CatalogFile, FileStatus, OrderLine, SyncProgressTask, TaskStatus, TaskType
from sync.services.task_lifecycle import sync_task_create
from tests.processes import wait_for
from tests.sync.helpers import shops_of_orders

pytestmark = pytest.mark.worker
ROWS = 150_000


def another_connection_has_written() -> bool:
    """The worker is inside its file's transaction and has written (PostgreSQL gave it a transaction id)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL")
        return cursor.fetchone()[0] > 0


def terminate_other_connections() -> int:
    """Every backend on this test's database but the test's own: the worker's."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_killed_database_connection_is_retried_and_leaves_nothing_partial(celery_worker, inbox, templates,
                                                                          tmp_path):
    (file_id,) = shops_of_orders(inbox, 1, ROWS, tmp_path)
    task = sync_task_create(task_type=TaskType.SINGLE_FILE, file_ids=[file_id])
    wait_for(lambda: CatalogFile.objects.get(pk=file_id).status == FileStatus.PROCESSING, what="the file to start")
    wait_for(another_connection_has_written, interval=0.05, what="the worker to be writing the file's rows")

    assert terminate_other_connections() >= 1

    wait_for(lambda: SyncProgressTask.objects.get(pk=task.pk).status in (TaskStatus.COMPLETED, TaskStatus.FAILED),
             timeout=180, what="the retried task to finish")
    task.refresh_from_db()
    file = CatalogFile.objects.get(pk=file_id)
    assert task.status == TaskStatus.COMPLETED, task.errors
    assert task.attempts == 2 and len(task.file_results) == 1
    assert file.status == FileStatus.PARTIAL and file.rows_ingested == ROWS - ROWS * 4 // 100
    assert OrderLine.objects.filter(source_file_id=file_id).count() == file.rows_ingested
