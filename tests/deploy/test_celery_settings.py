"""The Celery numbers taken from the predecessor (seed 004) or kept with a reason (README, "Seed parity"),
and the one that changes how a worker runs checked on a real worker: a pool process is replaced after
CELERY_WORKER_MAX_TASKS_PER_CHILD tasks."""

import pytest
from django.conf import settings

from erp.celery import app as celery_app
from tests.deploy.pid_task import TASK_NAME

RESULT_TIMEOUT_S = 60


def test_seed_values_are_the_defaults():
    conf = celery_app.conf
    assert conf.worker_max_tasks_per_child == 1000
    assert (conf.timezone, conf.enable_utc) == (settings.TIME_ZONE, True)
    # Kept on purpose: results live in PostgreSQL and task-status reads them (README, "Seed parity").
    assert conf.result_expires == 24 * 3600


@pytest.mark.worker
def test_a_pool_process_is_replaced_after_max_tasks_per_child(processes, stack_env):
    processes.worker({**stack_env, "CELERY_WORKER_MAX_TASKS_PER_CHILD": "2"}, "recycle",
                     include="tests.deploy.pid_task")

    pids = [celery_app.send_task(TASK_NAME, queue="data_sync").get(timeout=RESULT_TIMEOUT_S) for _ in range(6)]

    # No pool process runs more than 2 tasks (other messages of the run's broker may take a turn too, so
    # the count per process is an upper bound, not an exact pattern).
    assert max(pids.count(pid) for pid in pids) <= 2 and len(set(pids)) >= 3
