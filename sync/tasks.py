"""Celery tasks: thin wrappers that load ids, call one service, and retry only transient errors."""

import logging
from pathlib import Path

from celery import shared_task, states
from celery.exceptions import Ignore
from celery.utils.saferepr import saferepr
from django.conf import settings
from django.db import connections
from django_celery_results.models import TaskResult

from erp.errors import TRANSIENT_ERRORS
from sync.models import CatalogFile, SyncProgressTask, TaskStatus
from sync.services.catalog import catalog_scan
from sync.services.dispatch import (sync_tasks_dispatch_deferred, sync_tasks_recover_stalled,
                                   sync_tasks_republish_lost, task_message_kwargs)
from sync.services.images import product_images_extract
from sync.services.quota import quota_reconcile
from sync.services.rollback import change_sets_prune
from sync.services.task_lifecycle import sync_tasks_cleanup
from sync.services.task_run import sync_task_run

logger = logging.getLogger(__name__)
# Transient errors only, at most 3 times, after about 5, 10 and 20 s (full jitter below those).
RETRY_OPTIONS = {
    "autoretry_for": TRANSIENT_ERRORS,
    "max_retries": 3,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
}
# What a result stored again replaces (its creation date stays).
RESULT_STORED_FIELDS = ["status", "result", "content_type", "content_encoding", "meta", "traceback", "date_done",
                        "task_name", "task_args", "task_kwargs", "worker", "periodic_task_name"]


def _run_sync(task, task_id: str, ended=None) -> dict:
    logger.info("task %s: %s starts (retry %s)", task_id, task.name, task.request.retries)
    try:
        return sync_task_run(task_id=task_id, ended=ended)
    except TRANSIENT_ERRORS:
        # The connection may be the thing that broke: start the bookkeeping on a fresh one. The row was
        # left processing; put it back so the retry can claim it (finished files are kept and skipped).
        connections.close_all()
        SyncProgressTask.units.filter(task_id=task_id, status=TaskStatus.PROCESSING).update(
            status=TaskStatus.QUEUED)
        raise


# A sync's own row says it runs (the API's STARTED reads it), so Celery's STARTED result is not written:
# one write fewer per task (issue 19: small files pay it in full).
@shared_task(bind=True, track_started=False, **RETRY_OPTIONS)
def sync_single_file(self, task_id: str):
    # The delivery may go on with its owner's next small single-file tasks: each one's result is stored as
    # it ends (sync/services/small_tasks.py).
    return _outcome(self, _run_sync(self, task_id, ended=lambda summary: _result_store(self, summary)))


@shared_task(bind=True, track_started=False, **RETRY_OPTIONS)
def sync_batch(self, task_id: str):
    return _outcome(self, _run_sync(self, task_id))


def _outcome(task, result: dict) -> dict:
    """The result under a task's id is the one of the run that finishes it. A delivery of a task another
    delivery ran (a message published again), one that handed its slot over, and a batch's run that left
    the finishing to its parts store none; a part that finished its batch stores the batch's; a result
    stored already (the delivery went on with small tasks) is not stored again."""
    if result.get("another_delivery") or result.get("handed_over") or result.get("waits_for_parts") \
            or result.get("part_of") or result.get("stored"):
        raise Ignore()
    if result["task_id"] != task.request.id:
        _result_store(task, result)
        raise Ignore()
    return result


def _result_store(task, summary: dict):
    """`summary`'s task's SUCCESS result, stored as it ends, in `task`'s delivery (it may be another
    task's: small tasks, a batch's parts) with what a delivery of its own stores (extended results). One
    INSERT ... ON CONFLICT: django-celery-results' store_result is a SELECT, then an INSERT in a savepoint,
    which a small file paid in full (issue 19)."""
    def encoded(value) -> str:
        return task.backend.encode_content(value)[2]

    content_type, content_encoding, result = task.backend.encode_content(summary)
    TaskResult.objects.bulk_create(
        [TaskResult(task_id=summary["task_id"], status=states.SUCCESS, result=result, content_type=content_type,
                    content_encoding=content_encoding, meta=encoded({"children": []}), task_name=task.name,
                    task_args=encoded(saferepr(())),
                    task_kwargs=encoded(saferepr(task_message_kwargs(summary["task_id"]))),
                    worker=task.request.hostname)],
        update_conflicts=True, unique_fields=["task_id"], update_fields=RESULT_STORED_FIELDS)


@shared_task(bind=True, **RETRY_OPTIONS)
def extract_product_images(self, file_id: int):
    file = CatalogFile.objects.filter(pk=file_id).first()
    if file is None:
        logger.warning("task %s: file %s no longer exists", self.request.id, file_id)
        return {"file_id": file_id, "images": []}
    images = product_images_extract(file=file)
    logger.info("task %s: %d images extracted from %s", self.request.id, len(images), file.path)
    return {"file_id": file_id, "images": images}


@shared_task(bind=True, **RETRY_OPTIONS)
def scan_inbox(self):
    report = catalog_scan(inbox=Path(settings.ERP_INBOX_DIR))
    logger.info("task %s: inbox scanned: %s", self.request.id, report.summary())
    return {"new": len(report.new), "changed": len(report.changed), "duplicates": len(report.duplicates)}


@shared_task(bind=True)
def reconcile_quotas(self):
    changes = quota_reconcile()
    logger.info("task %s: quota slots reconciled: %s", self.request.id, changes)
    return changes


@shared_task(bind=True)
def dispatch_deferred(self):
    """Beat, every 10 s: publish tasks written while the broker was down, and again those it lost."""
    return {**sync_tasks_dispatch_deferred(), **sync_tasks_republish_lost()}


@shared_task(bind=True)
def recover_stalled(self):
    """Beat, every minute: tasks whose worker died go back to the queue."""
    return {"recovered": sync_tasks_recover_stalled()}


@shared_task(bind=True)
def prune_change_sets(self):
    """Beat, daily: change sets past the retention are removed (their files can no longer be rolled back)."""
    return {"removed": change_sets_prune(older_than_days=settings.ERP_CHANGE_SET_RETENTION_DAYS)}


@shared_task(bind=True)
def cleanup_old_tasks(self):
    """Beat, daily: finished tasks past the retention are removed."""
    return {"removed": sync_tasks_cleanup(older_than_days=settings.ERP_TASK_RETENTION_DAYS)}
