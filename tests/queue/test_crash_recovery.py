"""A worker killed with SIGKILL in the middle of a batch: after a restart the task completes, every file
once, the same rows as a clean run; its quota slot stays taken meanwhile and is freed at the end."""


import pytest
from django.contrib.auth.models import User
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_redis import get_redis_connection

from erp.beat_jobs import beat_jobs_install
from erp.users import api_user_create
from sync.models import CatalogFile, FileStatus, OrderLine, SyncProgressTask, TaskStatus, TaskType
from sync.services.quota import KEY
from sync.services.task_lifecycle import sync_task_create
from tests.processes import start_beat, wait_for, worker_env
from tests.run_env import RUN_DIR, kill_hard, stop_process
from tests.sync.helpers import shops_of_orders

pytestmark = pytest.mark.worker
FILES, ROWS = 20, 3_000
FAST_HEARTBEAT = {"ERP_HEARTBEAT_INTERVAL_S": "0.5", "ERP_HEARTBEAT_STALE_S": "3"}


def test_a_killed_workers_batch_completes_after_restart(worker_factory, inbox, templates, tmp_path):
    file_ids = shops_of_orders(inbox, FILES, ROWS, tmp_path)
    api_user_create(username="crash", role="normal")
    user = User.objects.get(username="crash")
    beat_jobs_install()
    every_2s, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.filter(name="recover stalled tasks").update(interval=every_2s)  # as an operator could
    slots = get_redis_connection("default")
    worker = worker_factory(**FAST_HEARTBEAT)

    task = sync_task_create(task_type=TaskType.BATCH_BY_IDS, file_ids=file_ids, user=user)
    wait_for(lambda: SyncProgressTask.objects.get(pk=task.pk).processed_files >= 5, what="a quarter of the batch")
    kill_hard(worker)
    interrupted = SyncProgressTask.objects.get(pk=task.pk)

    assert interrupted.status == TaskStatus.PROCESSING and interrupted.processed_files < FILES
    assert slots.zscore(KEY.format(user_id=user.pk), task.task_id) is not None  # held while it is down

    worker_factory(**FAST_HEARTBEAT)
    beat = start_beat(worker_env(**FAST_HEARTBEAT), RUN_DIR / f"beat-crash-{task.pk}.log")
    try:
        wait_for(lambda: SyncProgressTask.objects.get(pk=task.pk).status == TaskStatus.COMPLETED, timeout=180,
                 what="the recovered task to complete")
    finally:
        stop_process(beat)

    task.refresh_from_db()
    files = list(CatalogFile.objects.filter(pk__in=file_ids))
    assert task.attempts == 2 and task.processed_files == FILES
    assert sorted(r["file_id"] for r in task.file_results) == sorted(file_ids)  # each file once
    assert all(f.status in (FileStatus.INGESTED, FileStatus.PARTIAL) for f in files)
    clean_run = sum(f.rows_ingested for f in files)
    assert clean_run == FILES * (ROWS - ROWS * 4 // 100)  # the generator plants 4% bad rows
    assert OrderLine.objects.count() == clean_run
    assert slots.zscore(KEY.format(user_id=user.pk), task.task_id) is None  # freed at the end
