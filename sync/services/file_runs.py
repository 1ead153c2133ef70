"""Syncing one catalog file for whoever holds it: a worker's task or the shell's `sync_files`. A file is
held from the conditional UPDATE that claims it until the engine writes its outcome, so two holders never
sync one file at the same moment."""

import logging

from celery.exceptions import SoftTimeLimitExceeded

from erp.errors import TRANSIENT_ERRORS
from sync.ingest.engine import FileSyncResult, ProgressCallback, SyncLookups, SyncOptions, file_mark_failed, file_sync
from sync.models import CatalogFile, FileStatus, SyncProgressTask

logger = logging.getLogger(__name__)
# A file in one of these states belongs to a task (or a shell) already: another must wait for it.
BUSY_FILE_STATUSES = (FileStatus.QUEUED, FileStatus.PROCESSING)


def catalog_files_hold(*, file_ids: list[int], status: str) -> int:
    """Move the files that nobody holds to `status` (queued for a task, processing for the shell) in one
    conditional UPDATE; returns how many were taken."""
    return CatalogFile.objects.filter(pk__in=file_ids).exclude(status__in=BUSY_FILE_STATUSES).update(status=status)


def catalog_file_hold_for_shell(*, file: CatalogFile) -> bool:
    """Hold one file for an in-process sync, or refuse (False) when a task holds it."""
    return catalog_files_hold(file_ids=[file.pk], status=FileStatus.PROCESSING) == 1


def file_run(*, file: CatalogFile, options: SyncOptions, task: SyncProgressTask | None = None,
             progress: ProgressCallback | None = None, lookups: SyncLookups | None = None,
             reread: bool = False) -> FileSyncResult:
    """Sync a held file (the engine records how long it took). A bug on one file fails that file alone
    (logged, recorded); a transient error is raised for the caller to retry, with the file still held.
    A task passes its `lookups`, so its files share one template and account lookup."""
    CatalogFile.objects.filter(pk=file.pk).update(status=FileStatus.PROCESSING)
    try:
        return file_sync(file=file, task=task, options=options, progress=progress, lookups=lookups, reread=reread)
    except (*TRANSIENT_ERRORS, SoftTimeLimitExceeded):
        raise  # the file's writes are rolled back; the caller decides what the time limit means
    except Exception as exc:  # noqa: BLE001 - recorded on the file; the batch goes on
        logger.exception("task %s: file %s failed unexpectedly", task and task.task_id, file.path)
        return file_mark_failed(file=file, error=f"unexpected error: {exc!r}")


def catalog_file_release(*, file: CatalogFile):
    """Give back a file the shell held but could not finish (interrupted by an error)."""
    CatalogFile.objects.filter(pk=file.pk, status=FileStatus.PROCESSING).update(status=FileStatus.PENDING)

