"""Sync tasks: creating a SyncProgressTask and publishing it after commit, and running it in a worker
(claim, files one by one with throttled progress, cancel at file boundaries, quality check)."""

import logging
import time

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from sync.models import CatalogFile, FileStatus, SyncProgressTask, TaskStatus, TaskType
from sync.services.ingest import FileSyncResult, SyncOptions, file_mark_failed, file_sync
from sync.services.quality import quality_check

logger = logging.getLogger(__name__)
PROGRESS_INTERVAL_S = 1.0
MAX_ERRORS_KEPT = 100


def sync_task_create(*, task_type: str, file_ids: list[int], user=None, priority: int = 5,
                     options: SyncOptions = SyncOptions(), parameters: dict | None = None) -> SyncProgressTask:
    """Write the task row and mark its files queued; the Celery message goes out after commit."""
    with transaction.atomic():
        task = SyncProgressTask.objects.create(
            task_type=task_type, user=user, priority=priority, file_ids=list(file_ids),
            total_files=len(file_ids), parameters={**(parameters or {}), **options.__dict__},
        )
        CatalogFile.objects.filter(pk__in=file_ids).update(status=FileStatus.QUEUED)
        transaction.on_commit(lambda: sync_task_publish(task=task))
    return task


def sync_task_publish(*, task: SyncProgressTask):
    from sync import tasks  # the Celery tasks import this module

    celery_task = tasks.sync_single_file if task.task_type == TaskType.SINGLE_FILE else tasks.sync_batch
    celery_task.apply_async(kwargs={"task_id": task.task_id}, task_id=task.task_id, priority=task.priority)
    SyncProgressTask.objects.filter(pk=task.pk).update(dispatched_at=timezone.now())


def sync_task_run(*, task_id: str) -> dict:
    """Run a queued task to its end. A task that is not queued (already claimed by another delivery,
    cancelled, finished) is left alone."""
    claimed = SyncProgressTask.objects.filter(task_id=task_id, status=TaskStatus.QUEUED, cancel_requested=False)
    now = timezone.now()
    if not claimed.update(status=TaskStatus.PROCESSING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1):
        logger.info("task %s not claimed: missing, cancelled or already taken", task_id)
        _cancel_if_requested(task_id)
        return {"task_id": task_id, "claimed": False}
    task = SyncProgressTask.objects.get(task_id=task_id)
    options = SyncOptions(**{k: task.parameters[k] for k in SyncOptions.__dataclass_fields__ if k in task.parameters})
    files = {f.pk: f for f in CatalogFile.objects.filter(pk__in=task.file_ids)}
    results: list[FileSyncResult] = []
    for file_id in task.file_ids:
        if _cancel_requested(task):
            CatalogFile.objects.filter(pk__in=task.file_ids, status=FileStatus.QUEUED).update(status=FileStatus.PENDING)
            return _complete(task, results, TaskStatus.CANCELLED)
        file = files.get(file_id)
        if file is None:
            _record(task, None, f"file {file_id} no longer exists")
            continue
        results.append(_sync_one(task, file, options))
    done = [files[r.file_id] for r in results if r.succeeded]
    if done:
        task.task_details = {**task.task_details, "quality_check": quality_check(files=done)}
    failed = any(r.status == FileStatus.FAILED for r in results)
    return _complete(task, results, TaskStatus.FAILED if failed and not any(r.succeeded for r in results)
                     else TaskStatus.COMPLETED)


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
    except (OperationalError, InterfaceError):
        raise  # transient: the Celery task retries the whole task
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


def _cancel_if_requested(task_id: str):
    SyncProgressTask.objects.filter(task_id=task_id, status=TaskStatus.QUEUED, cancel_requested=True).update(
        status=TaskStatus.CANCELLED, finished_at=timezone.now())


def _complete(task: SyncProgressTask, results: list[FileSyncResult], status: str) -> dict:
    SyncProgressTask.objects.filter(pk=task.pk).update(
        status=status, finished_at=timezone.now(), current_file="", task_details=task.task_details)
    summary = {
        "task_id": task.task_id, "status": status, "files": len(results),
        "succeeded": sum(r.succeeded for r in results),
        "failed": sum(r.status == FileStatus.FAILED for r in results),
        "skipped": sum(r.status == FileStatus.SKIPPED for r in results),
    }
    logger.info("task %s finished: %s", task.task_id, summary)
    return summary
