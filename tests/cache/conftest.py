"""A clean cache layer per test (values, counters and this process's outage state), accounts and
component versions to read, and an HTTP GET that also returns the headers."""

import json
import urllib.error
import urllib.request
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


def http_get(url: str, token: str | None = None) -> tuple[int, dict, dict]:
    """(status, JSON body, headers) of a real GET; (0, {}, {}) when nothing answers."""
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}"), dict(error.headers)
    except OSError:
        return 0, {}, {}


# The API personas (a normal user, staff, anonymous) of tests/api.
from tests.api.conftest import anonymous, owner, staff  # noqa: E402, F401
