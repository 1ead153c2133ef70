"""The rate limits through 2 gunicorn workers sharing the counts in real Redis: exact limits, headers
that count down, endpoint limits before tier limits, tiers, an admin override without a restart, and
Redis going away and coming back."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from erp.users import api_user_create
from ratelimit.models import RateLimitOverride
from tests.processes import start_web, wait_for, worker_env
from tests.ratelimit.http import call, window_fresh
from tests.run_env import RUN_DIR, start_redis_server, stop_process

pytestmark = pytest.mark.worker
TASK_COUNT = "/api/data-sync/user-task-count"


@pytest.fixture
def web(transactional_db):
    """gunicorn on this run's Redis (the test process invalidates the same cache)."""
    process, url = start_web(worker_env(RATE_LIMIT_ENABLED="true"))
    yield url
    stop_process(process)


def test_a_normal_user_gets_exactly_30_data_sync_requests_a_minute(web):
    token = api_user_create(username="exact", role="normal")
    window_fresh(web, token)

    answers = [call("GET", web + TASK_COUNT, token=token) for _ in range(31)]

    assert [a.status for a in answers] == [200] * 30 + [429]
    assert [int(a.header("X-RateLimit-Remaining")) for a in answers] == list(range(29, -1, -1)) + [0]
    assert {a.header("X-RateLimit-Limit") for a in answers} == {"30"}
    assert len({a.header("X-RateLimit-Reset") for a in answers[:30]}) <= 2  # one window (a second may tick)
    refused = answers[-1]
    detail = refused.body["error"]["detail"]
    assert int(refused.header("Retry-After")) >= 1 and refused.body["error"]["code"] == "rate_limited"
    assert (detail["rate_limit_type"], detail["rate_limit_key"]) == ("data_sync", f"user:{User.objects.get(username='exact').pk}")

    # What that traffic left for the staff endpoints and for the caller.
    staff = api_user_create(username="exact_staff", role="admin")
    events = call("GET", f"{web}/api/rate-limit/events?key={detail['rate_limit_key']}", token=staff).body["data"]
    assert events["count"] == 1 and events["results"][0]["count"] == 31
    mine = call("GET", f"{web}/api/rate-limit/my-info", token=token).body["data"]
    assert next(u for u in mine["usage"] if u["scope"] == "data_sync")["remaining"] == 0
    assert call("GET", f"{web}/api/rate-limit/events", token=token).status == 403


def test_the_single_endpoint_limit_bites_before_the_tier_limit(web):
    token = api_user_create(username="single_http", role="normal")
    window_fresh(web, token)

    answers = [call("POST", f"{web}/api/data-sync/single", token=token, body={"file_id": 999_999}) for _ in range(11)]

    assert [a.status for a in answers] == [404] * 10 + [429]
    assert answers[-1].body["error"]["detail"]["rate_limit_type"] == "endpoint"
    assert answers[-1].header("X-RateLimit-Limit") == "10"
    # The data-sync group counted those 11 too and still has room.
    after = call("GET", web + TASK_COUNT, token=token)
    assert (after.status, after.header("X-RateLimit-Remaining")) == (200, str(30 - 12))


def test_admin_and_anonymous_tiers(web):
    admin = api_user_create(username="tier_admin", role="admin")
    source = "127.0.0.31"
    window_fresh(web, source=source)

    assert call("GET", web + TASK_COUNT, token=admin).header("X-RateLimit-Limit") == "100"
    assert call("GET", f"{web}/api/templates/", token=admin).header("X-RateLimit-Limit") == "200"
    anonymous = [call("GET", web + TASK_COUNT, source=source) for _ in range(11)]
    assert [a.status for a in anonymous] == [401] * 10 + [429]
    assert anonymous[0].header("X-RateLimit-Limit") == "10"
    assert anonymous[-1].body["error"]["detail"]["rate_limit_key"] == f"ip:{source}"


def test_an_override_saved_in_the_admin_applies_without_a_restart(web):
    token = api_user_create(username="bulk_importer", role="normal")
    assert call("GET", web + TASK_COUNT, token=token).header("X-RateLimit-Limit") == "30"
    operator = Client()
    operator.force_login(User.objects.create_superuser("rl_operator", password=None))

    saved = operator.post("/admin/ratelimit/ratelimitoverride/add/", {
        "user": User.objects.get(username="bulk_importer").pk, "data_sync_per_minute": 7, "reason": "test"})

    assert saved.status_code == 302, saved.content[:2000]
    assert RateLimitOverride.objects.get().data_sync_per_minute == 7
    # Each gunicorn worker keeps a user's limits for RATE_LIMIT_CALLER_LOCAL_S (5 s) at most.
    wait_for(lambda: all(call("GET", web + TASK_COUNT, token=token).header("X-RateLimit-Limit") == "7"
                         for _ in range(4)), timeout=15, what="the override in both workers")


def test_redis_down_requests_are_served_then_limits_return(transactional_db, redis_server):
    redis = redis_server()
    process, url = start_web(worker_env(RATE_LIMIT_ENABLED="true", REDIS_URL=redis["url"], RATE_LIMIT_RETRY_S="1"))
    log = RUN_DIR / f"gunicorn-{url.rsplit(':', 1)[1]}.log"
    try:
        token = api_user_create(username="through_outage", role="normal")
        assert call("GET", url + TASK_COUNT, token=token).header("X-RateLimit-Limit") == "30"

        stop_process(redis["process"])
        during = [call("GET", url + TASK_COUNT, token=token) for _ in range(40)]

        assert {a.status for a in during} == {200}, [a.body for a in during if a.status != 200][:1]
        assert all(a.header("X-RateLimit-Limit") is None for a in during[5:])
        assert b"counting cache is unreachable" in log.read_bytes()

        redis["process"] = start_redis_server(redis["port"], RUN_DIR / f"redis-{redis['port']}")
        wait_for(lambda: call("GET", url + TASK_COUNT, token=token).header("X-RateLimit-Limit") == "30",
                 timeout=30, what="limits to apply again")
        window_fresh(url, token)
        statuses = [call("GET", url + TASK_COUNT, token=token).status for _ in range(32)]
        assert statuses[-1] == 429 and statuses.count(200) <= 30
    finally:
        stop_process(process)
