"""What the queues hold: broker depth per queue (and per priority on Redis), and the database's view of
running, stalled and undispatched tasks."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from erp.celery import app as celery_app
from sync.models import SyncProgressTask, TaskStatus

QUEUES = ("data_sync", "data_processing", "scheduled")


@dataclass
class QueueReport:
    depth: dict[str, int | str] = field(default_factory=dict)  # queue -> messages, or why unknown
    redis_depth_by_step: dict[str, dict[int, int]] = field(default_factory=dict)  # queue -> kombu step -> n
    queued_by_priority: dict[int, int] = field(default_factory=dict)
    running: list[str] = field(default_factory=list)
    stalled: list[str] = field(default_factory=list)
    undispatched: list[str] = field(default_factory=list)


def queue_report() -> QueueReport:
    report = QueueReport()
    stale = timezone.now() - timedelta(seconds=settings.ERP_HEARTBEAT_STALE_S)
    processing = SyncProgressTask.objects.filter(status=TaskStatus.PROCESSING)
    report.running = list(processing.filter(heartbeat_at__gte=stale).values_list("task_id", flat=True))
    report.stalled = list(processing.filter(heartbeat_at__lt=stale).values_list("task_id", flat=True))
    queued = SyncProgressTask.objects.filter(status=TaskStatus.QUEUED)
    report.undispatched = list(queued.filter(dispatched_at__isnull=True).values_list("task_id", flat=True))
    report.queued_by_priority = dict(queued.values_list("priority").annotate(n=Count("id")).order_by("-priority"))
    _broker_depths(report)
    return report


def _broker_depths(report: QueueReport):
    try:
        with celery_app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            channel = conn.default_channel
            for name in QUEUES:
                report.depth[name] = channel.queue_declare(queue=name, passive=True).message_count
                if conn.transport.driver_type == "redis":
                    report.redis_depth_by_step[name] = _redis_steps(channel, name)
    except Exception as exc:  # a broker that is down or lacks a queue is reported, not raised
        for name in QUEUES:
            report.depth.setdefault(name, f"unknown ({type(exc).__name__}: {exc})"[:200])


def _redis_steps(channel, queue: str) -> dict[int, int]:
    """kombu keeps one list per priority step: '<queue>' for step 0, '<queue><sep><step>' after."""
    sep = channel.sep
    return {step: channel.client.llen(queue if step == 0 else f"{queue}{sep}{step}")
            for step in channel.priority_steps}
