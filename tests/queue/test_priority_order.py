"""Priority really reorders waiting work: one busy worker (concurrency 1), 20 priority-1 tasks queued,
then one priority-10 task: the priority-10 task runs next, on Redis and on RabbitMQ."""

import subprocess
import sys

import pytest

from sync.models import SyncProgressTask, TaskStatus
from tests.processes import BASE_DIR, wait_for, worker_env
from tests.sync.helpers import shops_of_orders

pytestmark = pytest.mark.worker
WAITING = 20
BUSY_ROWS = 150_000

ENQUEUE = """
from sync.models import TaskType
from sync.services.task_lifecycle import sync_task_create
for file_id, priority in {plan}:
    sync_task_create(task_type=TaskType.SINGLE_FILE, file_ids=[file_id], priority=priority)
"""


def enqueue(env: dict, plan: list[tuple[int, int]]):
    """Submit from a separate process that publishes to the broker under test (as the web would)."""
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", ENQUEUE.format(plan=plan)], cwd=BASE_DIR,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def run_priority_scenario(env, worker_factory, inbox, tmp_path):
    # The busy file is big, so the worker is occupied while the others queue up behind it.
    (busy,) = shops_of_orders(inbox, 1, BUSY_ROWS, tmp_path, first=500)
    small = shops_of_orders(inbox, WAITING + 1, 20, tmp_path)
    worker_factory(**env)
    enqueue(env, [(busy, 5)])
    wait_for(lambda: SyncProgressTask.objects.filter(status=TaskStatus.PROCESSING).exists(), what="the busy task")
    enqueue(env, [(file_id, 1) for file_id in small[:WAITING]] + [(small[WAITING], 10)])
    wait_for(lambda: not SyncProgressTask.objects.filter(status__in=SyncProgressTask.ACTIVE_STATUSES).exists(),
             timeout=300, what="every task to finish")
    order = list(SyncProgressTask.objects.order_by("started_at").values_list("priority", flat=True))
    assert order[0] == 5 and order[1] == 10, order
    assert order[2:] == [1] * WAITING


def test_priority_reorders_waiting_work_on_redis(redis_server, worker_factory, inbox, templates, tmp_path):
    run_priority_scenario(worker_env(CELERY_BROKER_URL=redis_server()["url"]), worker_factory, inbox, tmp_path)


def test_priority_reorders_waiting_work_on_rabbitmq(rabbitmq_vhost, worker_factory, inbox, templates, tmp_path):
    run_priority_scenario(worker_env(CELERY_BROKER_URL=rabbitmq_vhost), worker_factory, inbox, tmp_path)
