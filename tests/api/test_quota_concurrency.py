"""50 concurrent submissions by one user through 2 gunicorn workers with a limit of 10: exactly 10 are
accepted, with the quota's Redis up and again with it killed (the database lock takes over)."""

import json
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from sync.models import CatalogFile, SyncProgressTask, TaskStatus
from sync.services.users import api_user_create
from tests.conftest import BASE_DIR, wait_for, worker_env
from tests.run_env import RUN_DIR, free_port, start_redis_server, stop_process

pytestmark = pytest.mark.worker
LIMIT, SUBMISSIONS = 10, 50


@pytest.fixture
def quota_redis():
    port = free_port()
    workdir = RUN_DIR / f"quota-redis-{port}"
    workdir.mkdir()
    process = start_redis_server(port, workdir)
    yield {"process": process, "url": f"redis://127.0.0.1:{port}/0"}
    stop_process(process)


@pytest.fixture
def web(transactional_db, quota_redis):
    port = free_port()
    env = worker_env(REDIS_URL=quota_redis["url"], MAX_TASKS_PER_USER=str(LIMIT))
    log = (RUN_DIR / f"gunicorn-{port}.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "erp.wsgi:application", "--workers", "2", "--threads", "8",
         "--bind", f"127.0.0.1:{port}", "--timeout", "60"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: _up(url), timeout=60, what="gunicorn")
    yield url
    stop_process(process)


def _up(url: str) -> bool:
    try:
        return urllib.request.urlopen(f"{url}/healthz", timeout=1).status == 200
    except OSError:
        return False


def catalog_rows(count: int) -> list[int]:
    """Files that exist only in the catalog: a worker fails them at once (file not found)."""
    batch = uuid.uuid4().hex[:6]
    return [CatalogFile.objects.create(path=f"shopee/q/orders/daily/{batch}_{i}.csv", file_name=f"{i}.csv",
                                       sha256=f"{batch}{i}".ljust(64, "0"), size_bytes=1, platform_code="shopee",
                                       shop_id="q", data_domain="orders", granularity="daily").pk
            for i in range(count)]


def post_json(url: str, body: dict, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Token {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def submit_all(url: str, token: str, file_ids: list[int]) -> list[int]:
    with ThreadPoolExecutor(max_workers=SUBMISSIONS) as pool:
        answers = list(pool.map(lambda f: post_json(f"{url}/api/data-sync/single", {"file_id": f}, token), file_ids))
    refused = [body for status, body in answers if status == 429]
    assert all(body["error"]["detail"] == {"used": LIMIT, "limit": LIMIT} for body in refused), refused[:1]
    return sorted(status for status, _ in answers)


def test_exactly_the_limit_is_accepted_with_redis_up_then_down(web, quota_redis, worker_factory):
    token = api_user_create(username="burst", role="normal")

    statuses = submit_all(web, token, catalog_rows(SUBMISSIONS))

    assert statuses == [202] * LIMIT + [429] * (SUBMISSIONS - LIMIT)
    assert SyncProgressTask.objects.filter(status=TaskStatus.QUEUED).count() == LIMIT

    # When those finish (a real worker fails them: their files do not exist), slots come back.
    worker = worker_factory(REDIS_URL=quota_redis["url"])
    wait_for(lambda: not SyncProgressTask.objects.filter(status__in=SyncProgressTask.ACTIVE_STATUSES).exists(),
             what="the accepted tasks to finish")
    stop_process(worker)
    assert submit_all(web, token, catalog_rows(1)) == [202]

    stop_process(quota_redis["process"])
    statuses = submit_all(web, token, catalog_rows(SUBMISSIONS))

    assert statuses == [202] * (LIMIT - 1) + [429] * (SUBMISSIONS - LIMIT + 1)
    assert SyncProgressTask.objects.filter(status=TaskStatus.QUEUED).count() == LIMIT
