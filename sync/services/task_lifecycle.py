"""The life of a sync task outside the worker: creating it (quota slot, row, publish after commit),
cancelling and retrying it, and removing old ones. Running it is sync/services/task_run.py."""

import logging
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.audit.models import AuditOperation
from erp.audit.services import audit_record
from sync.errors import TaskStateConflict
from sync.ingest.engine import SyncOptions
from sync.models import CatalogFile, FileStatus, SyncProgressTask, TaskStatus
from sync.services.batch_parts import batch_parts_active
from sync.services.dispatch import sync_task_submitted
from sync.services.file_runs import BUSY_FILE_STATUSES, catalog_files_hold
from sync.services.priority import priority_for
from sync.services.quota import quota_release, quota_take

logger = logging.getLogger(__name__)

def sync_task_create(*, task_type: str, file_ids: list[int], user=None, priority: int | None = None,
                     options: SyncOptions = SyncOptions(), parameters: dict | None = None,
                     task_id: str | None = None) -> SyncProgressTask:
    """Take the user's quota slot, write the task row and mark its files queued, all in one
    transaction; the Celery message goes out after commit. `task_id` (also the Celery id) defaults to a
    UUID; the predecessor-compatible endpoints pass their own readable form (single_file_<id>_<hex>)."""
    task_id = task_id or str(uuid.uuid4())
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
            if (parameters or {}).get("dry_run"):
                _files_must_exist(file_ids)  # a dry run writes nothing: its files are not held
            else:
                _queue_files(file_ids)
            audit_record(instance=task, operation=AuditOperation.SYNC, before={}, after=_audited(task))
            transaction.on_commit(lambda: sync_task_submitted(task=task))
    except BaseException:
        quota_release(user_id=user and user.pk, task_id=task_id)
        raise
    return task


def _files_must_exist(file_ids: list[int]):
    found = set(CatalogFile.objects.filter(pk__in=file_ids).values_list("pk", flat=True))
    if missing := [pk for pk in file_ids if pk not in found]:
        raise CatalogFile.DoesNotExist(_("Files %(ids)s do not exist.") % {"ids": missing[:20]})


def _queue_files(file_ids: list[int]):
    """Mark the files queued in one conditional UPDATE: a file another task holds makes the whole
    submission a conflict (two submissions racing for one file: exactly one gets it), a file that does
    not exist makes it not found. Only a refused submission pays for the lookup."""
    if catalog_files_hold(file_ids=file_ids, status=FileStatus.QUEUED) < len(file_ids):
        status_by_id = dict(CatalogFile.objects.filter(pk__in=file_ids).values_list("pk", "status"))
        if missing := [pk for pk in file_ids if pk not in status_by_id]:
            raise CatalogFile.DoesNotExist(_("Files %(ids)s do not exist.") % {"ids": missing[:20]})
        busy = [pk for pk, file_status in status_by_id.items() if file_status in BUSY_FILE_STATUSES]
        if busy:
            raise TaskStateConflict(_("Files %(ids)s are already queued or being synced by another task.")
                                    % {"ids": busy[:20]}, code="file_busy")


def sync_task_cancel(*, task: SyncProgressTask) -> SyncProgressTask:
    """A queued task is cancelled at once and never starts; a running one is asked to stop at the next
    file boundary (a batch spread over parts: each part at its next one, and the last to stop finishes
    it). The request is stored in the database, so a worker restart does not forget it."""
    now = timezone.now()
    before = _audited(task)
    with transaction.atomic():
        # Locked, as the last of a spread batch's runs to end locks it to finish it (task_run._run_end).
        SyncProgressTask.objects.select_for_update().filter(pk=task.pk).first()
        if not batch_parts_active(task) and SyncProgressTask.objects.filter(pk=task.pk, status=TaskStatus.QUEUED).update(
                status=TaskStatus.CANCELLED, cancel_requested=True, finished_at=now):
            CatalogFile.objects.filter(pk__in=task.run_file_ids, status=FileStatus.QUEUED).update(
                status=FileStatus.PENDING)
            transaction.on_commit(lambda: quota_release(user_id=task.user_id, task_id=task.task_id))
        elif not SyncProgressTask.objects.filter(pk=task.pk, status__in=SyncProgressTask.ACTIVE_STATUSES).update(
                cancel_requested=True):
            task.refresh_from_db()
            raise TaskStateConflict(_("Task %(task)s is %(status)s: only a queued or running task can be "
                                      "cancelled.") % {"task": task.task_id, "status": task.status},
                                    code="task_not_cancellable")
        task.refresh_from_db()
        audit_record(instance=task, operation=AuditOperation.CANCEL, before=before, after=_audited(task))
    logger.info("task %s: cancel requested (now %s)", task.task_id, task.status)
    return task


def sync_task_retry(*, task: SyncProgressTask, all_files: bool = False) -> SyncProgressTask:
    """Run a failed or cancelled task again under the same task_id: the files not ingested yet, or all
    of them. Takes a quota slot like a new submission."""
    if task.status not in (TaskStatus.FAILED, TaskStatus.CANCELLED):
        raise TaskStateConflict(_("Task %(task)s is %(status)s: only a failed or cancelled task can be "
                                  "retried.") % {"task": task.task_id, "status": task.status},
                                code="task_not_retryable")
    done = set() if task.parameters.get("dry_run") else set(CatalogFile.objects.filter(
        pk__in=task.file_ids, status__in=(FileStatus.INGESTED, FileStatus.PARTIAL)).values_list("pk", flat=True))
    files = list(task.file_ids) if all_files else [f for f in task.file_ids if f not in done]
    if not files:
        raise TaskStateConflict(_("Every file of task %(task)s is already ingested; retry with all_files to "
                                  "sync them again.") % {"task": task.task_id}, code="nothing_to_retry")
    before = _audited(task)
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
                    given_file_ids=[], waits_for_parts=False, task_details={"previous_runs": history}):
                raise TaskStateConflict(_("Task %(task)s changed state meanwhile.") % {"task": task.task_id},
                                        code="task_state_changed")
            if not task.parameters.get("dry_run"):
                CatalogFile.objects.filter(pk__in=files).update(status=FileStatus.QUEUED)
            task.refresh_from_db()
            audit_record(instance=task, operation=AuditOperation.RETRY, before=before, after=_audited(task),
                         extra={"all_files": all_files})
            transaction.on_commit(lambda: sync_task_submitted(task=task))
    except BaseException:
        quota_release(user_id=task.user_id, task_id=task.task_id)
        raise
    logger.info("task %s: retry of %d files queued", task.task_id, len(files))
    return task


def _audited(task: SyncProgressTask) -> dict:
    """The fields an operator's action changes, as the audit trail shows them before and after."""
    return {"status": task.status, "cancel_requested": task.cancel_requested, "priority": task.priority,
            "total_files": task.total_files, "run_file_ids": list(task.run_file_ids)}


def _run_summary(task: SyncProgressTask) -> dict:
    return {"status": task.status, "attempt": task.attempts, "processed_files": task.processed_files,
            "failed_files": task.failed_files, "errors": task.errors[:10],
            "finished_at": task.finished_at and task.finished_at.isoformat()}


def sync_tasks_cleanup(*, older_than_days: int) -> int:
    """Remove finished tasks (and their stored Celery results) older than the retention."""
    from django_celery_results.models import TaskResult

    cutoff = timezone.now() - timedelta(days=older_than_days)
    old = SyncProgressTask.objects.exclude(status__in=SyncProgressTask.ACTIVE_STATUSES).filter(finished_at__lt=cutoff)
    TaskResult.objects.filter(task_id__in=old.values("task_id")).delete()
    removed, _ = old.delete()
    return removed


