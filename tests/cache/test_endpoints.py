"""The three cached reads and the cache stats through the API: same data cached as computed, the cache
only in the X-Cache header, every change (admin, API, bulk service, ORM delete) visible on the next
read, staff-only stats with a reset, and every answer matching the published schema."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from cache.selectors import account_stats, collection_accounts, component_versions_active
from sync.services.accounts import platform_accounts_set_enabled
from tests.api.openapi import assert_matches_schema

pytestmark = pytest.mark.django_db
ACCOUNTS, STATS, VERSIONS, CACHE_STATS = ("/api/collection/accounts", "/api/accounts/stats",
                                          "/api/component-versions", "/api/system/cache-stats")


def read(client, path: str, query: str = "", expect: str | None = None):
    response = client.get(path + query)
    assert_matches_schema(response, path)
    body = response.json()
    assert response.status_code == 200 and body["success"] is True, body
    assert set(body) == {"success", "data", "message"}  # nothing about the cache in the body
    if expect:
        assert response["X-Cache"] == expect
    return body["data"]


def shop_ids(data) -> list[str]:
    return [a["shop_id"] for a in data]


@pytest.mark.parametrize(("path", "query", "uncached"), [
    (ACCOUNTS, "", lambda: collection_accounts.__wrapped__(platform=None, enabled=None)),
    (ACCOUNTS, "?platform=amazon&enabled=true", lambda: collection_accounts.__wrapped__(platform="amazon", enabled=True)),
    (ACCOUNTS, "?enabled=false", lambda: collection_accounts.__wrapped__(platform=None, enabled=False)),
    (STATS, "", lambda: account_stats.__wrapped__()),
    (VERSIONS, "", lambda: component_versions_active.__wrapped__(platform=None)),
    (VERSIONS, "?platform=tiktok", lambda: component_versions_active.__wrapped__(platform="tiktok")),
])
def test_cached_answer_is_the_same_data_as_the_uncached_one(owner, accounts, versions, path, query, uncached):
    computed = read(owner, path, query, expect="MISS")
    cached = read(owner, path, query, expect="HIT")

    assert cached == computed == uncached()


def test_filters_and_counts(owner, accounts, versions):
    assert shop_ids(read(owner, ACCOUNTS, "?platform=amazon&enabled=true")) == ["a1", "a2"]
    assert shop_ids(read(owner, ACCOUNTS, "?enabled=false")) == ["s2"]
    stats = read(owner, STATS)
    assert (stats["total"], stats["enabled"], stats["disabled"], stats["recently_collected"]) == (5, 4, 1, 2)
    assert {p["platform_code"]: (p["total"], p["enabled"], p["recently_collected"]) for p in stats["by_platform"]} == {
        "amazon": (2, 2, 1), "lazada": (1, 1, 0), "shopee": (2, 1, 1)}
    assert [(v["component_name"], v["version"]) for v in read(owner, VERSIONS)] == [
        ("shopee-collector", "1.2.0"), ("tiktok-collector", "0.9.1")]


def test_bad_filter_is_a_400_in_the_envelope(owner):
    response = owner.get(ACCOUNTS + "?platform=ebay")

    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"
    assert_matches_schema(response, ACCOUNTS)


def test_reads_need_a_login(anonymous):
    for path in (ACCOUNTS, STATS, VERSIONS, CACHE_STATS):
        assert anonymous.get(path).status_code == 401


def test_an_admin_edit_is_visible_on_the_next_read(owner, staff, accounts, django_capture_on_commit_callbacks):
    read(owner, ACCOUNTS, "?enabled=true", expect="MISS")
    read(owner, STATS, expect="MISS")
    admin = Client()
    admin.force_login(User.objects.get(username="operator"))
    account = accounts[0]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/admin/sync/platformaccount/{account.pk}/change/", {
            "platform_code": account.platform_code, "shop_id": account.shop_id, "shop_name": "Renamed",
            "region": "", "timezone": "", "last_collected_at_0": "", "last_collected_at_1": ""})  # enabled unticked

    assert response.status_code == 302, response.content[:2000]
    assert "s1" not in shop_ids(read(owner, ACCOUNTS, "?enabled=true", expect="MISS"))
    assert read(owner, STATS, expect="MISS")["enabled"] == 3


def test_an_api_edit_is_visible_on_the_next_read(owner, staff, accounts, django_capture_on_commit_callbacks):
    read(owner, ACCOUNTS, "?platform=lazada", expect="MISS")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.patch(f"{ACCOUNTS}/{accounts[2].pk}", {"shop_name": "Lazada MY"}, format="json")

    assert response.status_code == 200 and response.json()["data"]["shop_name"] == "Lazada MY"
    assert read(owner, ACCOUNTS, "?platform=lazada", expect="MISS")[0]["shop_name"] == "Lazada MY"


def test_only_staff_edit_accounts(owner, accounts):
    response = owner.patch(f"{ACCOUNTS}/{accounts[0].pk}", {"enabled": False}, format="json")

    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_a_bulk_update_through_the_service_and_an_orm_delete_are_visible_on_the_next_read(
        owner, accounts, versions, django_capture_on_commit_callbacks):
    read(owner, STATS, expect="MISS")
    read(owner, VERSIONS, expect="MISS")

    with django_capture_on_commit_callbacks(execute=True):
        platform_accounts_set_enabled(account_ids=[a.pk for a in accounts], enabled=False)
        versions[0].delete()

    assert read(owner, STATS, expect="MISS")["enabled"] == 0
    assert [v["version"] for v in read(owner, VERSIONS, expect="MISS")] == ["0.9.1"]


def test_invalidation_waits_for_the_commit(owner, accounts, django_capture_on_commit_callbacks):
    read(owner, STATS, expect="MISS")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        accounts[0].enabled = False
        accounts[0].save()

    assert read(owner, STATS, expect="HIT")["enabled"] == 4  # not committed yet: the cache stands
    for callback in callbacks:
        callback()
    assert read(owner, STATS, expect="MISS")["enabled"] == 3


def test_cache_stats_are_for_staff_and_delete_resets_them(owner, staff, accounts):
    read(owner, STATS)
    read(owner, STATS)
    read(owner, ACCOUNTS)

    assert owner.get(CACHE_STATS).status_code == 403
    assert owner.delete(CACHE_STATS).status_code == 403
    stats = read(staff, CACHE_STATS)
    by_type = {t["cache_type"]: t for t in stats["types"]}
    assert (stats["backend"], stats["available"]) == ("redis", True)
    assert (by_type["account_stats"]["hits"], by_type["account_stats"]["misses"], by_type["account_stats"]["keys"],
            by_type["account_stats"]["hit_rate"]) == (1, 1, 1, 0.5)
    assert (by_type["accounts"]["misses"], by_type["accounts"]["keys"], by_type["accounts"]["ttl_s"]) == (1, 1, 300)
    assert (stats["totals"]["hits"], stats["totals"]["misses"]) == (1, 2)

    response = staff.delete(CACHE_STATS)

    assert_matches_schema(response, CACHE_STATS, "delete")
    assert response.json()["data"]["totals"] == {"hits": 0, "misses": 0, "sets": 0, "invalidations": 0,
                                                 "hit_rate": None}
    assert read(staff, CACHE_STATS)["totals"]["hits"] == 0
