"""A normal user with all 10 quota tasks active polls each one's progress every 2 s (and the history every
10 s) for 2 minutes, as DataSyncFiles.vue does, with the rate limits on: no poll is refused, and after a
slot frees the next submission is accepted. Polling counts in its own group, never in data_sync."""

import time

import pytest
from django.conf import settings

from erp.users import api_user_create
from sync.models import CatalogFile
from tests.api.predecessor.client import LegacyClient
from tests.processes import start_web, worker_env
from tests.run_env import stop_process

pytestmark = [pytest.mark.worker, pytest.mark.slow]
PASSWORD = "pw-for-polling-7"
POLL_EVERY_S = 2
POLL_FOR_S = 120


@pytest.fixture
def web(transactional_db):
    # The limits as configured (normal: data_sync 30/min, single 10/min), counting in this run's Redis.
    process, url = start_web(worker_env(RATE_LIMIT_ENABLED="true"))
    yield url
    stop_process(process)


def test_polling_ten_tasks_never_spends_the_submission_allowance(web):
    slots = settings.MAX_TASKS_PER_USER
    assert slots == 10
    api_user_create(username="poller", role="normal", password=PASSWORD)
    files = [CatalogFile.objects.create(path=f"shopee/s1/orders/daily/poll_{i}.csv", file_name=f"poll_{i}.csv",
                                        sha256=f"{i:064x}", size_bytes=10, platform_code="shopee", shop_id="s1",
                                        data_domain="orders", granularity="daily") for i in range(slots + 1)]
    page = LegacyClient(web, bearer=True)
    assert page.login("poller", PASSWORD).status_code == 200
    task_ids = []
    for file in files[:slots]:
        answer = page.call("POST", "/api/data-sync/single", json={"file_id": file.pk})
        assert answer.status_code == 200, answer.text
        task_ids.append(answer.json()["data"]["task_id"])

    statuses, limits = [], set()
    deadline = time.monotonic() + POLL_FOR_S
    round_number = 0
    while time.monotonic() < deadline:
        started = time.monotonic()
        for task_id in task_ids:
            answer = page.call("GET", f"/api/data-sync/progress/{task_id}")
            statuses.append(answer.status_code)
            limits.add(answer.headers.get("X-RateLimit-Limit"))
        if round_number % 5 == 0:  # the history every ~10 s
            statuses.append(page.call("GET", "/api/data-sync/tasks", params={"limit": 50}).status_code)
        round_number += 1
        time.sleep(max(POLL_EVERY_S - (time.monotonic() - started), 0))

    assert len(statuses) >= slots * (POLL_FOR_S // POLL_EVERY_S) * 0.9
    assert set(statuses) == {200}, f"{statuses.count(429)} polls refused"
    assert limits == {str(settings.RATE_LIMIT_TIERS['normal']['polling'])}

    freed = page.call("DELETE", f"/api/data-sync/cancel-task/{task_ids[0]}")
    assert freed.status_code == 200 and freed.json()["revoked"] is True
    again = page.call("POST", "/api/data-sync/single", json={"file_id": files[slots].pk})
    assert again.status_code == 200, again.text
    assert again.json()["data"]["status"] == "pending"
