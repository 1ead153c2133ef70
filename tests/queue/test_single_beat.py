"""Two beat processes: only the one holding the lock schedules; kill it and the other takes over."""

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from erp.beat_jobs import beat_jobs_install
from tests.processes import start_beat, wait_for, worker_env
from tests.run_env import RUN_DIR, kill_hard, stop_process

pytestmark = pytest.mark.worker
SENT = b"Sending due task"


def sends(log) -> int:
    return log.read_bytes().count(SENT)


def test_only_one_beat_schedules_and_the_other_takes_over(transactional_db):
    beat_jobs_install()
    every_1s, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.filter(name="dispatch deferred tasks").update(interval=every_1s)
    logs = [RUN_DIR / f"beat-single-{n}.log" for n in ("a", "b")]
    first = start_beat(worker_env(), logs[0])
    wait_for(lambda: b"lock acquired" in logs[0].read_bytes(), what="the first beat to take the lock")
    second = start_beat(worker_env(), logs[1])
    try:
        wait_for(lambda: b"standing by" in logs[1].read_bytes(), what="the second beat to stand by")
        wait_for(lambda: sends(logs[0]) >= 3, what="the first beat to schedule")
        assert sends(logs[1]) == 0

        kill_hard(first)

        wait_for(lambda: b"lock acquired" in logs[1].read_bytes(), what="the second beat to take over")
        wait_for(lambda: sends(logs[1]) >= 2, what="the second beat to schedule")
    finally:
        stop_process(first)
        stop_process(second)
