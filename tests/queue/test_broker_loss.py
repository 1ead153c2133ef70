"""A broker that loses its messages loses no task (issue 19, point 2): tasks the broker accepted, then its
redis-server killed and restarted empty (no persistence, as a Redis without AOF, a failover to a lagging
replica or a FLUSHALL leave it), or its queue purged on RabbitMQ. The database knows they wait: each is
published again and completes exactly once, and every quota slot is free at the end.

The bound: a lost task is published again ERP_REPUBLISH_AFTER_S after its publish, at the next round of
the 10-second dispatch job once a worker slot runs it; here (3 s, one worker busy with a big file) every
task completes within LOSS_BOUND_S of the loss."""

import subprocess
import sys

import pytest
from django_celery_results.models import TaskResult
from kombu import Connection

from erp.beat_jobs import beat_jobs_install
from sync.models import ChangeSet, CatalogFile, OrderLine, SyncProgressTask, TaskStatus
from sync.services.quota import quota_usage
from tests.processes import BASE_DIR, start_beat, wait_for, worker_env
from tests.run_env import RUN_DIR, stop_process
from tests.sync.helpers import shops_of_orders

pytestmark = pytest.mark.worker
WAITING = 12
BUSY_ROWS = 150_000
REPUBLISH_AFTER_S = 3
LOSS_BOUND_S = 180
USER = "loses_messages"
# Fair share hands the broker only as many tasks as there are slots: here as many as the tasks, so that
# every waiting one is in the broker when it loses them.
LOSS_SETTINGS = {"ERP_REPUBLISH_AFTER_S": str(REPUBLISH_AFTER_S), "MAX_TASKS_PER_USER": str(WAITING + 1),
                 "ERP_SYNC_WORKER_SLOTS": str(WAITING + 1)}

ENQUEUE = """
from django.contrib.auth.models import User
from erp.users import api_user_create
from sync.models import TaskType
from sync.services.task_lifecycle import sync_task_create
if not User.objects.filter(username={user!r}).exists():
    api_user_create(username={user!r}, role="normal")
user = User.objects.get(username={user!r})
for file_id in {file_ids}:
    sync_task_create(user=user, task_type=TaskType.SINGLE_FILE, file_ids=[file_id], priority=5)
"""


def enqueue(env: dict, file_ids: list[int]):
    """Submit as the web does, from a process that publishes to the broker under test."""
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", ENQUEUE.format(user=USER, file_ids=file_ids)],
                          cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def run_loss_scenario(env: dict, lose_messages, worker_factory, inbox, tmp_path):
    (busy,) = shops_of_orders(inbox, 1, BUSY_ROWS, tmp_path, first=700)
    small = shops_of_orders(inbox, WAITING, 30, tmp_path)
    beat_jobs_install()
    worker_factory(**env)
    enqueue(env, [busy])
    wait_for(lambda: SyncProgressTask.objects.filter(status=TaskStatus.PROCESSING).exists(), what="the busy task")
    enqueue(env, small)
    waiting = SyncProgressTask.objects.filter(status=TaskStatus.QUEUED, dispatched_at__isnull=False)
    assert waiting.count() == WAITING  # accepted by the broker, waiting behind the busy file

    lose_messages()

    beat = start_beat(env, RUN_DIR / f"beat-loss-{busy}.log")
    try:
        wait_for(lambda: SyncProgressTask.objects.filter(status=TaskStatus.COMPLETED).count() == WAITING + 1,
                 timeout=LOSS_BOUND_S, what="every task to complete after the broker lost their messages")
    finally:
        stop_process(beat)
    tasks = list(SyncProgressTask.objects.all())
    assert [t.attempts for t in tasks] == [1] * (WAITING + 1)  # each ran once, duplicates claimed nothing
    assert TaskResult.objects.filter(task_id__in=[t.task_id for t in tasks], status="SUCCESS").count() == WAITING + 1
    assert sorted(ChangeSet.objects.values_list("file_id", flat=True)) == sorted([busy, *small])  # one sync each
    assert OrderLine.objects.count() == sum(CatalogFile.objects.values_list("rows_ingested", flat=True))
    usage = quota_usage(user=tasks[0].user)
    assert (usage.running, usage.queued) == (0, 0)


def test_tasks_lost_with_the_brokers_redis_complete_once(redis_server, worker_factory, inbox, templates, tmp_path,
                                                          transactional_db):
    broker = redis_server()
    env = worker_env(CELERY_BROKER_URL=broker["url"], **LOSS_SETTINGS)

    def restart_empty():
        stop_process(broker["process"])
        redis_server(port=broker["port"])  # no persistence: it comes back without a message

    run_loss_scenario(env, restart_empty, worker_factory, inbox, tmp_path)


def test_tasks_purged_from_rabbitmq_complete_once(rabbitmq_vhost, worker_factory, inbox, templates, tmp_path,
                                                   transactional_db):
    env = worker_env(CELERY_BROKER_URL=rabbitmq_vhost, **LOSS_SETTINGS)

    def purge():
        with Connection(rabbitmq_vhost) as conn:
            assert conn.default_channel.queue_purge("data_sync") == WAITING

    run_loss_scenario(env, purge, worker_factory, inbox, tmp_path)
