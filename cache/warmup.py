"""Warm-up: recompute and store the hot keys (after a deploy, and by beat before they expire)."""

from cache.decorators import MISS
from cache.selectors import account_stats, collection_accounts, component_versions_active

# The reads the front end makes without filters, and the enabled accounts the collectors ask for.
HOT_READS = [
    (collection_accounts, {"platform": None, "enabled": None}),
    (collection_accounts, {"platform": None, "enabled": True}),
    (account_stats, {}),
    (component_versions_active, {"platform": None}),
]


def cache_warm() -> dict[str, int]:
    """Keys stored per cache type (0 for every type while the store is down)."""
    warmed: dict[str, int] = {}
    for read, kwargs in HOT_READS:
        stored = read.refresh(**kwargs).source == MISS
        warmed[read.cache_type] = warmed.get(read.cache_type, 0) + int(stored)
    return warmed
