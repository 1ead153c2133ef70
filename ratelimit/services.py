"""Per-caller rate limits (DESIGN.md 8): who the caller is, which limits apply to a request, counting
them with django-ratelimit, and the 429 events kept for the stats, events and anomaly endpoints.

Counting needs the "ratelimit" cache (Redis in production). When it cannot count, requests are served
without limits (fail open) for RATE_LIMIT_RETRY_S, with a warning and a metric, then it tries again.
"""

import functools
import ipaddress
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.db.models import Count, Max
from django.utils import timezone
from django_ratelimit.core import get_usage

from erp.users import user_role
from ratelimit import metrics
from ratelimit.memo import ProcessMemo
from ratelimit.models import RateLimitEvent, RateLimitOverride

logger = logging.getLogger(__name__)
CALLER_CACHE_KEY = "erp:ratelimit:caller:{user_id}"
CALLER_CACHE_TTL_S = 300
ANONYMOUS = "anonymous"
ENDPOINT = "endpoint"
WINDOW_S = 60

_paused_until = 0.0  # this process counts nothing until then (the counting cache failed)
# user id -> tier and limits: a request's counting then costs django-ratelimit's two Redis round trips
# and no third one for the caller.
_callers = ProcessMemo()


@dataclass(frozen=True)
class Caller:
    key: str  # user:{id} or ip:{address}
    tier: str
    limits: dict[str, int]  # group -> requests per minute (the tier's, with the user's override)
    user_id: int | None = None


@dataclass(frozen=True)
class Limit:
    rate_limit_type: str  # the group ("data_sync"), or "endpoint"
    scope: str  # the group, or "POST /api/data-sync/single"
    per_minute: int


@dataclass(frozen=True)
class Usage:
    limit: Limit
    count: int
    time_left: int

    @property
    def remaining(self) -> int:
        return max(self.limit.per_minute - self.count, 0)

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit.per_minute

    @property
    def seconds_to_reset(self) -> int:
        # django-ratelimit's time_left counts to the window's last whole second, which still belongs to
        # the window: the next window begins one second later.
        return max(self.time_left, 0) + 1

    @property
    def reset_at(self) -> int:
        return int(time.time()) + self.seconds_to_reset


@dataclass(frozen=True)
class Decision:
    usages: list[Usage]

    @property
    def strictest(self) -> Usage:
        """The limit that refuses, or else the one with the fewest requests left."""
        return min(self.usages, key=lambda u: (not u.exceeded, u.remaining))

    @property
    def refused(self) -> bool:
        return self.strictest.exceeded


# --- Who calls, and which limits apply ---------------------------------------------------------------


def caller_for(request, user) -> Caller:
    if user is None or not user.is_authenticated:
        return Caller(key=f"ip:{client_ip(request)}", tier=ANONYMOUS, limits=dict(settings.RATE_LIMIT_TIERS[ANONYMOUS]))
    cached = _callers.get(user.pk)
    if cached is None:
        cached = _cache().get(CALLER_CACHE_KEY.format(user_id=user.pk))
        if cached is None:
            cached = _caller_limits(user)
            _cache().set(CALLER_CACHE_KEY.format(user_id=user.pk), cached, CALLER_CACHE_TTL_S)
        _callers.put(user.pk, cached, settings.RATE_LIMIT_CALLER_LOCAL_S)
    return Caller(key=f"user:{user.pk}", tier=cached["tier"], limits=cached["limits"], user_id=user.pk)


def caller_forget(user_id: int):
    """Drop a user's cached tier and limits: this process uses the change on the next request, the
    other processes once their local copy expires (RATE_LIMIT_CALLER_LOCAL_S)."""
    _callers.forget(lambda key, _value: key == user_id)
    _cache().delete(CALLER_CACHE_KEY.format(user_id=user_id))


def _caller_limits(user) -> dict:
    tier = user_role(user)
    override = RateLimitOverride.objects.filter(user=user).first()
    return {"tier": tier, "limits": {**settings.RATE_LIMIT_TIERS[tier], **(override.per_group() if override else {})}}


def client_ip(request) -> str:
    """The socket's peer, or the address the trusted proxy in front forwards (X-Real-IP, else the last
    X-Forwarded-For hop, which that proxy appended)."""
    peer = request.META.get("REMOTE_ADDR", "")
    if not _is_trusted_proxy(peer):
        return peer
    forwarded = request.META.get("HTTP_X_REAL_IP") or request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1]
    try:
        return str(ipaddress.ip_address(forwarded.strip()))
    except ValueError:
        return peer


def _is_trusted_proxy(address: str) -> bool:
    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(peer in network for network in _networks(tuple(settings.RATE_LIMIT_TRUSTED_PROXIES)))


@functools.cache
def _networks(entries: tuple[str, ...]) -> list:
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]


def group_of(path: str, method: str = "GET") -> str:
    """The first group whose prefixes match the path and, when RATE_LIMIT_GROUP_METHODS names the group's
    methods, the method (so polling reads and submissions to one prefix count apart)."""
    methods = getattr(settings, "RATE_LIMIT_GROUP_METHODS", {})
    return next((group for group, prefixes in settings.RATE_LIMIT_GROUPS.items()
                 if path.startswith(prefixes) and (group not in methods or method in methods[group])), "default")


def limits_for(caller: Caller, method: str, path: str) -> list[Limit]:
    group = group_of(path, method)
    # A caller cached before a group was added lacks it: the tier's value then.
    limits = [Limit(group, group, caller.limits.get(group, settings.RATE_LIMIT_TIERS[caller.tier][group]))]
    endpoint_limit = settings.RATE_LIMIT_ENDPOINTS.get(path.rstrip("/"))
    if endpoint_limit is not None and method == "POST":
        limits.append(Limit(ENDPOINT, f"POST {path.rstrip('/')}", endpoint_limit))
    return limits


# --- Counting ----------------------------------------------------------------------------------------------


def counting_paused() -> bool:
    return time.monotonic() < _paused_until


def rate_limit_check(request, caller: Caller, limits: list[Limit], *, increment: bool = True) -> Decision | None:
    """Count this request against each limit (django-ratelimit, fixed one-minute windows per key).
    None when the counting cache failed: the request goes through unlimited."""
    usages = []
    for limit in limits:
        usage = get_usage(request, group=f"erp:{limit.scope}", key=lambda _group, _request: caller.key,
                          rate=lambda _group, _request, limit=limit: f"{limit.per_minute}/m", method=get_usage.ALL,
                          increment=increment)
        if usage is None:
            _pause_counting(caller)
            return None
        usages.append(Usage(limit, usage["count"], usage["time_left"]))
    return Decision(usages)


def _pause_counting(caller: Caller):
    global _paused_until
    _paused_until = time.monotonic() + settings.RATE_LIMIT_RETRY_S
    metrics.FAIL_OPEN.inc()
    logger.warning("rate limits: the counting cache is unreachable (at %s); serving requests without limits "
                   "for %.0f s", caller.key, settings.RATE_LIMIT_RETRY_S)


def refusal_record(request, caller: Caller, usage: Usage):
    metrics.REJECTIONS.labels(group=usage.limit.scope if usage.limit.rate_limit_type != ENDPOINT else ENDPOINT).inc()
    logger.info("rate limit: %s refused on %s (%s/%s per minute)", caller.key, usage.limit.scope, usage.count,
                usage.limit.per_minute)
    RateLimitEvent.objects.create(
        key=caller.key, user_id=caller.user_id, tier=caller.tier, rate_limit_type=usage.limit.rate_limit_type,
        scope=usage.limit.scope, method=request.method, path=request.path[:300], limit=usage.limit.per_minute,
        count=usage.count)


# --- What the staff and the caller are shown ------------------------------------------------------------


def rate_limit_config() -> dict:
    overrides = RateLimitOverride.objects.select_related("user").order_by("user__username")
    return {
        "enabled": settings.RATE_LIMIT_ENABLED,
        "window_seconds": WINDOW_S,
        "tiers": settings.RATE_LIMIT_TIERS,
        "groups": {group: list(prefixes) for group, prefixes in settings.RATE_LIMIT_GROUPS.items()},
        "endpoints": {f"POST {path}": limit for path, limit in settings.RATE_LIMIT_ENDPOINTS.items()},
        "trusted_proxies": settings.RATE_LIMIT_TRUSTED_PROXIES,
        "fail_open_retry_seconds": settings.RATE_LIMIT_RETRY_S,
        "anomaly_rules": _anomaly_rules(),
        "event_retention_hours": settings.RATE_LIMIT_EVENT_RETENTION_HOURS,
        "overrides": [{"user_id": o.user_id, "username": o.user.username, "limits": o.per_group(), "reason": o.reason}
                      for o in overrides],
    }


def rate_limit_stats(*, minutes: int) -> dict:
    events = _events_since(minutes)
    by_key = (events.values("key", "rate_limit_type", "scope")
              .annotate(events=Count("id"), limit=Max("limit"), max_count=Max("count"), last_at=Max("created_at"))
              .order_by("-events", "key")[:200])
    by_type = (events.values("rate_limit_type")
               .annotate(events=Count("id"), keys=Count("key", distinct=True)).order_by("-events"))
    return {"window_minutes": minutes, "total_events": events.count(), "by_type": list(by_type),
            "by_key": list(by_key)}


def rate_limit_anomalies(*, minutes: int) -> list[dict]:
    """Keys refused repeatedly in the window, or that pushed far past their limit within one window."""
    rows = (_events_since(minutes).values("key", "scope", "limit")
            .annotate(events=Count("id"), max_count=Max("count"), last_at=Max("created_at")))
    anomalies = []
    for row in rows:
        if row["events"] >= settings.RATE_LIMIT_ANOMALY_REPEATED:
            anomalies.append({**row, "rule": "repeated_limits",
                              "detail": f"refused {row['events']} times in {minutes} min (rule: >= "
                                        f"{settings.RATE_LIMIT_ANOMALY_REPEATED})"})
        if row["max_count"] >= settings.RATE_LIMIT_ANOMALY_FACTOR * row["limit"]:
            anomalies.append({**row, "rule": "far_above_limit",
                              "detail": f"{row['max_count']} requests in one minute against a limit of "
                                        f"{row['limit']} (rule: >= {settings.RATE_LIMIT_ANOMALY_FACTOR:g}x)"})
    return sorted(anomalies, key=lambda a: (-a["events"], a["key"], a["rule"]))


def _anomaly_rules() -> list[dict]:
    return [{"rule": "repeated_limits", "threshold": settings.RATE_LIMIT_ANOMALY_REPEATED,
             "meaning": "a key refused at least this many times in the window"},
            {"rule": "far_above_limit", "threshold": settings.RATE_LIMIT_ANOMALY_FACTOR,
             "meaning": "a key that made at least this many times its limit in one minute"}]


def rate_limit_events_clear() -> int:
    deleted, _ = RateLimitEvent.objects.all().delete()
    return deleted


def rate_limit_events_trim() -> int:
    """Keep the events bounded: drop those past the retention, then all but the newest MAX_ROWS."""
    cutoff = timezone.now() - timedelta(hours=settings.RATE_LIMIT_EVENT_RETENTION_HOURS)
    deleted, _ = RateLimitEvent.objects.filter(created_at__lt=cutoff).delete()
    boundary = RateLimitEvent.objects.values_list("id", flat=True)[settings.RATE_LIMIT_EVENT_MAX_ROWS:][:1]
    if oldest_kept := list(boundary):
        more, _ = RateLimitEvent.objects.filter(id__lte=oldest_kept[0]).delete()
        deleted += more
    return deleted


def caller_info(request, caller: Caller) -> dict:
    """The caller's tier, limits and what is left of each in the current window (not counting this)."""
    limits = [Limit(group, group, per_minute) for group, per_minute in caller.limits.items()]
    limits += [Limit(ENDPOINT, f"POST {path}", per_minute) for path, per_minute in settings.RATE_LIMIT_ENDPOINTS.items()]
    decision = None if counting_paused() else rate_limit_check(request, caller, limits, increment=False)
    usage = [{"scope": u.limit.scope, "rate_limit_type": u.limit.rate_limit_type, "limit": u.limit.per_minute,
              "used": u.count, "remaining": u.remaining, "reset": u.reset_at} for u in (decision.usages if decision else [])]
    return {"key": caller.key, "tier": caller.tier, "limits": caller.limits,
            "endpoint_limits": {f"POST {p}": n for p, n in settings.RATE_LIMIT_ENDPOINTS.items()},
            "window_seconds": WINDOW_S, "counting": decision is not None, "usage": usage}


def _events_since(minutes: int):
    return RateLimitEvent.objects.filter(created_at__gte=timezone.now() - timedelta(minutes=minutes))


def _cache():
    return caches[settings.RATELIMIT_USE_CACHE]
