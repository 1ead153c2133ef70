"""The sync's gauges, read from the database and the broker at scrape time (one truth for every process
and host; DESIGN.md 10). /metrics loads SyncCollector through settings.METRICS_COLLECTORS; the counters the
worker increments are sync/counters.py."""

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from sync.models import SyncProgressTask, TaskStatus, TaskType
from sync.services.queues import broker_queue_depths


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
        undispatched = SyncProgressTask.objects.undispatched()
        stalled = SyncProgressTask.units.stalled(now=now).count()
        yield _gauge("erp_task_oldest_queued_age_seconds", "Age of the oldest queued task (0: none)",
                     _age(now, queued))
        yield _gauge("erp_tasks_undispatched", "Queued tasks the broker has not accepted yet",
                     undispatched.count())
        yield _gauge("erp_task_oldest_undispatched_age_seconds",
                     "Age of the oldest task still waiting to be published (0: none)", _age(now, undispatched))
        yield _gauge("erp_tasks_stalled", "Running tasks whose heartbeat is older than ERP_HEARTBEAT_STALE_S",
                     stalled)

    def _quota(self):
        active = SyncProgressTask.objects.active().filter(user__isnull=False)
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
            family.add_metric([queue], depth.messages)
        yield family


def _age(now, tasks) -> float:
    oldest = tasks.aggregate(oldest=Min("created_at"))["oldest"]
    return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
