"""The cache layer's access to the store, guarded: when Redis fails, this process stops asking it for
RETRY_S seconds (reads become misses, writes are skipped) and says so in one warning per
WARNING_INTERVAL_S, instead of paying a connection timeout and logging a traceback on every call."""

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
T = TypeVar("T")

# After a failure, the store is tried again this many seconds later (one request pays for the probe).
RETRY_S = 5.0
# At most one "cache unavailable" warning per process per this many seconds.
WARNING_INTERVAL_S = 60.0
STORE_ERRORS = (RedisError, ConnectionInterrupted)


class _Breaker:
    def __init__(self):
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.warned_at = -WARNING_INTERVAL_S

    def is_open(self) -> bool:
        return time.monotonic() < self.down_until

    def trip(self, exc: Exception, what: str):
        now = time.monotonic()
        with self.lock:
            self.down_until = now + RETRY_S
            warn = now - self.warned_at >= WARNING_INTERVAL_S
            if warn:
                self.warned_at = now
        if warn:
            logger.warning("cache unavailable (%s: %s during %s): reading from the database and skipping "
                           "cache writes; next warning in %.0f s at the earliest",
                           type(exc).__name__, exc, what, WARNING_INTERVAL_S)


breaker = _Breaker()


def store():
    return caches[settings.ERP_CACHE_ALIAS]


def available() -> bool:
    return not breaker.is_open()


def guarded(what: str, operation: Callable[[], T], fallback: T) -> T:
    """operation() against the store, or `fallback` while the store is down."""
    if breaker.is_open():
        return fallback
    try:
        return operation()
    except STORE_ERRORS as exc:
        breaker.trip(exc, what)
        return fallback


def supports_patterns() -> bool:
    """django-redis deletes by pattern (SCAN); other backends get a generation bump instead."""
    return hasattr(store(), "delete_pattern")
