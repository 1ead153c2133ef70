"""Reads for the API and the admin: tasks visible to a user, queue position, progress."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from sync.models import CatalogFile, FieldTemplate, FileStatus, SyncProgressTask, TaskStatus
from sync.services.fair_share import WAITING_WINDOW, fair_order, slots_in_flight, user_weights, waiting_tasks
from sync.services.templates import template_resolve

RECENT_TASKS_FOR_ESTIMATE = 20
# Used until there is a finished task to learn from.
DEFAULT_TASK_DURATION_S = 60.0
DURATION_CACHE_KEY = "erp:queue:recent-task-duration"
DURATION_CACHE_S = 30


@dataclass
class QueuePlace:
    position: int | None  # 1 = next to start; None when the task is not waiting
    ahead: int
    running: int
    estimated_start: datetime | None
    basis: str


def tasks_visible_to(user) -> QuerySet[SyncProgressTask]:
    tasks = SyncProgressTask.objects.select_related("user")
    return tasks if user.is_staff else tasks.filter(user=user)


def task_queue_place(task: SyncProgressTask) -> QueuePlace:
    """Where a queued task waits: behind queued tasks of higher priority, then older ones of its own
    priority (the order the workers take them), with every worker slot busy for the average duration
    of recent tasks. One query, plus the cached average."""
    running, ahead = _running_and_ahead(task)
    if (settings.ERP_FAIR_SHARE and task.status == TaskStatus.QUEUED and task.dispatched_at is None
            and waiting_tasks().exclude(user_id=task.user_id).exists()):  # alone, the order is priority and age
        ahead = _ahead_in_fair_order(task)
    average, sample = recent_task_duration()
    slots = settings.ERP_SYNC_WORKER_SLOTS
    basis = (f"average of the last {sample} finished tasks ({average:.0f} s) over {slots} worker slots"
             if sample else f"no finished task yet: {DEFAULT_TASK_DURATION_S:.0f} s per task over {slots} worker slots")
    if task.status != TaskStatus.QUEUED:
        return QueuePlace(position=None, ahead=0, running=running, estimated_start=None, basis=basis)
    waves = max(ahead + running - slots + 1, 0) / slots
    start = timezone.now() + timedelta(seconds=waves * average)
    return QueuePlace(position=ahead + 1, ahead=ahead, running=running, estimated_start=start, basis=basis)


def _ahead_in_fair_order(task: SyncProgressTask) -> int:
    """Tasks that start before `task` under fair share: those the broker holds already, then the waiting
    ones the dispatcher would hand it first (sync/services/fair_share.py)."""
    in_broker = SyncProgressTask.objects.filter(status=TaskStatus.QUEUED, dispatched_at__isnull=False).count()
    waiting = list(waiting_tasks()[:WAITING_WINDOW])
    if task not in waiting:  # beyond the window the dispatcher looks at: behind all of them
        return in_broker + len(waiting)
    in_flight = slots_in_flight()
    weights = user_weights({*in_flight, *(t.user_id for t in waiting)})
    for index, next_task in enumerate(fair_order(waiting, in_flight, weights)):
        if next_task.pk == task.pk:
            return in_broker + index
    raise AssertionError("unreachable: the task is among those ordered")


def _running_and_ahead(task: SyncProgressTask) -> tuple[int, int]:
    """Three counts in one round trip, each a range on the (status, priority, created_at) index: an
    OR of the two 'ahead' conditions would make PostgreSQL scan every queued task."""
    table = SyncProgressTask._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT count(*) FROM {table} WHERE status = %s),"
            f" (SELECT count(*) FROM {table} WHERE status = %s AND priority > %s)"
            f" + (SELECT count(*) FROM {table} WHERE status = %s AND priority = %s AND created_at < %s)",
            [TaskStatus.PROCESSING, TaskStatus.QUEUED, task.priority, TaskStatus.QUEUED, task.priority,
             task.created_at],
        )
        running, ahead = cursor.fetchone()
    return running, ahead


def recent_task_duration() -> tuple[float, int]:
    """Average run time in seconds of the most recent finished tasks, and how many were averaged;
    cached briefly, as it moves slowly and every submission asks."""
    cached = cache.get(DURATION_CACHE_KEY)
    if cached is None:
        cached = _recent_task_duration()
        cache.set(DURATION_CACHE_KEY, cached, DURATION_CACHE_S)
    return tuple(cached)


def _recent_task_duration() -> tuple[float, int]:
    recent = (SyncProgressTask.objects.filter(status=TaskStatus.COMPLETED, started_at__isnull=False,
                                              finished_at__isnull=False)
              .order_by("-finished_at").values_list("pk", flat=True)[:RECENT_TASKS_FOR_ESTIMATE])
    ids = list(recent)
    if not ids:
        return DEFAULT_TASK_DURATION_S, 0
    duration = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    average = SyncProgressTask.objects.filter(pk__in=ids).aggregate(d=Avg(duration))["d"]
    return max(average.total_seconds(), 0.0), len(ids)


# --- The catalog as the predecessor's data-sync page reads it (sync/api/predecessor) -----------------------


def catalog_files_listed(*, platform: str = "", domain: str = "", granularity: str = "",
                         statuses: list[str] | None = None) -> QuerySet[CatalogFile]:
    """Files by the page's filters, newest first (as the predecessor ordered them); statuses None: any."""
    files = CatalogFile.objects.select_related("template")
    if platform and platform != "*":
        files = files.filter(platform_code=platform)
    if domain:
        files = files.filter(data_domain=domain)
    if granularity:
        files = files.filter(granularity=granularity)
    if statuses is not None:
        files = files.filter(status__in=statuses)
    return files.order_by("-first_seen_at", "-pk")


def catalog_governance_stats() -> dict:
    """Counts by status, and how many pending files have an active template (ready to sync): the template
    rule is asked once per distinct platform/domain/granularity, not per file."""
    by_status = dict(CatalogFile.objects.values_list("status").annotate(n=Count("pk")).order_by())
    pending = (CatalogFile.objects.filter(status=FileStatus.PENDING)
               .values_list("platform_code", "data_domain", "granularity").annotate(n=Count("pk")).order_by())
    ready = no_template = 0
    for platform, domain, granularity, count in pending:
        probe = CatalogFile(platform_code=platform, data_domain=domain, granularity=granularity)
        if template_resolve(file=probe) is None:
            no_template += count
        else:
            ready += count
    failed = CatalogFile.objects.filter(status=FileStatus.FAILED).exclude(last_error="")
    errors = dict(failed.values_list("last_error").annotate(n=Count("pk")).order_by("-n")[:10])
    return {"total_files": sum(by_status.values()), "ready_to_sync_count": ready,
            "pending_count": by_status.get(FileStatus.PENDING, 0), "by_status": by_status,
            "no_template_count": no_template, "template_count": FieldTemplate.objects.filter(is_active=True).count(),
            "error_summary": {text[:200]: n for text, n in errors.items()}, "stats_stale": False}


def catalog_diagnostics(*, hours: int) -> dict:
    since = timezone.now() - timedelta(hours=hours)
    recent = CatalogFile.objects.filter(first_seen_at__gte=since)
    unrecognised = CatalogFile.objects.filter(Q(platform_code="") | Q(data_domain=""))
    return {"hours": hours, "official_unregistered_count": 0,
            "unregistered_raw_candidates": list(unrecognised.values_list("path", flat=True)[:50]),
            "semantic_invalid_count": unrecognised.count(), "recent_files": recent.count(),
            "recent_failed": recent.filter(status=FileStatus.FAILED).count()}


def tasks_history(*, user, statuses: list[str] | None = None, limit: int = 100) -> list[SyncProgressTask]:
    """The user's tasks (staff: all), newest first."""
    tasks = tasks_visible_to(user)
    if statuses is not None:
        tasks = tasks.filter(status__in=statuses)
    return list(tasks.order_by("-created_at", "-pk")[:limit])
