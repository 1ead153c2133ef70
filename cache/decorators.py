"""@cache_result: cache a service function's JSON-safe result under erp:{cache_type}:{hash of its
parameters}, computing it once however many processes miss the same cold key together."""

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cache import keys
from cache.services import (MISSING, cache_delete, cache_generation, cache_get, cache_key, cache_retry_pending,
                            cache_set)
from cache.stats import stats_record
from cache.store import available, guarded, store

HIT, MISS, BYPASS = "HIT", "MISS", "BYPASS"
# The one process that missed first computes under this lock; it expires on its own if that process
# dies. Longer than any cached query should take.
LOCK_TTL_S = 30
# The others wait this long for its value, polling; past it they compute themselves.
LOCK_WAIT_S = 10.0
LOCK_POLL_S = 0.02


@dataclass(frozen=True)
class Lookup:
    value: Any
    source: str  # HIT: from the cache; MISS: computed here and stored; BYPASS: the store is down


def cached_call(*, cache_type: str, params, compute: Callable[[], Any], ttl: int | None = None,
                refresh: bool = False) -> Lookup:
    """The cached value of compute() under (cache_type, params). refresh=True recomputes and stores
    it whatever the cache holds (the warm-up)."""
    cache_retry_pending()
    if not available():
        return Lookup(_json_safe(compute()), BYPASS)
    key = cache_key(cache_type, params)
    if refresh:
        return Lookup(_compute_and_store(key, cache_type, compute, ttl), MISS)
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        value = cache_get(key)
        if value is not MISSING:
            stats_record(cache_type, "hits")
            return Lookup(value, HIT)
        if not available():  # the store failed during this lookup
            return Lookup(_json_safe(compute()), BYPASS)
        if _lock_take(key):
            try:
                # The holder before us may have stored the value and let go between our get and our take.
                if (value := cache_get(key)) is not MISSING:
                    stats_record(cache_type, "hits")
                    return Lookup(value, HIT)
                stats_record(cache_type, "misses")
                return Lookup(_compute_and_store(key, cache_type, compute, ttl), MISS)
            finally:
                guarded("unlock", lambda: store().delete(keys.lock_key(key)), None)
        if time.monotonic() >= deadline:  # the lock holder is stuck or gone: do not wait longer
            stats_record(cache_type, "misses")
            return Lookup(_compute_and_store(key, cache_type, compute, ttl), MISS)
        time.sleep(LOCK_POLL_S)


def cache_result(ttl: int | None = None, key_func: Callable[..., Any] | None = None, *, cache_type: str):
    """Decorate a function returning JSON-safe data. key_func(*args, **kwargs) gives the parameters to
    hash (default: the function's name and arguments); ttl defaults to the type's TTL in settings.
    The wrapper returns the value; wrapper.lookup(...) returns a Lookup that also says where it came
    from; wrapper.refresh(...) recomputes and stores."""

    def decorate(func):
        def params_of(args, kwargs):
            return key_func(*args, **kwargs) if key_func else [func.__module__, func.__qualname__, args, kwargs]

        def lookup(*args, refresh: bool = False, **kwargs) -> Lookup:
            # Through __wrapped__, so a test can count the computations in a server process.
            return cached_call(cache_type=cache_type, params=params_of(args, kwargs), ttl=ttl, refresh=refresh,
                               compute=lambda: wrapper.__wrapped__(*args, **kwargs))

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            return lookup(*args, **kwargs).value

        wrapper.lookup = lookup
        wrapper.refresh = functools.partial(lookup, refresh=True)
        wrapper.cache_type = cache_type
        return wrapper

    return decorate


def _compute_and_store(key: str, cache_type: str, compute, ttl: int | None):
    generation = cache_generation(cache_type)
    value = _json_safe(compute())
    cache_set(key, value, cache_type=cache_type, ttl=ttl)
    # An invalidation that ran while we computed may have deleted the key before our set: what we
    # stored may predate the change it announced.
    if cache_generation(cache_type) != generation:
        cache_delete(key)
    return value


def _lock_take(key: str) -> bool:
    return guarded("lock", lambda: store().add(keys.lock_key(key), 1, LOCK_TTL_S), True)


def _json_safe(value):
    """What a cache hit would return: the same JSON, so cached and computed answers never differ."""
    return json.loads(json.dumps(value))
