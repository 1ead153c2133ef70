"""The sync's Prometheus metrics: counters the worker increments as files are synced, and gauges read
from the database and the broker at scrape time (one truth for every process and host; DESIGN.md 10)."""

import time
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from kombu.exceptions import OperationalError
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from erp.celery import app as celery_app
from sync.models import DataDomain, FileStatus, SyncProgressTask, TaskStatus, TaskType
from sync.services.queues import QUEUES

BROKER_TIMEOUT_S = 2
# File syncs take from a second to the 1800 s hard limit of their task.
FILE_SYNC_BUCKETS_S = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900, 1200, 1500, 1800)
UNKNOWN_DOMAIN = "unknown"

ROWS_INGESTED = Counter("erp_rows_ingested", "Rows upserted into fact tables", ["domain"])
ROWS_QUARANTINED = Counter("erp_rows_quarantined", "Rows put in quarantine with reasons", ["domain"])
FILE_SYNC_SECONDS = Histogram("erp_file_sync_duration_seconds", "Time to sync one file, by outcome",
                              ["status"], buckets=FILE_SYNC_BUCKETS_S)
# Every label value from the start, so the series exist (at 0) before the first sync.
for _domain in [*DataDomain.values, UNKNOWN_DOMAIN]:
    ROWS_INGESTED.labels(_domain)
    ROWS_QUARANTINED.labels(_domain)
for _status in FileStatus.values:
    FILE_SYNC_SECONDS.labels(_status)


def file_sync_record(*, domain: str, status: str, rows_ingested: int, rows_quarantined: int, started: float):
    """Count one finished file sync; `started` is its time.monotonic() at the start."""
    domain = domain if domain in DataDomain.values else UNKNOWN_DOMAIN
    ROWS_INGESTED.labels(domain).inc(rows_ingested)
    ROWS_QUARANTINED.labels(domain).inc(rows_quarantined)
    FILE_SYNC_SECONDS.labels(status).observe(time.monotonic() - started)


class SyncCollector:
    """Gauges computed on each scrape: tasks by status and type, waiting and undispatched work, stalled
    runs, quota use, and the broker's queue depths."""

    def collect(self):
        now = timezone.now()
        yield self._tasks_by_status()
        yield from self._waiting(now)
        yield from self._quota()
        yield from self._broker()

    def _tasks_by_status(self):
        family = GaugeMetricFamily("erp_tasks", "Sync tasks in the database by status and type",
                                   labels=["status", "task_type"])
        counts = dict(((s, t), n) for s, t, n in SyncProgressTask.objects.values_list("status", "task_type")
                      .annotate(n=Count("id")).order_by())
        for status in TaskStatus.values:
            for task_type in TaskType.values:
                family.add_metric([status, task_type], counts.get((status, task_type), 0))
        return family

    def _waiting(self, now):
        queued = SyncProgressTask.objects.filter(status=TaskStatus.QUEUED)
        undispatched = queued.filter(dispatched_at__isnull=True)
        stale = now - timedelta(seconds=settings.ERP_HEARTBEAT_STALE_S)
        stalled = SyncProgressTask.objects.filter(status=TaskStatus.PROCESSING, heartbeat_at__lt=stale).count()
        yield _gauge("erp_task_oldest_queued_age_seconds", "Age of the oldest queued task (0: none)",
                     _age(now, queued))
        yield _gauge("erp_tasks_undispatched", "Queued tasks the broker has not accepted yet",
                     undispatched.count())
        yield _gauge("erp_task_oldest_undispatched_age_seconds",
                     "Age of the oldest task still waiting to be published (0: none)", _age(now, undispatched))
        yield _gauge("erp_tasks_stalled", "Running tasks whose heartbeat is older than ERP_HEARTBEAT_STALE_S",
                     stalled)

    def _quota(self):
        active = SyncProgressTask.objects.filter(status__in=SyncProgressTask.ACTIVE_STATUSES, user__isnull=False)
        per_user = active.values("user").annotate(n=Count("id")).order_by().values_list("n", flat=True)
        limit = settings.MAX_TASKS_PER_USER
        yield _gauge("erp_quota_slots_used", "Queued or running tasks counted against user quotas",
                     sum(per_user))
        yield _gauge("erp_quota_users_at_limit", "Users with no quota slot left",
                     sum(1 for n in per_user if n >= limit))
        yield _gauge("erp_quota_limit", "Queued or running tasks allowed per user", limit)

    def _broker(self):
        depths = broker_queue_depths()
        yield _gauge("erp_broker_up", "1 when the Celery broker answered this scrape", int(depths is not None))
        family = GaugeMetricFamily("erp_queue_depth", "Messages waiting in the broker per queue "
                                   "(all priority sub-queues on Redis)", labels=["queue"])
        for queue, depth in (depths or {}).items():
            family.add_metric([queue], depth)
        yield family


def broker_queue_depths() -> dict[str, int] | None:
    """Messages waiting per queue, or None when the broker cannot be reached. On Redis, kombu's passive
    declare sums the list of every priority step; a queue never declared holds nothing."""
    try:
        with celery_app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_S)
            return {queue: _depth(conn, queue) for queue in QUEUES}
    except (OperationalError, OSError, RedisConnectionError, RedisTimeoutError):
        return None


def _depth(conn, queue: str) -> int:
    try:
        return conn.default_channel.queue_declare(queue=queue, passive=True).message_count
    except conn.channel_errors:
        return 0


def _age(now, tasks) -> float:
    oldest = tasks.aggregate(oldest=Min("created_at"))["oldest"]
    return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
