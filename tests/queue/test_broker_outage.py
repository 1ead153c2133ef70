"""Submissions while the broker is down: answered at once with fallback, nothing runs in the web
process, and the beat job dispatches every one exactly once when the broker is back."""

import time

import pytest
from django_celery_results.models import TaskResult

from erp.beat_jobs import beat_jobs_install
from erp.users import api_user_create
from sync.models import CatalogFile, OrderLine, SyncProgressTask, TaskStatus
from tests.processes import http_json, start_beat, start_web, wait_for, worker_env
from tests.run_env import RUN_DIR, stop_process
from tests.sync.helpers import shops_of_orders

pytestmark = pytest.mark.worker
SUBMISSIONS = 20
# A bound on a request that must not hang on a dead broker (the publish gives up after ~0.5 s).
NO_HANG_S = 5


def test_broker_outage_loses_nothing_and_runs_each_task_once(redis_server, worker_factory, inbox, templates,
                                                               tmp_path, transactional_db):
    broker = redis_server()
    env = worker_env(CELERY_BROKER_URL=broker["url"], MAX_TASKS_PER_USER=str(SUBMISSIONS))
    web, url = start_web(env)
    file_ids = shops_of_orders(inbox, SUBMISSIONS, 30, tmp_path)
    token = api_user_create(username="outage", role="normal")
    beat_jobs_install()
    try:
        stop_process(broker["process"])
        answers, seconds = [], []
        for file_id in file_ids:
            started = time.monotonic()
            answers.append(http_json("POST", f"{url}/api/data-sync/single", {"file_id": file_id}, token))
            seconds.append(time.monotonic() - started)

        assert [status for status, _ in answers] == [200] * SUBMISSIONS  # the predecessor's status (issue 15)
        assert all(body["data"]["fallback"] is True for _, body in answers)
        assert max(seconds) < NO_HANG_S, seconds
        print(f"fallback answers: max {max(seconds):.2f} s, mean {sum(seconds) / len(seconds):.2f} s")
        tasks = SyncProgressTask.objects.all()
        assert all(t.status == TaskStatus.QUEUED and t.dispatched_at is None and t.dispatch_error for t in tasks)
        assert not CatalogFile.objects.filter(last_synced_at__isnull=False).exists()  # nothing ran in the web

        redis_server(port=broker["port"])  # the broker is back, at the address everyone knows
        worker_factory(CELERY_BROKER_URL=broker["url"])
        beat = start_beat(env, RUN_DIR / f"beat-outage-{broker['port']}.log")
        try:
            wait_for(lambda: SyncProgressTask.objects.filter(status=TaskStatus.COMPLETED).count() == SUBMISSIONS,
                     timeout=180, what="all deferred tasks to complete")
        finally:
            stop_process(beat)
    finally:
        stop_process(web)

    tasks = list(SyncProgressTask.objects.all())
    assert all(t.attempts == 1 and t.dispatched_at is not None for t in tasks)
    assert TaskResult.objects.filter(task_id__in=[t.task_id for t in tasks], status="SUCCESS").count() == SUBMISSIONS
    assert OrderLine.objects.count() == sum(CatalogFile.objects.values_list("rows_ingested", flat=True))
