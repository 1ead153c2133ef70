"""Choosing the files of a submission (the seed endpoints' filters and id lists)."""

from datetime import datetime, timedelta

from django.utils import timezone

from sync.models import CatalogFile, FileStatus


def files_matching(*, platform: str = "*", domains=(), granularities=(), since_hours: int | None = None,
                   limit: int | None = None) -> list[int]:
    """Pending files by the predecessor's batch filters, oldest first."""
    files = CatalogFile.objects.filter(status=FileStatus.PENDING)
    if platform and platform != "*":
        files = files.filter(platform_code=platform)
    if domains:
        files = files.filter(data_domain__in=domains)
    if granularities:
        files = files.filter(granularity__in=granularities)
    if since_hours and (since := _hours_ago(since_hours)):
        files = files.filter(first_seen_at__gte=since)
    return list(files.order_by("first_seen_at", "pk").values_list("pk", flat=True)[:limit])


def _hours_ago(hours: int) -> datetime | None:
    """None when that is further back than the calendar goes: every file is more recent."""
    try:
        return timezone.now() - timedelta(hours=hours)
    except OverflowError:
        return None


def files_existing(file_ids: list[int]) -> tuple[list[int], list[int]]:
    """The ids that exist (in the order given, without repeats) and those that do not."""
    wanted = list(dict.fromkeys(file_ids))
    found = set(CatalogFile.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    return [i for i in wanted if i in found], [i for i in wanted if i not in found]
