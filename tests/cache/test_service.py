"""The cache service and @cache_result against the run's real Redis: key scheme, JSON values, pattern
deletion by type, TTL from settings, shared counters, one computation for 50 concurrent misses."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from cache import keys
from cache.decorators import HIT, MISS, cache_result
from cache.services import MISSING, cache_delete, cache_delete_pattern, cache_get, cache_key, cache_set
from cache.stats import cache_key_count, stats_read, stats_reset
from cache.store import store


def stats_of(cache_type: str):
    return next(t for t in stats_read() if t.cache_type == cache_type)


def test_keys_follow_the_scheme_and_hash_the_parameters():
    key = cache_key("accounts", {"platform": "shopee", "enabled": True})

    prefix, cache_type, digest = key.split(":")
    assert (prefix, cache_type, len(digest)) == ("erp", "accounts", 32)
    assert key == cache_key("accounts", {"enabled": True, "platform": "shopee"})  # order does not matter
    assert key != cache_key("accounts", {"platform": "lazada", "enabled": True})


def test_values_round_trip_as_json_and_non_json_values_are_refused():
    key = cache_key("accounts", {"n": 1})

    assert cache_set(key, {"a": [1, 2.5, None, "x"]}, cache_type="accounts")
    assert cache_get(key) == {"a": [1, 2.5, None, "x"]}
    assert cache_delete(key) and cache_get(key) is MISSING
    with pytest.raises(TypeError):
        cache_set(key, {"when": object()}, cache_type="accounts")


@override_settings(ERP_CACHE_TTL_S={"accounts": 123, "account_stats": 300, "component_versions": 300})
def test_ttl_comes_from_the_settings_of_the_type():
    key = cache_key("accounts", {"n": 2})

    cache_set(key, [], cache_type="accounts")

    assert 120 <= store().ttl(key) <= 123


def test_pattern_deletion_removes_exactly_the_keys_of_one_type():
    for cache_type in ("accounts", "account_stats", "component_versions"):
        for n in range(3):
            cache_set(cache_key(cache_type, {"n": n}), n, cache_type=cache_type)
    before = {t: cache_key_count(t) for t in keys.cache_types()}

    deleted = cache_delete_pattern(cache_type="accounts")

    assert before == {"accounts": 3, "account_stats": 3, "component_versions": 3}
    assert deleted == 3
    assert {t: cache_key_count(t) for t in keys.cache_types()} == {"accounts": 0, "account_stats": 3,
                                                                   "component_versions": 3}
    assert cache_get(cache_key("account_stats", {"n": 0})) == 0
    assert stats_of("accounts").sets == 3  # the counters are not values of the type: they stay
    assert stats_of("accounts").invalidations == 1


def test_decorated_function_computes_on_a_miss_and_counts_hits_and_misses():
    calls = []

    @cache_result(60, key_func=lambda n: {"n": n}, cache_type="component_versions")
    def square(n):
        calls.append(n)
        return {"square": n * n}

    first, second, other = square.lookup(3), square.lookup(3), square.lookup(4)

    assert (first.source, second.source, other.source) == (MISS, HIT, MISS)
    assert first.value == second.value == {"square": 9} and calls == [3, 4]
    stats = stats_of("component_versions")
    assert (stats.hits, stats.misses, stats.sets, stats.hit_rate) == (1, 2, 2, round(1 / 3, 4))
    stats_reset()
    assert stats_of("component_versions").hits == 0


def test_fifty_concurrent_misses_on_a_cold_key_compute_once():
    computed = []
    gate = threading.Barrier(50)

    @cache_result(key_func=lambda: {}, cache_type="account_stats")
    def slow():
        computed.append(1)
        time.sleep(0.3)  # long enough that every thread misses while the first computes
        return {"answer": 42}

    def call(_):
        gate.wait()
        return slow.lookup()

    with ThreadPoolExecutor(max_workers=50) as pool:
        lookups = list(pool.map(call, range(50)))

    assert len(computed) == 1
    assert all(lookup.value == {"answer": 42} for lookup in lookups)
    assert sorted(lookup.source for lookup in lookups) == [HIT] * 49 + [MISS]
    stats = stats_of("account_stats")
    assert (stats.hits, stats.misses) == (49, 1)


@pytest.mark.django_db
def test_the_embedded_database_cache_deletes_one_type_by_a_generation_bump():
    database_cache = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "erp_cache_test"}
    with override_settings(CACHES={**settings.CACHES, settings.ERP_CACHE_ALIAS: database_cache}):
        call_command("createcachetable", database="default")
        cache_set(cache_key("accounts", {"n": 1}), "a", cache_type="accounts")
        cache_set(cache_key("account_stats", {"n": 1}), "s", cache_type="account_stats")

        assert cache_delete_pattern(cache_type="accounts") == 0  # nothing deleted: the old key is orphaned

        assert cache_key("accounts", {"n": 1}).startswith("erp:accounts:")
        assert cache_get(cache_key("accounts", {"n": 1})) is MISSING
        assert cache_get(cache_key("account_stats", {"n": 1})) == "s"
        assert (stats_of("accounts").invalidations, stats_of("accounts").keys) == (1, None)
