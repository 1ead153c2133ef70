"""Handing tasks to the broker: the one place that publishes. Tasks are sent by name, so no service
imports the Celery task module (which imports the services); a publish the broker refuses leaves the
row undispatched for the deferred dispatch, and tasks whose worker died are published again."""

import itertools
import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from erp.celery import app as celery_app
from sync.models import SyncProgressTask, TaskStatus, TaskType
from sync.services.fair_share import fair_order, slot_free_for_waiting, slots_in_flight, user_weights, waiting_heads
from sync.services.priority import broker_priority
from sync.services.queues import broker_queue_depths, broker_task_ids

logger = logging.getLogger(__name__)
# A publish gives up after these retries (about half a second), so a request never waits on a dead broker.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Rows younger than this may still be published by the request that wrote them.
DISPATCH_GRACE_S = 5
DISPATCH_BATCH = 500
SINGLE_FILE_TASK = "sync.tasks.sync_single_file"
BATCH_TASK = "sync.tasks.sync_batch"
# The advisory lock one dispatcher holds while it fills free slots ("dispatch" in ASCII).
DISPATCH_LOCK_KEY = 0x6469737061746368


def task_message_kwargs(task_id: str) -> dict:
    """The arguments a task's Celery message carries (its result row records them too)."""
    return {"task_id": task_id}


def sync_task_publish(*, task: SyncProgressTask) -> bool:
    """Hand the task to the broker and record when it accepted it. A broker that is down costs a bounded
    wait and leaves the row undispatched for sync_tasks_dispatch_deferred; nothing runs here instead."""
    name = SINGLE_FILE_TASK if task.task_type == TaskType.SINGLE_FILE else BATCH_TASK
    try:
        celery_app.send_task(name, kwargs=task_message_kwargs(task.task_id), task_id=task.task_id,
                             priority=broker_priority(task.priority), retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except (BrokerError, OSError) as exc:
        logger.warning("task %s: broker unavailable, dispatch deferred: %s", task.task_id, exc)
        SyncProgressTask.units.filter(pk=task.pk).update(dispatch_error=str(exc)[:1000])
        return False
    task.dispatched_at = timezone.now()
    SyncProgressTask.units.filter(pk=task.pk).update(dispatched_at=task.dispatched_at, dispatch_error="")
    return True


def sync_task_submitted(*, task: SyncProgressTask):
    """After the commit that queued `task`: with fair share, the dispatcher decides whether it goes to the
    broker now; a broker found down marks it (the answer says `fallback`). Without, it is published."""
    if not settings.ERP_FAIR_SHARE:
        sync_task_publish(task=task)
        return
    outcome = sync_tasks_dispatch_next()
    if outcome["broker_down"]:
        SyncProgressTask.units.filter(pk=task.pk, dispatched_at__isnull=True).update(
            dispatch_error=outcome["error"])
    if outcome["sent"] or outcome["broker_down"]:  # else it waits for a slot, as written
        task.refresh_from_db(fields=["dispatched_at", "dispatch_error"])


def sync_tasks_dispatch_next() -> dict:
    """Hand the broker the next waiting tasks, as many as worker slots are free, in fair-share order
    (sync/services/fair_share.py). One dispatcher at a time (a lock), so two never fill one slot; the
    first refused publish stops the round."""
    sent, error = 0, ""
    # Nothing waits (the usual end of a task), or no slot is free (the usual submission under load): no
    # lock. A task queued after this look is dispatched by its own submission, which sees this task's
    # slot free, as this task's end was committed before; a slot freed after it is given by the end of
    # the task that held it, which sees this task waiting.
    if not slot_free_for_waiting():
        return {"sent": 0, "broker_down": False, "error": ""}
    with transaction.atomic():
        _dispatch_lock()
        in_flight = slots_in_flight()
        free = settings.ERP_SYNC_WORKER_SLOTS - sum(in_flight.values())
        waiting = waiting_heads(free) if free > 0 else []
        if waiting:
            weights = user_weights({*in_flight, *(t.user_id for t in waiting)})
            for task in itertools.islice(fair_order(waiting, in_flight, weights), free):
                if not sync_task_publish(task=task):
                    error = SyncProgressTask.units.values_list("dispatch_error", flat=True).get(pk=task.pk)
                    break
                sent += 1
    return {"sent": sent, "broker_down": bool(error), "error": error}


def _dispatch_lock():
    if connection.vendor == "postgresql":  # SQLite's write transactions are one at a time already
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DISPATCH_LOCK_KEY])


def sync_tasks_dispatch_deferred(*, grace_s: float = DISPATCH_GRACE_S) -> dict:
    """Publish queued tasks the broker has not accepted yet (it was down), oldest first. Rows are locked
    while published, so two dispatchers never send one twice; the first failure stops the round."""
    if settings.ERP_FAIR_SHARE:  # waiting tasks are published as slots free, in fair-share order
        outcome = sync_tasks_dispatch_next()
        return {"sent": outcome["sent"], "broker_down": outcome["broker_down"]}
    cutoff = timezone.now() - timedelta(seconds=grace_s)
    sent = failed = 0
    with transaction.atomic():
        waiting = (SyncProgressTask.units.select_for_update(skip_locked=True)
                   .filter(status=TaskStatus.QUEUED, dispatched_at__isnull=True, created_at__lte=cutoff).order_by("-priority", "created_at")[:DISPATCH_BATCH])
        for task in waiting:
            if not sync_task_publish(task=task):
                failed += 1
                break
            sent += 1
    if sent or failed:
        logger.info("deferred dispatch: %d sent, broker %s", sent, "still down" if failed else "up")
    return {"sent": sent, "broker_down": bool(failed)}


def sync_tasks_republish_lost(*, older_than_s: float | None = None) -> dict:
    """Publish again the queued tasks the broker accepted a while ago but no longer holds (a Redis
    restarted without persistence, a failover to a lagging replica, a purge): the database knows they
    wait. On Redis the broker's messages are read; elsewhere, a queue holding fewer messages than such
    tasks has lost some, and all of them are published again. A duplicate message is harmless: the
    worker's claim takes a task once."""
    older_than_s = settings.ERP_REPUBLISH_AFTER_S if older_than_s is None else older_than_s
    cutoff = timezone.now() - timedelta(seconds=older_than_s)
    waiting = list(SyncProgressTask.units.filter(status=TaskStatus.QUEUED, dispatched_at__lt=cutoff)
                   .order_by("-priority", "created_at")[:DISPATCH_BATCH])
    if not waiting:
        return {"republished": 0}
    lost = _not_in_broker(waiting)
    republished = 0
    for task in lost:
        # Conditional on what was seen: a task claimed meanwhile, or published again by another round, is left.
        if SyncProgressTask.units.filter(pk=task.pk, status=TaskStatus.QUEUED,
                                           dispatched_at=task.dispatched_at).exists():
            logger.warning("task %s: accepted by the broker at %s but no longer held by it: published again",
                           task.task_id, task.dispatched_at)
            republished += sync_task_publish(task=task)
    return {"republished": republished}


def _not_in_broker(waiting: list[SyncProgressTask]) -> list[SyncProgressTask]:
    held = broker_task_ids()
    if held is not None:
        return [task for task in waiting if task.task_id not in held]
    depths = broker_queue_depths()
    if depths is None:  # the broker is down: the deferred dispatch and this job try again later
        return []
    return waiting if depths["data_sync"].messages < len(waiting) else []


def sync_tasks_recover_stalled(*, dry_run: bool = False) -> list[str]:
    """Tasks whose worker died (heartbeat stale) go back to the queue and are published again; their
    quota slot stays taken, as they are still active. Returns their task ids."""
    stalled = list(SyncProgressTask.units.stalled())
    if dry_run:
        return [t.task_id for t in stalled]
    recovered = []
    for task in stalled:
        # Conditional on the heartbeat we saw: a worker that beats meanwhile keeps its task.
        if SyncProgressTask.units.filter(pk=task.pk, status=TaskStatus.PROCESSING,
                                           heartbeat_at=task.heartbeat_at).update(
                status=TaskStatus.QUEUED, dispatched_at=None):
            logger.warning("task %s: heartbeat stale since %s, queued again", task.task_id, task.heartbeat_at)
            if not settings.ERP_FAIR_SHARE:
                sync_task_publish(task=task)
            recovered.append(task.task_id)
    if recovered and settings.ERP_FAIR_SHARE:
        sync_tasks_dispatch_next()
    return recovered
