"""Choosing the files of a submission; one entry point for the seed endpoints, the viewsets and the admin."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from sync.models import CatalogFile, FileStatus, SyncProgressTask
from sync.services.ingest import SyncOptions
from sync.services.sync_tasks import TaskStateConflict, sync_task_create

BUSY_STATUSES = (FileStatus.QUEUED, FileStatus.PROCESSING)


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
    if since_hours:
        files = files.filter(first_seen_at__gte=timezone.now() - timedelta(hours=since_hours))
    return list(files.order_by("first_seen_at", "pk").values_list("pk", flat=True)[:limit])


def files_existing(file_ids: list[int]) -> tuple[list[int], list[int]]:
    """The ids that exist (in the order given, without repeats) and those that do not."""
    wanted = list(dict.fromkeys(file_ids))
    found = set(CatalogFile.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    return [i for i in wanted if i in found], [i for i in wanted if i not in found]


def task_submit(*, user, task_type: str, file_ids: list[int], priority: int, options: SyncOptions,
                parameters: dict) -> SyncProgressTask:
    """A file that another task is syncing right now cannot be submitted again until that ends."""
    busy = list(CatalogFile.objects.filter(pk__in=file_ids, status__in=BUSY_STATUSES).values_list("pk", flat=True))
    if busy:
        raise TaskStateConflict(_("Files %(ids)s are already queued or being synced by another task.")
                                % {"ids": busy[:20]}, code="file_busy")
    return sync_task_create(task_type=task_type, file_ids=file_ids, user=user, priority=priority,
                            options=options, parameters=parameters)
