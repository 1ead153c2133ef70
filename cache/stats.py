"""Hits, misses, sets and invalidations per cache type, counted in the cache store itself, so every web
and worker process adds to the same numbers (atomic INCR on Redis; the embedded DatabaseCache's incr
is a read and a write, close enough for its single web process)."""

from dataclasses import dataclass

from cache import keys
from cache.store import available, guarded, store, supports_patterns


@dataclass
class TypeStats:
    cache_type: str
    ttl_s: int
    hits: int
    misses: int
    sets: int
    invalidations: int
    keys: int | None  # None where the store cannot list keys

    @property
    def hit_rate(self) -> float | None:
        lookups = self.hits + self.misses
        return round(self.hits / lookups, 4) if lookups else None


def counter_add(key: str, delta: int = 1) -> int:
    """Atomic on Redis; a counter that does not exist yet starts at 0 and never expires."""
    try:
        return store().incr(key, delta)
    except ValueError:  # Django's incr refuses a missing key
        store().add(key, 0, timeout=None)
        return store().incr(key, delta)


def stats_record(cache_type: str, name: str) -> None:
    guarded("stats", lambda: counter_add(keys.stat_key(cache_type, name)), None)


def stats_read() -> list[TypeStats]:
    """One read of every counter; zeros while the store is down."""
    wanted = [keys.stat_key(t, n) for t in keys.cache_types() for n in keys.STAT_NAMES]
    values = guarded("stats", lambda: store().get_many(wanted), {})
    return [TypeStats(cache_type=t, ttl_s=keys.ttl_of(t), keys=cache_key_count(t),
                      **{n: int(values.get(keys.stat_key(t, n)) or 0) for n in keys.STAT_NAMES})
            for t in keys.cache_types()]


def stats_reset() -> None:
    guarded("stats", lambda: store().delete_many(
        [keys.stat_key(t, n) for t in keys.cache_types() for n in keys.STAT_NAMES]), None)


def store_status() -> dict:
    return {"backend": "redis" if supports_patterns() else "database", "available": available()}


def cache_key_count(cache_type: str) -> int | None:
    """Live values of one type (SCAN); None where the store cannot list keys."""
    if not supports_patterns():
        return None
    return guarded("count", lambda: sum(1 for _ in store().iter_keys(keys.type_pattern(cache_type))), None)
