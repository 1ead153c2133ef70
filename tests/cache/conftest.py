"""A clean cache layer per test (values, counters and this process's outage state), accounts and
component versions to read."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cache.keys import PREFIX
from cache.store import breaker, store
from sync.models import ComponentVersion, PlatformAccount


def cache_clear():
    store().delete_pattern(f"{PREFIX}:*")
    breaker.down_until = 0.0


@pytest.fixture(autouse=True)
def clean_cache():
    cache_clear()
    yield
    cache_clear()


@pytest.fixture
def accounts(db) -> list[PlatformAccount]:
    recent, old = timezone.now() - timedelta(hours=2), timezone.now() - timedelta(days=3)
    rows = [("shopee", "s1", True, recent), ("shopee", "s2", False, old), ("lazada", "l1", True, None),
            ("amazon", "a1", True, recent), ("amazon", "a2", True, old)]
    return [PlatformAccount.objects.create(platform_code=p, shop_id=s, shop_name=f"Shop {s}", enabled=e,
                                           last_collected_at=c) for p, s, e, c in rows]


@pytest.fixture
def versions(db) -> list[ComponentVersion]:
    rows = [("shopee-collector", "shopee", "1.2.0", True), ("shopee-collector", "shopee", "1.1.0", False),
            ("tiktok-collector", "tiktok", "0.9.1", True)]
    return [ComponentVersion.objects.create(component_name=c, platform_code=p, version=v, is_active=a)
            for c, p, v, a in rows]
