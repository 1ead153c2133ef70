"""Across processes: 50 concurrent requests on a cold key through 2 gunicorn workers compute the stats
once, and the statistics add up over both web workers and a celery worker process."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import redis as redis_py

from cache.tasks import warm_cache
from cache.warmup import HOT_READS
from erp.users import api_user_create
from tests.cache.http import http_get
from tests.processes import start_web, wait_for, worker_env
from tests.run_env import stop_process

pytestmark = pytest.mark.worker
CONCURRENT = 50
STATS = "/api/accounts/stats"
COUNTER_KEY = "account-stats-computations"


@pytest.fixture
def web(transactional_db, redis_server):
    counter = redis_server()
    process, url = start_web(worker_env(ERP_TEST_COUNTER_URL=counter["url"], ERP_TEST_COUNTER_KEY=COUNTER_KEY), app="tests.cache.counting_app:application")
    yield url, redis_py.Redis.from_url(counter["url"])
    stop_process(process)


def get_all(url: str, token: str, count: int) -> list[tuple[int, dict, dict]]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda _: http_get(url + STATS, token), range(count)))


def test_fifty_concurrent_requests_on_a_cold_key_compute_once_and_stats_add_up_across_processes(
        web, accounts, celery_worker):
    url, counter = web
    token = api_user_create(username="reader", role="normal")
    staff = api_user_create(username="operator", role="admin")

    answers = get_all(url, token, CONCURRENT)

    assert int(counter.get(COUNTER_KEY)) == 1
    assert {status for status, _, _ in answers} == {200}
    assert len({str(body["data"]) for _, body, _ in answers}) == 1 and answers[0][1]["data"]["total"] == 5
    assert sorted(headers["X-Cache"] for _, _, headers in answers) == ["HIT"] * (CONCURRENT - 1) + ["MISS"]

    # Until both web workers have answered (more requests only when one answered all 50).
    pids = {headers["X-Worker-Pid"] for _, _, headers in answers}

    def another_answer_from_both_workers() -> bool:
        answers.append(http_get(url + STATS, token))
        pids.add(answers[-1][2]["X-Worker-Pid"])
        return len(pids) == 2

    if len(pids) < 2:
        wait_for(another_answer_from_both_workers, timeout=60, interval=0, what="both gunicorn workers to answer")
    warm_cache.delay().get(timeout=120)  # the celery worker stores the hot keys

    status, body, _ = http_get(url + "/api/system/cache-stats", staff)
    stats = {t["cache_type"]: t for t in body["data"]["types"]}
    assert status == 200 and len(pids) == 2
    assert (stats["account_stats"]["hits"], stats["account_stats"]["misses"]) == (len(answers) - 1, 1)
    assert stats["account_stats"]["sets"] == 1 + 1  # the web's miss and the worker's warm-up
    assert body["data"]["totals"]["sets"] == 1 + len(HOT_READS)
    assert int(counter.get(COUNTER_KEY)) == 1  # the worker's process computed without the counting app
