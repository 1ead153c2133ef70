"""The rate limits in-process (Django test client, the run's own Redis): tiers, keys, the 429, events,
the staff endpoints and the token authenticated once."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_ratelimit.core import _get_window
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from erp.users import api_user_create
from ratelimit.models import RateLimitEvent, RateLimitOverride
from ratelimit.services import caller_for, rate_limit_events_trim
from tests.api.openapi import assert_matches_schema
from tests.ratelimit.http import window_fresh_for_key

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("limits_on")]
TASK_COUNT = "/api/data-sync/user-task-count"
MY_INFO = "/api/rate-limit/my-info"


@pytest.fixture
def limits_on():
    with override_settings(RATE_LIMIT_ENABLED=True):
        yield


def client_for(username: str, role: str, **extra) -> APIClient:
    client = APIClient(**extra)
    token = api_user_create(username=username, role=role)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    client.rate_limit_key = f"user:{Token.objects.get(key=token).user_id}"
    return client


def burst(client, path: str, count: int, method: str = "get") -> list:
    """count requests, all inside one rate-limit window (one straddling a window's end would be
    counted in two and never refused)."""
    window_fresh_for_key(client.rate_limit_key)
    return [getattr(client, method)(path) for _ in range(count)]


def test_a_normal_user_gets_30_data_sync_requests_then_a_429_in_its_language():
    client = client_for("normal_zh", "normal", HTTP_ACCEPT_LANGUAGE="zh-hans")

    answers = burst(client, TASK_COUNT, 31)

    assert [r.status_code for r in answers] == [200] * 30 + [429]
    assert [int(r["X-RateLimit-Remaining"]) for r in answers] == list(range(29, -1, -1)) + [0]
    refused = answers[-1]
    body = refused.json()
    assert refused["X-RateLimit-Limit"] == "30" and int(refused["Retry-After"]) >= 1
    assert body["success"] is False and body["error"]["code"] == "rate_limited"
    assert body["error"]["detail"]["rate_limit_type"] == "data_sync"
    assert body["error"]["detail"]["rate_limit_key"].startswith("user:")
    assert "请求过多" in body["message"], body["message"]


def test_the_reset_is_the_first_second_of_the_next_window():
    """django-ratelimit's window is named by its last second, which still counts in it: a client that
    waits for X-RateLimit-Reset must find a fresh window, not one more second of the full one."""
    client = client_for("reset", "normal")
    before = _get_window(client.rate_limit_key, 60)
    response = client.get(TASK_COUNT)
    after = _get_window(client.rate_limit_key, 60)

    assert int(response["X-RateLimit-Reset"]) in {before + 1, after + 1}


def test_the_default_group_is_counted_apart_from_data_sync():
    client = client_for("apart", "normal")
    burst(client, TASK_COUNT, 5)

    response = client.get("/api/templates/")

    assert (response["X-RateLimit-Limit"], response["X-RateLimit-Remaining"]) == ("60", "59")


def test_the_endpoint_limit_bites_before_the_tier_limit():
    client = client_for("single", "premium")

    answers = burst(client, "/api/data-sync/single", 11, method="post")

    assert [r.status_code for r in answers[:10]] == [400] * 10  # no file_id: refused by the view, still counted
    assert answers[10].status_code == 429
    assert answers[10].json()["error"]["detail"]["rate_limit_type"] == "endpoint"
    assert answers[10]["X-RateLimit-Limit"] == "10"


@pytest.mark.parametrize(("role", "data_sync", "default"), [("admin", "100", "200"), ("premium", "50", "100"),
                                                            ("normal", "30", "60")])
def test_tiers_by_role(role, data_sync, default):
    client = client_for(f"tier_{role}", role)

    assert client.get(TASK_COUNT)["X-RateLimit-Limit"] == data_sync
    assert client.get("/api/templates/")["X-RateLimit-Limit"] == default


def test_anonymous_callers_are_limited_by_address_even_where_the_answer_is_401():
    client = APIClient(REMOTE_ADDR="10.9.8.7")
    client.rate_limit_key = "ip:10.9.8.7"

    answers = burst(client, TASK_COUNT, 11)

    assert [r.status_code for r in answers] == [401] * 10 + [429]
    assert answers[-1].json()["error"]["detail"]["rate_limit_key"] == "ip:10.9.8.7"


@pytest.mark.parametrize(("peer", "forwarded", "key"), [
    ("127.0.0.1", "203.0.113.9", "ip:203.0.113.9"),  # from the trusted proxy: its X-Real-IP
    ("198.51.100.4", "203.0.113.9", "ip:198.51.100.4"),  # anyone else: the header is ignored
    ("127.0.0.1", "not an address", "ip:127.0.0.1"),
    ("172.18.0.5", "203.0.113.9", "ip:203.0.113.9"),  # a proxy inside a trusted network
])
@override_settings(RATE_LIMIT_TRUSTED_PROXIES=["127.0.0.1", "172.16.0.0/12"])
def test_the_client_address_is_taken_from_x_real_ip_only_behind_the_trusted_proxy(peer, forwarded, key):
    request = RequestFactory().get(TASK_COUNT, REMOTE_ADDR=peer, HTTP_X_REAL_IP=forwarded)

    caller = caller_for(request, AnonymousUser())

    assert (caller.key, caller.tier) == (key, "anonymous")


def test_my_info_requires_login():
    """Seed 000: an anonymous caller learns nothing about the limits from my-info."""
    answer = APIClient(REMOTE_ADDR="10.9.8.8").get(MY_INFO)

    assert answer.status_code == 401 and answer.json()["success"] is False


def test_an_override_applies_to_the_next_request():
    client = client_for("overridden", "normal")
    assert client.get(TASK_COUNT)["X-RateLimit-Limit"] == "30"
    user_id = int(client.get(MY_INFO).json()["data"]["key"].split(":")[1])

    override = RateLimitOverride.objects.create(user_id=user_id, data_sync_per_minute=500, reason="import week")
    assert client.get(TASK_COUNT)["X-RateLimit-Limit"] == "500"

    override.delete()
    assert client.get(TASK_COUNT)["X-RateLimit-Limit"] == "30"


def test_a_role_change_applies_to_the_next_request():
    client = client_for("promoted", "normal")
    assert client.get(TASK_COUNT)["X-RateLimit-Limit"] == "30"

    api_user_create(username="promoted", role="premium")

    assert client.get(TASK_COUNT)["X-RateLimit-Limit"] == "50"


def test_a_token_is_looked_up_once_then_remembered_until_it_changes():
    client = client_for("one_lookup", "normal")

    with CaptureQueriesContext(connection) as first:
        assert client.get(TASK_COUNT).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get(TASK_COUNT).status_code == 200

    def lookups(queries):
        return sum("authtoken_token" in q["sql"] for q in queries.captured_queries)
    assert (lookups(first), lookups(second)) == (1, 0)
    Token.objects.filter(user__username="one_lookup").get().delete()
    assert client.get(TASK_COUNT).status_code == 401


def test_a_deactivated_user_is_refused_at_once():
    client = client_for("leaver", "normal")
    assert client.get(TASK_COUNT).status_code == 200

    user = User.objects.get(username="leaver")
    user.is_active = False
    user.save()

    assert client.get(TASK_COUNT).status_code == 401


def test_a_bad_token_is_limited_by_address_and_answered_401():
    client = APIClient(REMOTE_ADDR="10.1.1.1", HTTP_AUTHORIZATION="Token nope")

    response = client.get(TASK_COUNT)

    assert response.status_code == 401 and response["X-RateLimit-Limit"] == "10"


def test_staff_endpoints_show_the_refusals_and_anomalies():
    hammer = client_for("hammer", "normal")
    burst(hammer, TASK_COUNT, 65)  # 35 refusals, the last at 65 requests against 30: over 2x
    staff = client_for("rl_staff", "admin")

    stats = staff.get("/api/rate-limit/stats?minutes=10")
    events = staff.get("/api/rate-limit/events?key=" + hammer.get(MY_INFO).json()["data"]["key"])
    anomalies = staff.get("/api/rate-limit/anomalies?minutes=10")
    config = staff.get("/api/rate-limit/config")

    for response, template in [(stats, "/api/rate-limit/stats"), (events, "/api/rate-limit/events"),
                               (anomalies, "/api/rate-limit/anomalies"), (config, "/api/rate-limit/config")]:
        assert response.status_code == 200, response.json()
        assert_matches_schema(response, template, "get")
    row = next(r for r in stats.json()["data"]["by_key"] if r["scope"] == "data_sync")
    assert (row["events"], row["max_count"], row["limit"]) == (35, 65, 30)
    assert events.json()["data"]["count"] == 35
    rules = {a["rule"] for a in anomalies.json()["data"] if a["key"] == row["key"]}
    assert rules == {"repeated_limits", "far_above_limit"}
    assert config.json()["data"]["tiers"]["normal"] == {"default": 60, "data_sync": 30, "auth": 5, "polling": 360}

    assert staff.delete("/api/rate-limit/stats").json()["data"]["deleted_events"] == 35
    assert staff.get("/api/rate-limit/stats").json()["data"]["total_events"] == 0


@pytest.mark.parametrize("path", ["/api/rate-limit/stats", "/api/rate-limit/events", "/api/rate-limit/anomalies",
                                  "/api/rate-limit/config"])
def test_staff_endpoints_refuse_other_users(path):
    assert client_for("curious", "premium").get(path).status_code == 403


def test_my_info_shows_the_callers_tier_limits_and_usage():
    client = client_for("me", "premium")
    burst(client, TASK_COUNT, 3)

    response = client.get(MY_INFO)

    assert_matches_schema(response, MY_INFO, "get")
    info = response.json()["data"]
    assert (info["tier"], info["limits"]["data_sync"], info["counting"]) == ("premium", 50, True)
    data_sync = next(u for u in info["usage"] if u["scope"] == "data_sync")
    assert (data_sync["used"], data_sync["remaining"]) == (3, 47)


@override_settings(RATE_LIMIT_EVENT_MAX_ROWS=5, RATE_LIMIT_EVENT_RETENTION_HOURS=1)
def test_events_stay_bounded():
    events = [RateLimitEvent.objects.create(key=f"ip:10.0.0.{i}", tier="anonymous", rate_limit_type="data_sync",
                                            scope="data_sync", method="GET", path="/api/x", limit=10, count=11)
              for i in range(9)]
    RateLimitEvent.objects.filter(pk=events[0].pk).update(created_at=timezone.now() - timedelta(hours=2))

    assert rate_limit_events_trim() == 4
    assert list(RateLimitEvent.objects.order_by("pk").values_list("pk", flat=True)) == [e.pk for e in events[4:]]


def test_the_auth_group_limits_token_requests():
    client = APIClient(REMOTE_ADDR="10.2.2.2")

    answers = [client.post("/api/auth/token", {"username": "x", "password": "y"}, format="json") for _ in range(4)]

    assert [r.status_code for r in answers] == [400, 400, 400, 429]
