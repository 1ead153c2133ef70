"""50 concurrent submissions by one user through 2 gunicorn workers with a limit of 10: exactly 10 are
accepted, with the quota's Redis up and again with it killed (the database lock takes over)."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from erp.users import api_user_create
from sync.models import CatalogFile, SyncProgressTask, TaskStatus
from tests.processes import http_json, start_web, wait_for, worker_env
from tests.run_env import stop_process

pytestmark = pytest.mark.worker
LIMIT, SUBMISSIONS = 10, 50


@pytest.fixture
def quota_redis(redis_server):
    return redis_server()


@pytest.fixture
def web(transactional_db, quota_redis):
    process, url = start_web(worker_env(REDIS_URL=quota_redis["url"], MAX_TASKS_PER_USER=str(LIMIT)))
    yield url
    stop_process(process)


def catalog_rows(count: int) -> list[int]:
    """Files that exist only in the catalog: a worker fails them at once (file not found)."""
    batch = uuid.uuid4().hex[:6]
    return [CatalogFile.objects.create(path=f"shopee/q/orders/daily/{batch}_{i}.csv", file_name=f"{i}.csv",
                                       sha256=f"{batch}{i}".ljust(64, "0"), size_bytes=1, platform_code="shopee",
                                       shop_id="q", data_domain="orders", granularity="daily").pk
            for i in range(count)]


def submit_all(url: str, token: str, file_ids: list[int]) -> list[int]:
    with ThreadPoolExecutor(max_workers=SUBMISSIONS) as pool:
        answers = list(pool.map(lambda f: http_json("POST", f"{url}/api/data-sync/single", {"file_id": f}, token), file_ids))
    refused = [body for status, body in answers if status == 429]
    assert all(body["error"]["detail"] == {"used": LIMIT, "limit": LIMIT} for body in refused), refused[:1]
    return sorted(status for status, _ in answers)


def test_exactly_the_limit_is_accepted_with_redis_up_then_down(web, quota_redis, worker_factory):
    token = api_user_create(username="burst", role="normal")

    statuses = submit_all(web, token, catalog_rows(SUBMISSIONS))

    assert statuses == [200] * LIMIT + [429] * (SUBMISSIONS - LIMIT)
    assert SyncProgressTask.objects.filter(status=TaskStatus.QUEUED).count() == LIMIT

    # When those finish (a real worker fails them: their files do not exist), slots come back.
    worker = worker_factory(REDIS_URL=quota_redis["url"])
    wait_for(lambda: not SyncProgressTask.objects.filter(status__in=SyncProgressTask.ACTIVE_STATUSES).exists(),
             what="the accepted tasks to finish")
    stop_process(worker)
    assert submit_all(web, token, catalog_rows(1)) == [200]

    stop_process(quota_redis["process"])
    statuses = submit_all(web, token, catalog_rows(SUBMISSIONS))

    assert statuses == [200] * (LIMIT - 1) + [429] * (SUBMISSIONS - LIMIT + 1)
    assert SyncProgressTask.objects.filter(status=TaskStatus.QUEUED).count() == LIMIT


def test_one_file_submitted_concurrently_is_taken_by_exactly_one_task(web):
    token = api_user_create(username="racer", role="normal")
    (file_id,) = catalog_rows(1)

    with ThreadPoolExecutor(max_workers=LIMIT) as pool:
        answers = list(pool.map(lambda _: http_json("POST", f"{web}/api/data-sync/single", {"file_id": file_id}, token),
                                range(LIMIT)))

    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [409] * (LIMIT - 1)
    assert all(body["error"]["code"] == 3001 for status, body in answers if status == 409)
    assert SyncProgressTask.objects.count() == 1
