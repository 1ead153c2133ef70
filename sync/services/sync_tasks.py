"""Sync tasks: creating a SyncProgressTask (quota slot, row, publish after commit), running it in a
worker (claim, files one by one with throttled progress, cancel at file boundaries, quality check),
cancelling and retrying it."""

import logging
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from kombu.exceptions import OperationalError as BrokerError
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from sync.models import CatalogFile, FileStatus, SyncProgressTask, TaskStatus, TaskType
from sync.services.ingest import FileSyncResult, SyncOptions, file_mark_failed, file_sync
from sync.services.errors import TRANSIENT_ERRORS, ApplicationError
from sync.services.priority import broker_priority, priority_for
from sync.services.quality import quality_check
from sync.services.quota import quota_release, quota_take

logger = logging.getLogger(__name__)
PROGRESS_INTERVAL_S = 1.0
MAX_ERRORS_KEPT = 100
# A publish gives up after these retries (about half a second), so a request never waits on a dead broker.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Rows younger than this may still be published by the request that wrote them.
DISPATCH_GRACE_S = 5
DISPATCH_BATCH = 500


# A file in one of these states belongs to a task already: another submission must wait for it.
BUSY_FILE_STATUSES = (FileStatus.QUEUED, FileStatus.PROCESSING)


class TaskStateConflict(ApplicationError):
    """The task's state forbids the action (HTTP 409)."""

    code = "task_state_conflict"


def sync_task_create(*, task_type: str, file_ids: list[int], user=None, priority: int | None = None,
                     options: SyncOptions = SyncOptions(), parameters: dict | None = None) -> SyncProgressTask:
    """Take the user's quota slot, write the task row and mark its files queued, all in one
    transaction; the Celery message goes out after commit."""
    task_id = str(uuid.uuid4())
    priority = priority_for(user=user, task_type=task_type, requested=priority)
    try:
        with transaction.atomic():
            if user is not None:
                quota_take(user=user, task_id=task_id)
            task = SyncProgressTask.objects.create(
                task_id=task_id, task_type=task_type, user=user, priority=priority, file_ids=list(file_ids),
                run_file_ids=list(file_ids), total_files=len(file_ids),
                parameters={**(parameters or {}), **options.__dict__},
            )
            _queue_files(file_ids)
            transaction.on_commit(lambda: sync_task_publish(task=task))
    except BaseException:
        quota_release(user_id=user and user.pk, task_id=task_id)
        raise
    return task


def _queue_files(file_ids: list[int]):
    """Mark the files queued in one conditional UPDATE: a file another task holds makes the whole
    submission a conflict (two submissions racing for one file: exactly one gets it), a file that does
    not exist makes it not found. Only a refused submission pays for the lookup."""
    existing = CatalogFile.objects.filter(pk__in=file_ids)
    if existing.exclude(status__in=BUSY_FILE_STATUSES).update(status=FileStatus.QUEUED) < len(file_ids):
        status_by_id = dict(existing.values_list("pk", "status"))
        if missing := [pk for pk in file_ids if pk not in status_by_id]:
            raise CatalogFile.DoesNotExist(_("Files %(ids)s do not exist.") % {"ids": missing[:20]})
        busy = [pk for pk, file_status in status_by_id.items() if file_status in BUSY_FILE_STATUSES]
        if busy:
            raise TaskStateConflict(_("Files %(ids)s are already queued or being synced by another task.")
                                    % {"ids": busy[:20]}, code="file_busy")


def sync_task_cancel(*, task: SyncProgressTask) -> SyncProgressTask:
    """A queued task is cancelled at once and never starts; a running one is asked to stop at the next
    file boundary. The request is stored in the database, so a worker restart does not forget it."""
    now = timezone.now()
    with transaction.atomic():
        if SyncProgressTask.objects.filter(pk=task.pk, status=TaskStatus.QUEUED).update(
                status=TaskStatus.CANCELLED, cancel_requested=True, finished_at=now):
            CatalogFile.objects.filter(pk__in=task.run_file_ids, status=FileStatus.QUEUED).update(
                status=FileStatus.PENDING)
            transaction.on_commit(lambda: quota_release(user_id=task.user_id, task_id=task.task_id))
        elif not SyncProgressTask.objects.filter(pk=task.pk, status=TaskStatus.PROCESSING).update(
                cancel_requested=True):
            task.refresh_from_db()
            raise TaskStateConflict(_("Task %(task)s is %(status)s: only a queued or running task can be "
                                      "cancelled.") % {"task": task.task_id, "status": task.status},
                                    code="task_not_cancellable")
    task.refresh_from_db()
    logger.info("task %s: cancel requested (now %s)", task.task_id, task.status)
    return task


def sync_task_retry(*, task: SyncProgressTask, all_files: bool = False) -> SyncProgressTask:
    """Run a failed or cancelled task again under the same task_id: the files not ingested yet, or all
    of them. Takes a quota slot like a new submission."""
    if task.status not in (TaskStatus.FAILED, TaskStatus.CANCELLED):
        raise TaskStateConflict(_("Task %(task)s is %(status)s: only a failed or cancelled task can be "
                                  "retried.") % {"task": task.task_id, "status": task.status},
                                code="task_not_retryable")
    done = set(CatalogFile.objects.filter(
        pk__in=task.file_ids, status__in=(FileStatus.INGESTED, FileStatus.PARTIAL)).values_list("pk", flat=True))
    files = list(task.file_ids) if all_files else [f for f in task.file_ids if f not in done]
    if not files:
        raise TaskStateConflict(_("Every file of task %(task)s is already ingested; retry with all_files to "
                                  "sync them again.") % {"task": task.task_id}, code="nothing_to_retry")
    try:
        with transaction.atomic():
            if task.user is not None:
                quota_take(user=task.user, task_id=task.task_id)
            history = [*task.task_details.get("previous_runs", []), _run_summary(task)]
            if not SyncProgressTask.objects.filter(pk=task.pk, status=task.status).update(
                    status=TaskStatus.QUEUED, cancel_requested=False, run_file_ids=files, total_files=len(files),
                    processed_files=0, succeeded_files=0, failed_files=0, skipped_files=0, rows_read=0,
                    rows_ingested=0, rows_quarantined=0, rows_skipped=0, file_results=[], errors=[],
                    current_file="", file_progress=0.0, started_at=None, finished_at=None, dispatched_at=None,
                    task_details={"previous_runs": history}):
                raise TaskStateConflict(_("Task %(task)s changed state meanwhile.") % {"task": task.task_id},
                                        code="task_state_changed")
            CatalogFile.objects.filter(pk__in=files).update(status=FileStatus.QUEUED)
            task.refresh_from_db()
            transaction.on_commit(lambda: sync_task_publish(task=task))
    except BaseException:
        quota_release(user_id=task.user_id, task_id=task.task_id)
        raise
    logger.info("task %s: retry of %d files queued", task.task_id, len(files))
    return task


def _run_summary(task: SyncProgressTask) -> dict:
    return {"status": task.status, "attempt": task.attempts, "processed_files": task.processed_files,
            "failed_files": task.failed_files, "errors": task.errors[:10],
            "finished_at": task.finished_at and task.finished_at.isoformat()}


def sync_task_publish(*, task: SyncProgressTask) -> bool:
    """Hand the task to the broker and record when it accepted it. A broker that is down costs a bounded
    wait and leaves the row undispatched for sync_tasks_dispatch_deferred; nothing runs here instead."""
    from sync import tasks  # the Celery tasks import this module

    celery_task = tasks.sync_single_file if task.task_type == TaskType.SINGLE_FILE else tasks.sync_batch
    try:
        celery_task.apply_async(kwargs={"task_id": task.task_id}, task_id=task.task_id,
                                priority=broker_priority(task.priority), retry=True,
                                retry_policy=PUBLISH_RETRY_POLICY)
    except (BrokerError, OSError) as exc:
        logger.warning("task %s: broker unavailable, dispatch deferred: %s", task.task_id, exc)
        SyncProgressTask.objects.filter(pk=task.pk).update(dispatch_error=str(exc)[:1000])
        return False
    task.dispatched_at = timezone.now()
    SyncProgressTask.objects.filter(pk=task.pk).update(dispatched_at=task.dispatched_at, dispatch_error="")
    return True


def sync_tasks_dispatch_deferred(*, grace_s: float = DISPATCH_GRACE_S) -> dict:
    """Publish queued tasks the broker has not accepted yet (it was down), oldest first. Rows are locked
    while published, so two dispatchers never send one twice; the first failure stops the round."""
    cutoff = timezone.now() - timedelta(seconds=grace_s)
    sent = failed = 0
    with transaction.atomic():
        waiting = (SyncProgressTask.objects.select_for_update(skip_locked=True)
                   .filter(status=TaskStatus.QUEUED, dispatched_at__isnull=True, created_at__lte=cutoff)
                   .order_by("-priority", "created_at")[:DISPATCH_BATCH])
        for task in waiting:
            if not sync_task_publish(task=task):
                failed += 1
                break
            sent += 1
    if sent or failed:
        logger.info("deferred dispatch: %d sent, broker %s", sent, "still down" if failed else "up")
    return {"sent": sent, "broker_down": bool(failed)}


def sync_task_run(*, task_id: str) -> dict:
    """Run a queued task to its end, skipping files an earlier delivery of this run finished. A task
    that is cancelled, finished or running elsewhere (fresh heartbeat) is left alone."""
    if not _claim(task_id):
        logger.info("task %s not claimed: missing, cancelled, finished or running elsewhere", task_id)
        return {"task_id": task_id, "claimed": False}
    task = SyncProgressTask.objects.get(task_id=task_id)
    options = SyncOptions(**{k: task.parameters[k] for k in SyncOptions.__dataclass_fields__ if k in task.parameters})
    finished = {r["file_id"] for r in task.file_results}
    files = {f.pk: f for f in CatalogFile.objects.filter(pk__in=task.run_file_ids)}
    with heartbeat(task):
        for file_id in task.run_file_ids:
            if file_id in finished:
                continue
            if _cancel_requested(task):
                CatalogFile.objects.filter(pk__in=task.run_file_ids, status=FileStatus.QUEUED).update(
                    status=FileStatus.PENDING)
                return _complete(task, TaskStatus.CANCELLED)
            file = files.get(file_id)
            if file is None:
                _record(task, None, f"file {file_id} no longer exists")
                continue
            _sync_one(task, file, options)
    task.refresh_from_db()
    done = [files[r["file_id"]] for r in task.file_results
            if r["status"] in (FileStatus.INGESTED, FileStatus.PARTIAL) and r["file_id"] in files]
    # DESIGN.md 5.8: completeness is scored after a batch; a single file is scored by the next batch.
    if done and task.task_type != TaskType.SINGLE_FILE:
        task.task_details = {**task.task_details, "quality_check": quality_check(files=done)}
    # As the predecessor did: one failed file fails the task, so a retry can pick up what is missing.
    failed = task.failed_files > 0 or task.processed_files < len(task.run_file_ids)
    return _complete(task, TaskStatus.FAILED if failed else TaskStatus.COMPLETED)


def _claim(task_id: str) -> bool:
    """Queued, or processing with a stale heartbeat (the delivery that ran it died): one conditional
    UPDATE, so of two deliveries only one wins."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.ERP_HEARTBEAT_STALE_S)
    claimable = Q(status=TaskStatus.QUEUED) | Q(status=TaskStatus.PROCESSING, heartbeat_at__lt=stale)
    return bool(SyncProgressTask.objects.filter(claimable, task_id=task_id, cancel_requested=False).update(
        status=TaskStatus.PROCESSING, started_at=Coalesce(F("started_at"), Value(now)), heartbeat_at=now,
        attempts=F("attempts") + 1))


@contextmanager
def heartbeat(task: SyncProgressTask):
    """Refresh heartbeat_at from a thread while the task runs, so a long file does not look stalled and
    a dead worker's task does (recovery takes it over once the heartbeat is stale)."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(settings.ERP_HEARTBEAT_INTERVAL_S):
                SyncProgressTask.objects.filter(pk=task.pk, status=TaskStatus.PROCESSING).update(
                    heartbeat_at=timezone.now())
        except DatabaseError as exc:  # the run itself will meet the same error and retry
            logger.warning("task %s: heartbeat stopped: %s", task.task_id, exc)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{task.task_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def sync_tasks_recover_stalled(*, dry_run: bool = False) -> list[str]:
    """Tasks whose worker died (heartbeat stale) go back to the queue and are published again; their
    quota slot stays taken, as they are still active. Returns their task ids."""
    stale = timezone.now() - timedelta(seconds=settings.ERP_HEARTBEAT_STALE_S)
    stalled = list(SyncProgressTask.objects.filter(status=TaskStatus.PROCESSING, heartbeat_at__lt=stale))
    if dry_run:
        return [t.task_id for t in stalled]
    recovered = []
    for task in stalled:
        # Conditional on the heartbeat we saw: a worker that beats meanwhile keeps its task.
        if SyncProgressTask.objects.filter(pk=task.pk, status=TaskStatus.PROCESSING,
                                           heartbeat_at=task.heartbeat_at).update(
                status=TaskStatus.QUEUED, dispatched_at=None):
            logger.warning("task %s: heartbeat stale since %s, queued again", task.task_id, task.heartbeat_at)
            sync_task_publish(task=task)
            recovered.append(task.task_id)
    return recovered


def sync_tasks_cleanup(*, older_than_days: int) -> int:
    """Remove finished tasks (and their stored Celery results) older than the retention."""
    from django_celery_results.models import TaskResult

    cutoff = timezone.now() - timedelta(days=older_than_days)
    old = SyncProgressTask.objects.exclude(status__in=SyncProgressTask.ACTIVE_STATUSES).filter(
        finished_at__lt=cutoff)
    TaskResult.objects.filter(task_id__in=old.values("task_id")).delete()
    removed, _ = old.delete()
    return removed


def _sync_one(task: SyncProgressTask, file: CatalogFile, options: SyncOptions) -> FileSyncResult:
    SyncProgressTask.objects.filter(pk=task.pk).update(current_file=file.file_name, file_progress=0.0,
                                                       heartbeat_at=timezone.now())
    CatalogFile.objects.filter(pk=file.pk).update(status=FileStatus.PROCESSING)
    last = [time.monotonic()]
    estimate = max(file.rows_read, 1)

    def progress(rows_read: int):
        if time.monotonic() - last[0] >= PROGRESS_INTERVAL_S:
            last[0] = time.monotonic()
            SyncProgressTask.objects.filter(pk=task.pk).update(
                file_progress=min(99.0, 100.0 * rows_read / estimate) if file.rows_read else 50.0,
                heartbeat_at=timezone.now())

    try:
        result = file_sync(file=file, task=task, options=options, progress=progress)
    except TRANSIENT_ERRORS:
        raise  # the Celery task retries; files finished so far are kept and skipped
    except Exception as exc:  # a bug on one file must not stop the batch; it is logged and recorded
        logger.exception("task %s: file %s failed unexpectedly", task.task_id, file.path)
        result = file_mark_failed(file=file, error=f"unexpected error: {exc!r}")
    _record(task, result, result.error)
    return result


def _record(task: SyncProgressTask, result: FileSyncResult | None, error: str):
    """Fold one file's outcome into the task row with F() increments (one UPDATE)."""
    changes = {"processed_files": F("processed_files") + 1, "file_progress": 100.0, "heartbeat_at": timezone.now()}
    if result is not None:
        counter = {FileStatus.SKIPPED: "skipped_files", FileStatus.FAILED: "failed_files"}.get(result.status,
                                                                                              "succeeded_files")
        changes[counter] = F(counter) + 1
        for name in ("rows_read", "rows_ingested", "rows_quarantined", "rows_skipped"):
            changes[name] = F(name) + getattr(result, name)
    else:
        changes["failed_files"] = F("failed_files") + 1
    with transaction.atomic():
        SyncProgressTask.objects.filter(pk=task.pk).update(**changes)
        locked = SyncProgressTask.objects.select_for_update().get(pk=task.pk)
        if result is not None:
            locked.file_results = [*locked.file_results, result.as_dict()]
        if error and len(locked.errors) < MAX_ERRORS_KEPT:
            locked.errors = [*locked.errors, f"{result.file_name}: {error}" if result else error]
        locked.save(update_fields=["file_results", "errors"])


def _cancel_requested(task: SyncProgressTask) -> bool:
    return SyncProgressTask.objects.filter(pk=task.pk, cancel_requested=True).exists()


def _complete(task: SyncProgressTask, status: str) -> dict:
    SyncProgressTask.objects.filter(pk=task.pk).update(
        status=status, finished_at=timezone.now(), current_file="", task_details=task.task_details)
    quota_release(user_id=task.user_id, task_id=task.task_id)
    task.refresh_from_db()
    summary = {"task_id": task.task_id, "status": status, "files": task.processed_files,
               "succeeded": task.succeeded_files, "failed": task.failed_files, "skipped": task.skipped_files}
    logger.info("task %s finished: %s", task.task_id, summary)
    return summary
