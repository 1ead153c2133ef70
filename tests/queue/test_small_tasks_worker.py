"""Small single-file tasks taken along by a real worker's deliveries (issue 19, point 5): each runs
exactly once, ends with its own stored Celery result, and frees its quota slot."""

import json

import pytest
from celery import states
from celery.utils.saferepr import saferepr
from django.contrib.auth.models import User
from django.db.models import F
from django_celery_results.models import TaskResult

from erp.users import api_user_create
from sync.models import OrderLine, SyncProgressTask, TaskStatus, TaskType
from sync.services.quota import quota_usage
from sync.services.task_lifecycle import sync_task_create
from sync.tasks import sync_single_file
from tests.processes import wait_for
from tests.sync.helpers import shops_of_orders

TASKS = 10  # a normal user's quota
ROWS = 5


@pytest.fixture
def ann(transactional_db):
    api_user_create(username="ann", role="normal")
    return User.objects.get(username="ann")


def test_small_tasks_run_once_each_with_their_own_result_when_taken_along(worker_factory, inbox, templates, tmp_path,
                                                                          settings, ann):
    # given: ten one-file tasks of small exports waiting when the worker starts (two handed to the broker)
    settings.ERP_SYNC_WORKER_SLOTS = 2
    file_ids = shops_of_orders(inbox, TASKS, ROWS, tmp_path)
    tasks = [sync_task_create(task_type=TaskType.SINGLE_FILE, file_ids=[i], user=ann, priority=5) for i in file_ids]
    ids = [t.task_id for t in tasks]

    # when: a worker runs them
    worker_factory(ERP_SYNC_WORKER_SLOTS="2")
    wait_for(lambda: TaskResult.objects.filter(task_id__in=ids, status=states.SUCCESS).count() == TASKS, timeout=240,
             what="every task's result")

    # then: each ran once, completed, with its own result; some ran in another task's delivery
    rows = SyncProgressTask.objects.filter(task_id__in=ids)
    assert sorted(rows.values_list("status", "attempts", "succeeded_files")) == [(TaskStatus.COMPLETED, 1, 1)] * TASKS
    results = {r.task_id: r for r in TaskResult.objects.filter(task_id__in=ids)}
    assert all(f'"task_id": "{task_id}"' in results[task_id].result for task_id in ids)
    # stored as a delivery of its own stores it (extended results), wherever it ran
    assert {(r.task_name, r.task_args, r.task_kwargs, r.content_type, r.meta) for r in results.values()} == {
        (r.task_name, json.dumps("()"), json.dumps(saferepr({"task_id": r.task_id})), "application/json",
         '{"children": []}')
        for r in results.values()}
    assert {r.task_name for r in results.values()} == {sync_single_file.name}
    assert all(r.worker for r in results.values())
    assert rows.filter(dispatched_at=F("started_at")).exists()  # claimed at its turn, never published
    assert OrderLine.objects.filter(source_file__in=file_ids).count() == sum(rows.values_list("rows_ingested", flat=True))
    usage = quota_usage(user=ann)
    assert usage.running == usage.queued == 0
