"""The operations dashboard's figures, from a handful of aggregate queries (the database groups and counts;
Python only reshapes the few aggregate rows), reused for ERP_DASHBOARD_CACHE_S seconds."""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Avg, Count, F, Max, Min, Q, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from sync.models import CatalogFile, DataQualityRecord, SyncProgressTask, TaskStatus
from sync.services.priority import PRIORITY_BANDS
from sync.services.queues import QUEUES, broker_queue_depths

CACHE_KEY = "erp:dashboard:figures"
# Priority bands an operator reads at a glance (our scale: 1-10, 10 highest).
HOURS_SHORT, HOURS_LONG = 24, 7 * 24
SLOWEST_FILES = 10
TOP_USERS = 20
HEATMAP_DAYS = 14


def dashboard_figures(*, use_cache: bool = True) -> dict:
    if use_cache and (figures := cache.get(CACHE_KEY)) is not None:
        return figures
    figures = dashboard_compute()
    cache.set(CACHE_KEY, figures, settings.ERP_DASHBOARD_CACHE_S)
    return figures


def dashboard_compute(*, now=None) -> dict:
    now = now or timezone.now()
    depths = broker_queue_depths()
    return {
        "computed_at": now,
        "broker_up": depths is not None,
        "queue_depth": {name: depths[name].messages for name in QUEUES} if depths else {},
        **_task_state(now),
        "bands": _bands(),
        "users": _users(),
        "hourly": _hourly(now),
        "slowest_files": _slowest_files(now),
        "heatmap": _heatmap(now),
    }


def _task_state(now) -> dict:
    """Query 1: waiting, running, stalled, undispatched and the oldest waiting task, in one pass."""
    stale = now - timedelta(seconds=settings.ERP_HEARTBEAT_STALE_S)
    queued, running = Q(status=TaskStatus.QUEUED), Q(status=TaskStatus.PROCESSING)
    row = SyncProgressTask.objects.filter(status__in=SyncProgressTask.ACTIVE_STATUSES).aggregate(
        waiting=Count("id", filter=queued), running=Count("id", filter=running),
        stalled=Count("id", filter=running & Q(heartbeat_at__lt=stale)),
        undispatched=Count("id", filter=queued & Q(dispatched_at__isnull=True) & ~Q(dispatch_error="")),
        oldest_waiting=Min("created_at", filter=queued))
    oldest = row.pop("oldest_waiting")
    return {**row, "oldest_waiting_s": (now - oldest).total_seconds() if oldest else None}


def _bands() -> list[dict]:
    """Query 2: waiting and running tasks per priority (at most 10 x 2 rows), summed into bands."""
    counts = (SyncProgressTask.objects.filter(status__in=SyncProgressTask.ACTIVE_STATUSES)
              .values("priority", "status").annotate(n=Count("id")).order_by())
    bands = [{"band": band, "low": low, "high": high, TaskStatus.QUEUED: 0, TaskStatus.PROCESSING: 0}
             for band, low, high in PRIORITY_BANDS]
    for row in counts:
        band = next(b for b in bands if b["low"] <= row["priority"] <= b["high"] or b["band"] == "low")
        band[row["status"]] += row["n"]
    return [{"band": b["band"], "priorities": f"{b['low']}-{b['high']}", "waiting": b[TaskStatus.QUEUED],
             "running": b[TaskStatus.PROCESSING]} for b in bands]


def _users() -> list[dict]:
    """Query 3: waiting and running tasks per user, the busiest first."""
    rows = (SyncProgressTask.objects.filter(status__in=SyncProgressTask.ACTIVE_STATUSES)
            .values(username=F("user__username"))
            .annotate(waiting=Count("id", filter=Q(status=TaskStatus.QUEUED)),
                      running=Count("id", filter=Q(status=TaskStatus.PROCESSING)))
            .order_by("-running", "-waiting", "username")[:TOP_USERS])
    return [{**row, "username": row["username"] or "-"} for row in rows]


def _hourly(now) -> list[dict]:
    """Query 4: finished tasks per hour over 7 days: files and rows synced, failures, quarantine rate.
    Every hour is listed, empty ones as zeros, oldest first; the last 24 are the 24-hour chart."""
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=HOURS_LONG)
    rows = (SyncProgressTask.objects.filter(finished_at__gte=start, finished_at__lt=end)
            .annotate(hour=TruncHour("finished_at")).values("hour")
            .annotate(files=Sum("processed_files"), rows=Sum("rows_ingested"), read=Sum("rows_read"),
                      quarantined=Sum("rows_quarantined"), failed_files=Sum("failed_files"),
                      failed_tasks=Count("id", filter=Q(status=TaskStatus.FAILED)))
            .order_by())
    by_hour = {row["hour"]: row for row in rows}
    hours = []
    for i in range(HOURS_LONG):
        hour = start + timedelta(hours=i)
        row = by_hour.get(hour, {})
        read = row.get("read") or 0
        hours.append({"hour": hour, "files": row.get("files") or 0, "rows": row.get("rows") or 0, "read": read,
                      "failed_files": row.get("failed_files") or 0, "failed_tasks": row.get("failed_tasks") or 0,
                      "quarantined": row.get("quarantined") or 0,
                      "quarantine_rate": (row.get("quarantined") or 0) / read if read else 0.0})
    return hours


def _slowest_files(now) -> list[dict]:
    """Query 5: today's slowest file syncs (the time the engine measured)."""
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return list(CatalogFile.objects.filter(last_synced_at__gte=midnight, last_sync_seconds__isnull=False)
                .order_by("-last_sync_seconds", "pk")
                .values("id", "file_name", "platform_code", "shop_id", "data_domain", "status", "rows_read",
                        "last_sync_seconds", "last_synced_at")[:SLOWEST_FILES])


def _heatmap(now) -> dict:
    """Queries 6-8: per platform and shop, the mean completeness score by business date over the last
    HEATMAP_DAYS days that have records (exports arrive days late; a backfill is months old); then the missing
    fields of the incomplete records only, for the hover text."""
    latest = DataQualityRecord.objects.filter(business_date__lte=timezone.localdate(now)).aggregate(
        latest=Max("business_date"))["latest"] or timezone.localdate(now)
    first = latest - timedelta(days=HEATMAP_DAYS - 1)
    dates = [first + timedelta(days=i) for i in range(HEATMAP_DAYS)]
    records = DataQualityRecord.objects.filter(business_date__gte=first, business_date__lte=latest)
    cells = (records.values("platform_code", "shop_id", "business_date")
             .annotate(score=Avg("score"), records=Count("id"), rows=Sum("rows")).order_by())
    missing = {}
    for row in records.exclude(missing_fields=[]).values("platform_code", "shop_id", "business_date",
                                                        "data_domain", "missing_fields"):
        key = (row["platform_code"], row["shop_id"], row["business_date"])
        missing.setdefault(key, []).append(f"{row['data_domain']}: {', '.join(map(str, row['missing_fields']))}")
    shops = {}
    for cell in cells:
        key = (cell["platform_code"], cell["shop_id"], cell["business_date"])
        shops.setdefault((cell["platform_code"], cell["shop_id"]), {})[cell["business_date"]] = {
            "score": float(cell["score"]), "records": cell["records"], "rows": cell["rows"],
            "missing": missing.get(key, [])}
    return {"dates": dates, "rows": [{"platform_code": platform, "shop_id": shop, "cells": [by_date.get(d) for d in dates]}
                                     for (platform, shop), by_date in sorted(shops.items())]}
