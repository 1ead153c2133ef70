"""Cancel and retry against a real worker, and the queue position of waiting tasks."""

import shutil
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_celery_results.models import TaskResult

from erp.users import api_user_create
from sync.models import CatalogFile, FileStatus, OrderLine, SyncProgressTask, TaskStatus, TaskType
from sync.selectors import DURATION_CACHE_KEY, task_queue_place
from sync.services.task_lifecycle import sync_task_create
from tests.processes import wait_for
from tests.sync.helpers import run_to_end, shops_of_orders

OPERATOR_PATHS = ["api", "admin"]

BATCH_FILES = 8
ROWS_PER_FILE = 20_000


def operate(via: str, action: str, task: SyncProgressTask):
    """Cancel or retry the way an operator would: the seed API endpoint, or the admin's bulk action."""
    from django.contrib.auth.models import User
    from django.test import Client
    from rest_framework.test import APIClient

    if via == "api":
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_user_create(username='op-api', role='admin')}")
        response = client.post(f"/api/data-sync/{action}-task/{task.task_id}", format="json")
        assert response.status_code in (200, 202), response.json()
    else:
        api_user_create(username="op-admin", role="admin")
        client = Client()
        client.force_login(User.objects.get(username="op-admin"))
        response = client.post("/admin/sync/syncprogresstask/",
                               {"action": f"{action}_selected", "_selected_action": [task.pk]})
        assert response.status_code == 302
    task.refresh_from_db()
    return task


@pytest.mark.worker
@pytest.mark.parametrize("via", OPERATOR_PATHS)
def test_a_cancelled_queued_task_never_starts(via, worker_factory, inbox, templates, tmp_path):
    file_ids = shops_of_orders(inbox, 1, 50, tmp_path)
    task = sync_task_create(task_type=TaskType.SINGLE_FILE, file_ids=file_ids)

    operate(via, "cancel", task)
    worker_factory()  # the message is still in the broker: the worker takes it and must leave it alone

    wait_for(lambda: TaskResult.objects.filter(task_id=task.task_id, status="SUCCESS").exists(),
             what="the worker to consume the cancelled task's message")
    task.refresh_from_db()
    file = CatalogFile.objects.get()
    assert (task.status, task.started_at, task.attempts) == (TaskStatus.CANCELLED, None, 0)
    assert (file.status, file.last_synced_at, file.rows_read) == (FileStatus.PENDING, None, 0)
    assert not OrderLine.objects.exists()


@pytest.mark.worker
@pytest.mark.parametrize("via", OPERATOR_PATHS)
def test_cancelling_a_running_batch_stops_at_a_file_boundary(via, celery_worker, inbox, templates, tmp_path):
    file_ids = shops_of_orders(inbox, BATCH_FILES, ROWS_PER_FILE, tmp_path)
    task = sync_task_create(task_type=TaskType.BATCH_BY_IDS, file_ids=file_ids)
    wait_for(lambda: SyncProgressTask.objects.get(pk=task.pk).processed_files >= 1, what="the first file")

    assert operate(via, "cancel", task).cancel_requested

    task = run_to_end(task)
    files = {f.pk: f for f in CatalogFile.objects.all()}
    done = [i for i in file_ids if files[i].status in (FileStatus.INGESTED, FileStatus.PARTIAL)]
    assert task.status == TaskStatus.CANCELLED
    assert 1 <= task.processed_files == len(done) < BATCH_FILES
    assert all(files[i].status == FileStatus.PENDING for i in file_ids if i not in done)
    assert OrderLine.objects.count() == sum(files[i].rows_ingested for i in done)


@pytest.mark.worker
@pytest.mark.parametrize("via", OPERATOR_PATHS)
def test_retry_of_a_failed_task_syncs_only_what_is_missing(via, celery_worker, inbox, templates, tmp_path):
    good, broken = shops_of_orders(inbox, 2, 50, tmp_path)
    broken_file = CatalogFile.objects.get(pk=broken)
    hidden = tmp_path / "hidden.txt"
    shutil.move(inbox / broken_file.path, hidden)
    task = run_to_end(sync_task_create(task_type=TaskType.BATCH_BY_IDS, file_ids=[good, broken]))
    assert task.status == TaskStatus.FAILED and task.failed_files == 1
    first_sync = CatalogFile.objects.get(pk=good).last_synced_at

    shutil.move(hidden, inbox / broken_file.path)
    task = run_to_end(operate(via, "retry", task))

    assert task.status == TaskStatus.COMPLETED
    assert (task.run_file_ids, task.attempts, task.processed_files) == ([broken], 2, 1)
    assert CatalogFile.objects.get(pk=good).last_synced_at == first_sync
    assert CatalogFile.objects.get(pk=broken).status in (FileStatus.INGESTED, FileStatus.PARTIAL)
    assert task.task_details["previous_runs"][0]["status"] == "failed"


@pytest.mark.django_db
def test_queue_position_follows_priority_and_moves_as_tasks_finish():
    tasks = [sync_task_create(task_type=TaskType.BATCH_BY_IDS, file_ids=[], priority=5) for _ in range(3)]
    urgent = sync_task_create(task_type=TaskType.BATCH_BY_IDS, file_ids=[], priority=9)

    assert [task_queue_place(t).position for t in [urgent, *tasks]] == [1, 2, 3, 4]

    SyncProgressTask.objects.filter(pk=urgent.pk).update(status=TaskStatus.PROCESSING, started_at=timezone.now())
    SyncProgressTask.objects.filter(pk=tasks[0].pk).update(
        status=TaskStatus.COMPLETED, started_at=timezone.now() - timedelta(seconds=30), finished_at=timezone.now())

    cache.delete(DURATION_CACHE_KEY)  # the average is cached for half a minute
    last = task_queue_place(tasks[2])
    assert (last.position, last.ahead, last.running) == (2, 1, 1)
    assert "last 1 finished tasks (30 s)" in last.basis
    urgent.refresh_from_db()
    assert task_queue_place(urgent).position is None
