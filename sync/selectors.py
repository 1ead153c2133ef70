"""Reads for the API and the admin: tasks visible to a user, queue position, progress."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Avg, DurationField, ExpressionWrapper, F, QuerySet
from django.utils import timezone

from sync.models import SyncProgressTask, TaskStatus

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
    average, sample = recent_task_duration()
    slots = settings.ERP_SYNC_WORKER_SLOTS
    basis = (f"average of the last {sample} finished tasks ({average:.0f} s) over {slots} worker slots"
             if sample else f"no finished task yet: {DEFAULT_TASK_DURATION_S:.0f} s per task over {slots} worker slots")
    if task.status != TaskStatus.QUEUED:
        return QueuePlace(position=None, ahead=0, running=running, estimated_start=None, basis=basis)
    waves = max(ahead + running - slots + 1, 0) / slots
    start = timezone.now() + timedelta(seconds=waves * average)
    return QueuePlace(position=ahead + 1, ahead=ahead, running=running, estimated_start=start, basis=basis)


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
