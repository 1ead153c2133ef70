"""The cached reads behind /api/collection/accounts, /api/accounts/stats and /api/component-versions.
Each returns JSON-safe data; the signals in cache/signals.py invalidate them when their rows change."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from cache.decorators import cache_result
from cache.serializers import ComponentVersionSerializer, PlatformAccountSerializer
from sync.models import ComponentVersion, PlatformAccount

# "Recently collected" means within this many hours (a daily collection counts).
RECENT_HOURS = 24


@cache_result(cache_type="accounts", key_func=lambda *, platform, enabled: {"platform": platform, "enabled": enabled})
def collection_accounts(*, platform: str | None, enabled: bool | None) -> list[dict]:
    accounts = PlatformAccount.objects.order_by("platform_code", "shop_id")
    if platform:
        accounts = accounts.filter(platform_code=platform)
    if enabled is not None:
        accounts = accounts.filter(enabled=enabled)
    return PlatformAccountSerializer(accounts, many=True).data


@cache_result(cache_type="account_stats", key_func=lambda: {})
def account_stats() -> dict:
    """Counts per platform in one grouped query; cached for the type's TTL, so 'recently' may lag by it."""
    since = timezone.now() - timedelta(hours=RECENT_HOURS)
    rows = list(PlatformAccount.objects.order_by("platform_code").values("platform_code").annotate(
        total=Count("id"), enabled=Count("id", filter=Q(enabled=True)),
        recently_collected=Count("id", filter=Q(last_collected_at__gte=since))))
    total, enabled = sum(r["total"] for r in rows), sum(r["enabled"] for r in rows)
    return {"total": total, "enabled": enabled, "disabled": total - enabled,
            "recently_collected": sum(r["recently_collected"] for r in rows), "recent_hours": RECENT_HOURS,
            "by_platform": rows}


@cache_result(cache_type="component_versions", key_func=lambda *, platform: {"platform": platform})
def component_versions_active(*, platform: str | None) -> list[dict]:
    versions = ComponentVersion.objects.filter(is_active=True).order_by("platform_code", "component_name", "-released_at")
    if platform:
        versions = versions.filter(platform_code=platform)
    return ComponentVersionSerializer(versions, many=True).data
