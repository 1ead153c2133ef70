"""The cache service: get / set / delete / delete_pattern over Django's cache API, one code path for
django-redis (production) and DatabaseCache (embedded default). Values are stored as JSON text, so what
comes out of the cache is exactly what a fresh computation renders.

Every type keeps a generation counter that each invalidation bumps. Where the store cannot delete by
pattern, the generation is part of every key (a bump orphans the old keys, which then expire); on
Redis it lets a reader that computed during an invalidation notice and drop what it stored.
"""

import json
import threading
from functools import partial

from django.db import transaction

from cache import keys
from cache.stats import counter_add, stats_record
from cache.store import available, guarded, store, supports_patterns

MISSING = object()
# Invalidations that failed while the store was down; retried in this process once it answers.
_pending_lock = threading.Lock()
_pending: set[str] = set()


def cache_key(cache_type: str, params) -> str:
    return keys.value_key(cache_type, params, None if supports_patterns() else cache_generation(cache_type))


def cache_get(key: str):
    """The stored value, or MISSING (also while the store is down)."""
    text = guarded("get", lambda: store().get(key), None)
    return MISSING if text is None else json.loads(text)


def cache_set(key: str, value, *, cache_type: str, ttl: int | None = None) -> bool:
    """Store a JSON-safe value (TypeError otherwise); False when the store is down (the write is skipped)."""
    text = json.dumps(value)
    stored = guarded("set", lambda: store().set(key, text, ttl or keys.ttl_of(cache_type)) or True, False)
    if stored:
        stats_record(cache_type, "sets")
    return stored


def cache_delete(key: str) -> bool:
    return guarded("delete", lambda: store().delete(key) or True, False)


def cache_delete_pattern(*, cache_type: str) -> int | None:
    """Remove every value of one type: SCAN-delete on Redis, a generation bump elsewhere. Returns the
    number of keys deleted (0 on stores without patterns), or None when the store is down, in which
    case it is retried by this process once the store answers again."""

    def invalidate() -> int:
        counter_add(keys.generation_key(cache_type))  # first: see cache_result's race check
        return store().delete_pattern(keys.type_pattern(cache_type)) if supports_patterns() else 0

    deleted = guarded("invalidate", invalidate, None)
    with _pending_lock:
        (_pending.discard if deleted is not None else _pending.add)(cache_type)
    if deleted is not None:
        stats_record(cache_type, "invalidations")
    return deleted


def cache_invalidate_on_commit(*, cache_types) -> None:
    """Invalidate when the current transaction commits (at once outside one): earlier, a concurrent
    reader could still read the old rows and cache them again."""
    for cache_type in cache_types:
        transaction.on_commit(partial(cache_delete_pattern, cache_type=cache_type))


def cache_retry_pending() -> None:
    """Invalidations missed during an outage run as soon as the store answers again."""
    if not _pending or not available():
        return
    with _pending_lock:
        waiting = sorted(_pending)
    for cache_type in waiting:
        cache_delete_pattern(cache_type=cache_type)


def cache_generation(cache_type: str) -> int:
    return guarded("generation", lambda: store().get(keys.generation_key(cache_type)) or 0, 0)

