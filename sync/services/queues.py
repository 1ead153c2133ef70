"""What the queues hold: the broker's depth per queue (and per priority step on Redis), and the
database's view of running, stalled and undispatched tasks. The one place that asks the broker."""

import json
from dataclasses import dataclass, field

from django.db.models import Count
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from erp.celery import app as celery_app
from sync.models import SyncProgressTask, TaskStatus

QUEUES = ("data_sync", "data_processing", "scheduled")
BROKER_TIMEOUT_S = 2
BROKER_ERRORS = (OperationalError, OSError, RedisConnectionError, RedisTimeoutError)


@dataclass
class QueueDepth:
    messages: int
    by_step: dict[int, int] | None = None  # Redis only: kombu priority step -> messages


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
    tasks = SyncProgressTask.units  # the machinery: a batch's parts run and wait like tasks
    report.running = list(tasks.alive().values_list("task_id", flat=True))
    report.stalled = list(tasks.stalled().values_list("task_id", flat=True))
    report.undispatched = list(tasks.undispatched().values_list("task_id", flat=True))
    queued = tasks.filter(status=TaskStatus.QUEUED)
    report.queued_by_priority = dict(queued.values_list("priority").annotate(n=Count("id")).order_by("-priority"))
    depths = broker_queue_depths(by_step=True)
    for name in QUEUES:
        report.depth[name] = depths[name].messages if depths else "unknown (broker unreachable)"
        if depths and depths[name].by_step is not None:
            report.redis_depth_by_step[name] = depths[name].by_step
    return report


def broker_queue_depths(*, by_step: bool = False) -> dict[str, QueueDepth] | None:
    """Messages waiting per queue, or None when the broker cannot be reached; with by_step, on Redis also
    each priority step's list. kombu's passive declare sums every step's list on Redis; a queue never
    declared holds nothing."""
    try:
        with celery_app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_S)
            steps = by_step and conn.transport.driver_type == "redis"
            return {queue: QueueDepth(_depth(conn, queue), _redis_steps(conn.default_channel, queue) if steps else None)
                    for queue in QUEUES}
    except BROKER_ERRORS:
        return None


def broker_task_ids(queue: str = "data_sync") -> set[str] | None:
    """The ids of the tasks whose messages the broker holds for `queue`, waiting or delivered and not
    acknowledged yet; None when it cannot tell (a broker other than Redis, or unreachable). Reads every
    message: meant for the short queue of waiting sync tasks."""
    try:
        with celery_app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_S)
            if conn.transport.driver_type != "redis":
                return None
            channel = conn.default_channel
            client, sep = channel.client, channel.sep
            keys = [queue if step == 0 else f"{queue}{sep}{step}" for step in channel.priority_steps]
            payloads = [payload for key in keys for payload in client.lrange(key, 0, -1)]
            payloads += [json.loads(value)[0] for value in client.hvals(channel.unacked_key)]
    except BROKER_ERRORS:
        return None
    return {_message_id(payload) for payload in payloads} - {None}


def _message_id(payload) -> str | None:
    message = json.loads(payload) if isinstance(payload, (str, bytes)) else payload
    return (message.get("headers") or {}).get("id") if isinstance(message, dict) else None


def _depth(conn, queue: str) -> int:
    try:
        return conn.default_channel.queue_declare(queue=queue, passive=True).message_count
    except conn.channel_errors:
        return 0


def _redis_steps(channel, queue: str) -> dict[int, int]:
    """kombu keeps one list per priority step: '<queue>' for step 0, '<queue><sep><step>' after."""
    sep = channel.sep
    return {step: channel.client.llen(queue if step == 0 else f"{queue}{sep}{step}")
            for step in channel.priority_steps}
