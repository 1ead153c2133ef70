"""Running a sync task in a worker: claim it, sync its files one by one with throttled progress, stop
at a file boundary when cancelled, score the data quality, and finish with exact counts."""

import json
import logging
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from billiard.pool import SIG_SOFT_TIMEOUT
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError, NotSupportedError, connection, transaction
from django.db.models import Case, F, Func, JSONField, Q, Value, When
from django.utils import timezone

from erp.errors import TRANSIENT_ERRORS
from sync.ingest.engine import (SMALL_FILE_BYTES, FileSyncResult, SyncLookups, SyncOptions, file_mark_failed,
                               files_read_ahead, files_sync_together, files_written_together)
from sync.models import CatalogFile, ChangeSet, FileStatus, SyncProgressTask, TaskStatus, TaskType
from sync.services.batch_parts import batch_part_end, batch_parts_active, batch_spread
from sync.services.dispatch import sync_task_publish, sync_tasks_dispatch_next
from sync.services.fair_share import should_yield, slots_in_flight
from sync.services.file_runs import file_run
from sync.services.previews import file_preview
from sync.services.quality import quality_check
from sync.services.quota import quota_release
from sync.services.small_tasks import others_wait, small_task_claim, small_tasks_next, small_tasks_release

logger = logging.getLogger(__name__)
PROGRESS_INTERVAL_S = 1.0
# How often, at most, a running task that sees another user waiting asks whether to give its slot.
FAIR_SHARE_CHECK_S = 0.2
CANCELLED, HANDED_OVER, TIMED_OUT = "cancelled", "handed_over", "timed_out"
# Outcomes of files that finish faster than this are written to the task row together (issue 16).
RECORD_INTERVAL_S = 1.0
MAX_ERRORS_KEPT = 100
# Small files (engine.SMALL_FILE_BYTES) are read and prepared together, this many (and bytes) at a time.
READ_AHEAD_FILES = 100
READ_AHEAD_BYTES = 8 * 1024 * 1024
FILE_COUNTERS = {FileStatus.SKIPPED: "skipped_files", FileStatus.FAILED: "failed_files"}  # else succeeded_files
ROW_COUNTERS = ("rows_read", "rows_ingested", "rows_quarantined", "rows_skipped")
# A finished task's summary (its Celery result): name -> the task row's field.
SUMMARY_FIELDS = {"status": "status", "files": "processed_files", "succeeded": "succeeded_files",
                  "failed": "failed_files", "skipped": "skipped_files"}


def sync_task_run(*, task_id: str, ended: Callable[[dict], None] | None = None) -> dict:
    """Run a queued task (or a part of a batch) to its end, skipping files an earlier delivery of this run
    finished. A task that is cancelled, finished or running elsewhere (fresh heartbeat) is left alone.
    With `ended` (where each task's result goes), a small single-file task is followed by its owner's
    next ones (small_tasks), each reported to `ended` as it ends, this one first (`stored` then says so)."""
    if not _claim(task_id):
        logger.info("task %s not claimed: missing, cancelled, finished or running elsewhere", task_id)
        # Another delivery ran it or runs it (a message published again): its result is that run's.
        ran = SyncProgressTask.units.filter(task_id=task_id, attempts__gt=0).exists()
        return {"task_id": task_id, "claimed": False, "another_delivery": ran}
    started = time.monotonic()
    task = SyncProgressTask.units.select_related("parent").get(task_id=task_id)
    lookups = SyncLookups()
    along = _small_tasks_take(task, lookups) if ended is not None else []
    try:
        with DeliveryHeartbeat(started=started) as beat:
            summary, run_ended = _task_run(task, lookups, beat)
            if not run_ended:
                return summary
            if along:
                summary = _small_tasks_run(task, summary, along, lookups, beat, ended)
    finally:
        if along:
            _small_tasks_release(task)
    if settings.ERP_FAIR_SHARE:
        sync_tasks_dispatch_next()  # the slot this delivery held goes to the next in fair-share order
    return summary


def _task_run(task: SyncProgressTask, lookups: SyncLookups, beat: "DeliveryHeartbeat",
              files: dict[int, CatalogFile] | None = None, first_file_begun: bool = False) -> tuple[dict, bool]:
    """The task's summary, and whether it ended (not handed back to the queue). `files`: its files, when
    read already; `first_file_begun`: its claim showed the first as current, and checked the cancel and
    that no other user waits (small_tasks)."""
    root = task.parent or task  # the batch whose row holds the progress, the counts and the cancel
    left_out = {r["file_id"] for r in root.file_results} | set(task.given_file_ids)
    files = CatalogFile.objects.in_bulk(task.run_file_ids) if files is None else files
    outcomes = PendingOutcomes(task=root, errors_kept=len(root.errors))
    file_ids = [i for i in task.run_file_ids if i not in left_out]
    with beat.of(task):
        try:
            stop = _files_run(task, root, file_ids, files, SyncOptions.of(root.parameters), outcomes, lookups,
                              beat, first_file_begun)
        except BaseException:
            outcomes.write_before_raising()
            raise
    if stop in (HANDED_OVER, TIMED_OUT):
        outcomes.write()
        return _hand_over(task, timed_out=stop == TIMED_OUT), False
    return _run_end(task, root, files, outcomes, cancelled=stop == CANCELLED), True


def _small_tasks_take(task: SyncProgressTask, lookups: SyncLookups) -> list[tuple[SyncProgressTask, CatalogFile]]:
    """When `task` is a small single-file task: its owner's next ones, reserved for this delivery, their
    files read and prepared into `lookups` with its own (small_tasks). Any database error leaves them
    to the dispatcher: `task` runs alone, and meets the error itself if it lasts."""
    try:
        return small_tasks_next(task=task, options=SyncOptions.of(task.parameters), lookups=lookups)
    except DatabaseError as exc:
        _small_tasks_left(task, exc)
        lookups.ahead.clear()
        _small_tasks_release(task)
        return []


def _small_tasks_run(after: SyncProgressTask, summary: dict, along: list[tuple[SyncProgressTask, CatalogFile]],
                     lookups: SyncLookups, beat: "DeliveryHeartbeat", ended: Callable[[dict], None]) -> dict:
    """After `after` ended (`summary`, stored first): the tasks `along`, reserved for this delivery, each
    claimed at its turn; `after`'s summary, `stored`. The task has ended whatever happens here: a
    database error leaves the rest to the dispatcher."""
    try:
        ended(summary)
        summary = {**summary, "stored": True}
        _small_tasks_claim_and_run(after, along, lookups, beat, ended)
    except DatabaseError as exc:
        _small_tasks_left(after, exc)
    return summary


def _small_tasks_left(task: SyncProgressTask, exc: DatabaseError):
    logger.warning("task %s: its owner's next small tasks are left to the dispatcher (%s)", task.task_id, exc)
    _after_interrupt()


def _small_tasks_release(after: SyncProgressTask):
    """The reservations left at the end of the delivery wait again. Never raised over the delivery's own
    outcome: reservations not released are published again after ERP_REPUBLISH_AFTER_S, as tasks the
    broker lost."""
    try:
        small_tasks_release(after=after)
    except DatabaseError as exc:
        logger.warning("task %s: reservations not released (%s)", after.task_id, exc)


def _small_tasks_claim_and_run(after: SyncProgressTask, along: list[tuple[SyncProgressTask, CatalogFile]],
                               lookups: SyncLookups, beat: "DeliveryHeartbeat", ended: Callable[[dict], None]):
    """Each reserved task claimed and run at its turn (one cancelled, or published again and taken by another
    worker, is left). Another user waiting, or a task that does not end, ends the run. One that fails
    here waits again, for a delivery of its own."""
    for task, file in along:
        try:
            if not small_task_claim(task=task, file=file, after=after):
                if others_wait(after):
                    return
                continue
            summary, run_ended = _task_run(task, lookups, beat, files={file.pk: file}, first_file_begun=True)
            if not run_ended:
                return
            ended(summary)
        except Exception as exc:  # noqa: BLE001 - the delivery's own task has ended; this one waits again
            logger.warning("task %s: stopped in the delivery of task %s (%r); it waits for one of its own",
                           task.task_id, after.task_id, exc)
            _after_interrupt()
            _requeue(task)
            return


def _run_end(task: SyncProgressTask, root: SyncProgressTask, files: dict[int, CatalogFile],
             outcomes: "PendingOutcomes", *, cancelled: bool) -> dict:
    """A task that never spread finishes, its last outcomes written with its end. Of a batch and its
    parts, the last run to end finishes the batch; the batch's row is locked meanwhile, so exactly one does."""
    if task.parent_id is None and not task.given_file_ids:
        return _finish(task, files, outcomes, cancelled=cancelled)
    outcomes.write()
    with transaction.atomic():
        root = SyncProgressTask.units.select_for_update().get(pk=root.pk)
        if task.parent_id is not None:
            batch_part_end(task, cancelled=cancelled)
            # The batch's own run has ended (or, cancelled while queued, never runs again).
            batch_done = root.waits_for_parts or (root.status == TaskStatus.QUEUED and root.cancel_requested)
            if not batch_done or batch_parts_active(root):
                return {"task_id": task.task_id, "part_of": root.task_id}
        elif batch_parts_active(root):
            SyncProgressTask.units.filter(pk=root.pk).update(waits_for_parts=True, current_file="")
            logger.info("task %s: its own files are done; its last part to end finishes it", root.task_id)
            return {"task_id": root.task_id, "waits_for_parts": True}
        cancelled = root.cancel_requested and root.processed_files < len(root.run_file_ids)
        files = CatalogFile.objects.in_bulk(root.run_file_ids)
        return _finish(root, files, PendingOutcomes(root), cancelled=cancelled)


def _finish(task: SyncProgressTask, files: dict[int, CatalogFile], outcomes: "PendingOutcomes", *,
            cancelled: bool) -> dict:
    """The task's end, with the outcomes still pending, in one UPDATE (issue 19: a one-file task wrote
    its counts, then its end)."""
    if cancelled:
        CatalogFile.objects.filter(pk__in=task.run_file_ids, status=FileStatus.QUEUED).update(status=FileStatus.PENDING)
        return _complete(task, TaskStatus.CANCELLED, outcomes.taken()[0])
    # DESIGN.md 5.8: completeness is scored after a batch; a single file is scored by the next batch.
    if task.task_type != TaskType.SINGLE_FILE and not task.parameters.get("dry_run"):
        outcomes.write()
        task.refresh_from_db(fields=["file_results"])
        done = [files[r["file_id"]] for r in task.file_results
                if r["status"] in (FileStatus.INGESTED, FileStatus.PARTIAL) and r["file_id"] in files]
        if done:
            task.task_details = {**task.task_details, "quality_check": _quality_check(task, done)}
    # As the predecessor did: one failed file fails the task, so a retry can pick up what is missing. The
    # counts are the row's (every run of a spread batch added to them), read by the UPDATE itself, which
    # adds the pending ones: the row's values it reads are those before it.
    changes, added = outcomes.taken()
    failed = (Q(failed_files__gt=-added["failed_files"])
              | Q(processed_files__lt=len(task.run_file_ids) - added["processed_files"]))
    return _complete(task, Case(When(failed, then=Value(TaskStatus.FAILED)), default=Value(TaskStatus.COMPLETED)),
                     changes)


def _claim(task_id: str) -> bool:
    """Queued, or processing with a stale heartbeat (the delivery that ran it died): one conditional
    UPDATE, so of two deliveries only one wins."""
    now = timezone.now()
    return bool(SyncProgressTask.units.claimable(now=now).filter(task_id=task_id).claim(now=now))


class DeliveryHeartbeat:
    """One thread per delivery refreshes heartbeat_at of the task it runs (`of`), so a long file does not
    look stalled and a dead worker's task does (recovery takes it over once the heartbeat is stale). A
    delivery running small tasks one after another keeps the one thread (a thread per task cost about
    3% of a small task's time, issue 19). The same thread holds the delivery to its soft time limit
    while a task runs: Celery's own timer is best effort and can miss (celery #6873), and a delivery it
    misses runs on to the hard limit, killed with its file half-synced.

    It also writes a file's progress (`progress`), on its own connection: the sync's is inside the file's
    transaction, where the progress was seen by no one before the file committed and its row stayed
    locked until then, so a batch's parts, which all write to the batch's row, took turns file by file."""

    def __init__(self, *, started: float):
        # The delivery's limit (`started`: its start): Celery's, if it fires, is first.
        self.deadline = started + settings.CELERY_TASK_SOFT_TIME_LIMIT + settings.ERP_HEARTBEAT_INTERVAL_S
        self.task: SyncProgressTask | None = None
        self.reported: tuple[int, str, float] | None = None  # (the row, its current file, the percent)
        self.wake, self.stop = threading.Event(), threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> "DeliveryHeartbeat":
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join()

    @contextmanager
    def of(self, task: SyncProgressTask):
        self.task = task
        if self.thread is None:
            self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{task.task_id}", daemon=True)
            self.thread.start()
        try:
            yield
        finally:
            self.task = None

    def progress(self, row: SyncProgressTask, file: CatalogFile, percent: float):
        """Show `percent` as the progress of `file` on `row` (the batch's row for a part), soon."""
        self.reported = (row.pk, file.file_name, percent)
        self.wake.set()

    def _beat(self):
        interrupted, task, beaten = False, None, time.monotonic()
        try:
            while not self.stop.is_set():
                self.wake.wait(settings.ERP_HEARTBEAT_INTERVAL_S)
                self.wake.clear()
                task, reported, self.reported = self.task, self.reported, None
                if task is None or self.stop.is_set():
                    continue
                if reported is not None:
                    _progress_write(*reported)
                if time.monotonic() - beaten >= settings.ERP_HEARTBEAT_INTERVAL_S:
                    beaten = time.monotonic()
                    SyncProgressTask.units.filter(pk=task.pk, status=TaskStatus.PROCESSING).update(
                        heartbeat_at=timezone.now())
                if not interrupted and time.monotonic() > self.deadline and self.task is not None:
                    interrupted = True
                    logger.warning("task %s: past its soft time limit; stopping it", task.task_id)
                    _soft_time_limit_raise()
        except DatabaseError as exc:  # the run itself will meet the same error and retry
            logger.warning("task %s: heartbeat stopped: %s", task and task.task_id, exc)
        finally:
            connection.close()  # this thread's own connection


def _progress_write(row_id: int, file_name: str, percent: float):
    # Only while the file is still the current one: its end may have come before this write.
    SyncProgressTask.units.filter(pk=row_id, current_file=file_name).update(
        file_progress=percent, heartbeat_at=timezone.now())


def _soft_time_limit_raise():
    """Send this process the signal billiard's pool process raises SoftTimeLimitExceeded on, as billiard
    does: a real signal also ends a wait the main thread is blocked in (a simulated one would not). Only
    where that handler is installed: elsewhere the signal's default would end the process."""
    if callable(signal.getsignal(SIG_SOFT_TIMEOUT)):
        os.kill(os.getpid(), SIG_SOFT_TIMEOUT)


def _files_run(task: SyncProgressTask, root: SyncProgressTask, file_ids: list[int], files: dict[int, CatalogFile],
               options: SyncOptions, outcomes: "PendingOutcomes", lookups: SyncLookups, beat: DeliveryHeartbeat,
               first_file_begun: bool = False) -> str | None:
    """Sync the files in order; CANCELLED when a cancel request stopped the run at a file boundary,
    HANDED_OVER when fair share gave its slot to another user's task there, TIMED_OUT when the delivery's
    time limit struck (the rest is synced by the next delivery). A run of small files is read and
    prepared together first (engine.files_read_ahead), and those of one group are written together, in
    order, each with its own outcome. `root` is the batch a part runs for (else `task` itself)."""
    considered: set[int] = set()
    slot = SlotCheck(task)
    position = 0
    while position < len(file_ids):
        file_id = file_ids[position]
        file = files.get(file_id)
        begun, others_wait = (True, False) if first_file_begun and not position else _file_begin(root, file)
        if not begun:
            return CANCELLED
        if position and others_wait and slot.hand_over():
            return HANDED_OVER
        if not others_wait and slot.may_spread(root, len(file_ids) - position):
            file_ids = file_ids[:position] + batch_spread(task=task, root=root, remaining=file_ids[position:],
                                                          files=files)
        if file is None:
            outcomes.add(None, f"file {file_id} no longer exists")
            position += 1
            continue
        try:
            results = _file_work(root, file, file_ids[position:], files, options, lookups, beat, considered)
        except TimeLimitReached as reached:
            outcomes.add(reached.result, reached.result.error)
            return TIMED_OUT
        except SoftTimeLimitExceeded:  # between files, or in files written together: none is failed
            _after_interrupt()
            return TIMED_OUT
        for result in results:
            outcomes.add(result, result.error)
        position += len(results)
    return None


def _file_work(root: SyncProgressTask, file: CatalogFile, file_ids: list[int], files: dict[int, CatalogFile],
               options: SyncOptions, lookups: SyncLookups, beat: DeliveryHeartbeat,
               considered: set[int]) -> list[FileSyncResult]:
    """The outcomes of the next file (`file`, the first of `file_ids`), or of the files written with it."""
    if root.parameters.get("dry_run"):
        return [_preview_one(root, file)]
    if file.pk not in considered and file.size_bytes <= SMALL_FILE_BYTES:
        considered.update(_read_ahead_from(file_ids, files, options, lookups))
    return _sync_next(root, file_ids, files, options, lookups, beat)


class TimeLimitReached(Exception):
    """The delivery's soft time limit struck while a file synced on its own: that file, its writes rolled
    back, failed as timed out."""

    def __init__(self, result: FileSyncResult):
        super().__init__(result.error)
        self.result = result


@dataclass
class SlotCheck:
    """At a file boundary where another user's task waits, at most once per FAIR_SHARE_CHECK_S: should
    this task give its slot?"""

    task: SyncProgressTask
    checked_at: float = 0.0
    spread_at: float = 0.0

    def hand_over(self) -> bool:
        if not settings.ERP_FAIR_SHARE or time.monotonic() - self.checked_at < FAIR_SHARE_CHECK_S:
            return False
        self.checked_at = time.monotonic()
        if sum(slots_in_flight().values()) < settings.ERP_SYNC_WORKER_SLOTS:
            # A slot is free (often one another run has just handed over, its next task not published
            # yet): the waiting task takes it. Another user may still wait after that one: fair share
            # decides then, or that user waits a file more (the fair-share bench's C did).
            sync_tasks_dispatch_next()
        return should_yield(self.task)

    def may_spread(self, root: SyncProgressTask, files_left: int) -> bool:
        """Whether to look for free slots to spread the files left over (batch_parts), at most once per
        FAIR_SHARE_CHECK_S. Slots are counted by the dispatcher, so only with fair share on."""
        if (files_left < 2 or settings.ERP_BATCH_MAX_PARALLEL < 2 or not settings.ERP_FAIR_SHARE
                or root.parameters.get("dry_run") or time.monotonic() - self.spread_at < FAIR_SHARE_CHECK_S):
            return False
        self.spread_at = time.monotonic()
        return True


def _hand_over(task: SyncProgressTask, *, timed_out: bool) -> dict:
    """Back to the queue at a file boundary, its progress kept; the dispatcher gives the slot away and
    publishes this task again when its turn comes (the same task id: the files done are skipped). A
    delivery whose time limit struck goes back the same way: the next one has a time limit of its own."""
    _requeue(task)
    if timed_out:
        logger.warning("task %s: the delivery's time limit was reached; the files left go back to the queue",
                       task.task_id)
    else:
        logger.info("task %s: hands its slot over at a file boundary (fair share)", task.task_id)
    if settings.ERP_FAIR_SHARE:
        sync_tasks_dispatch_next()
    else:
        sync_task_publish(task=task)
    return {"task_id": task.task_id, "handed_over": True}


def _requeue(task: SyncProgressTask):
    """A running task waits again, for the dispatcher; its next run skips the files it finished."""
    SyncProgressTask.units.filter(pk=task.pk, status=TaskStatus.PROCESSING).update(
        status=TaskStatus.QUEUED, dispatched_at=None, current_file="", file_progress=0.0)


def _read_ahead_from(file_ids: list[int], files: dict[int, CatalogFile], options: SyncOptions,
                     lookups: SyncLookups) -> list[int]:
    run = _small_files_run(file_ids, files)
    if len(run) > 1:
        files_read_ahead(files=run, options=options, lookups=lookups)
    return [file.pk for file in run]


def _sync_next(task: SyncProgressTask, file_ids: list[int], files: dict[int, CatalogFile], options: SyncOptions,
               lookups: SyncLookups, beat: DeliveryHeartbeat) -> list[FileSyncResult]:
    """The next file's outcome, or the outcomes of the files written together with it."""
    together = files_written_together(file_ids, files, lookups)
    if len(together) > 1 and (results := files_sync_together(files=together, task=task, lookups=lookups)):
        return results
    return [_sync_one(task, files[file_ids[0]], options, lookups, beat)]


def _preview_one(task: SyncProgressTask, file: CatalogFile) -> FileSyncResult:
    """A dry run's file: its sync run and undone, kept as a preview to approve (its result names it)."""
    try:
        preview = file_preview(file_id=file.pk, user=task.user)
    except (*TRANSIENT_ERRORS, SoftTimeLimitExceeded):
        raise
    except Exception as exc:  # noqa: BLE001 - recorded as the file's outcome; the dry run goes on
        logger.exception("task %s: preview of file %s failed unexpectedly", task.task_id, file.path)
        return FileSyncResult(file_id=file.pk, file_name=file.file_name, error=f"unexpected error: {exc!r}")
    result = FileSyncResult(**{k: v for k, v in preview.result.items() if k in FileSyncResult.__dataclass_fields__})
    result.preview_id = preview.pk
    return result


def _small_files_run(file_ids: list[int], files: dict[int, CatalogFile]) -> list[CatalogFile]:
    """The small files from the first of `file_ids` on, up to the first file that is not one."""
    run, size = [], 0
    for file_id in file_ids[:READ_AHEAD_FILES]:
        file = files.get(file_id)
        if file is None or file.size_bytes > SMALL_FILE_BYTES or size + file.size_bytes > READ_AHEAD_BYTES:
            break
        run.append(file)
        size += file.size_bytes
    return run


def _file_begin(task: SyncProgressTask, file: CatalogFile | None) -> tuple[bool, bool]:
    """Show the next file as the current one, unless a cancel was requested (False, _): one conditional
    UPDATE is the cancel check at the file boundary, the progress write, and says whether another user's
    task waits for a slot (fair share), so a file costs no query more for it."""
    table = connection.ops.quote_name(SyncProgressTask._meta.db_table)
    sets, params = ["heartbeat_at = %s"], [connection.ops.adapt_datetimefield_value(timezone.now())]
    if file is not None:
        sets += ["current_file = %s", "file_progress = 0"]
        params.append(file.file_name)
    other_user = "w.user_id IS NOT NULL" if task.user_id is None else "(w.user_id IS NULL OR w.user_id <> %s)"
    params += [task.pk, TaskStatus.QUEUED, *([] if task.user_id is None else [task.user_id])]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {', '.join(sets)} WHERE id = %s AND NOT cancel_requested RETURNING EXISTS "
            f"(SELECT 1 FROM {table} w WHERE w.status = %s AND w.dispatched_at IS NULL AND {other_user})", params)
        row = cursor.fetchone()
    return (row is not None, bool(row and row[0]))


def _sync_one(task: SyncProgressTask, file: CatalogFile, options: SyncOptions, lookups: SyncLookups,
              beat: DeliveryHeartbeat) -> FileSyncResult:
    last = [time.monotonic()]
    estimate = max(file.rows_read, 1)

    def progress(rows_read: int):
        if time.monotonic() - last[0] >= PROGRESS_INTERVAL_S:
            last[0] = time.monotonic()
            beat.progress(task, file, min(99.0, 100.0 * rows_read / estimate) if file.rows_read else 50.0)

    # A transient error propagates: the Celery task retries, and the files finished so far are skipped.
    begun = timezone.now()
    try:
        return file_run(file=file, task=task, options=options, progress=progress, lookups=lookups)
    except SoftTimeLimitExceeded:
        _after_interrupt()
        if ChangeSet.objects.filter(file=file, created_at__gte=begun).exists():
            # Stopped after its rows were committed, before its outcome was written: not failed. The next
            # delivery syncs it again, finds its rows unchanged and records the outcome.
            raise
        logger.warning("task %s: time limit reached while syncing %s; its writes are rolled back",
                       task.task_id, file.path)
        raise TimeLimitReached(file_mark_failed(file=file, error=(
            f"timed out: the sync of this file ran past the time limit of {settings.CELERY_TASK_SOFT_TIME_LIMIT} s"
            " and was stopped; what it had written was rolled back"))) from None


def _after_interrupt():
    """A query the time limit interrupted leaves its connection in the middle of a command: the rest of
    the delivery starts on a fresh one (its transaction, if any, was rolled back with the exception)."""
    if not connection.in_atomic_block:
        connection.close()


@dataclass
class PendingOutcomes:
    """Finished files whose outcome is not on the task row yet. They are written together, at most once
    per RECORD_INTERVAL_S and before the run ends: each write rewrites the task's file_results, which
    grows with the batch, so a write per small file made each file cost more than the one before (issue
    16). A worker that dies loses at most that interval: the recovery syncs those files again, and finds
    their rows already stored."""

    task: SyncProgressTask
    errors_kept: int = 0  # on the task row already
    pending: list[tuple[FileSyncResult | None, str]] = field(default_factory=list)
    written_at: float = field(default_factory=time.monotonic)

    def add(self, result: FileSyncResult | None, error: str):
        self.pending.append((result, error))
        if time.monotonic() - self.written_at >= RECORD_INTERVAL_S:
            self.write()

    def write(self):
        if self.pending:
            SyncProgressTask.units.filter(pk=self.task.pk).update(**self.taken()[0])
        self.written_at = time.monotonic()

    def taken(self) -> tuple[dict, Counter]:
        """What the pending outcomes change on the task row, for the caller's UPDATE, and the counts they
        add (processed_files among them); no longer pending."""
        if not self.pending:
            return {}, Counter()
        changes, counts, kept = _outcome_changes(self.pending, errors_room=MAX_ERRORS_KEPT - self.errors_kept)
        self.errors_kept += kept
        self.pending = []
        return changes, counts

    def write_before_raising(self):
        """While an error propagates (a transient one retries the task): what is written is skipped by the
        retry, what cannot be written now is synced again; the error raised stays the original one."""
        try:
            self.write()
        except DatabaseError as exc:
            logger.warning("task %s: %d finished files not recorded (%s); the retry syncs them again",
                           self.task.task_id, len(self.pending), exc)


def _outcome_changes(outcomes: list[tuple[FileSyncResult | None, str]], *,
                     errors_room: int) -> tuple[dict, Counter, int]:
    """The files' outcomes folded into changes for one UPDATE of the task row: F() increments, and the
    results and errors appended to their JSON arrays by the database (never read back and rewritten from
    Python). Also the counts added, and how many errors were kept."""
    counts, results, errors = Counter(), [], []
    for result, error in outcomes:
        if result is None:
            counts["failed_files"] += 1
        else:
            counts[FILE_COUNTERS.get(result.status, "succeeded_files")] += 1
            counts.update({name: getattr(result, name) for name in ROW_COUNTERS})
            results.append(result.as_dict())
        if error:
            errors.append(f"{result.file_name}: {error}" if result else error)
    counts["processed_files"] = len(outcomes)
    changes = {name: F(name) + count for name, count in counts.items()}
    changes |= {"file_progress": 100.0, "heartbeat_at": timezone.now()}
    if results:
        changes["file_results"] = JSONArrayAppend("file_results", results)
    kept = errors[:max(errors_room, 0)]
    if kept:
        changes["errors"] = JSONArrayAppend("errors", kept, while_shorter_than=MAX_ERRORS_KEPT)
    return changes, counts, len(kept)


class JSONArrayAppend(Func):
    """A JSON array column with items appended in order, computed in the UPDATE itself (PostgreSQL, or
    the embedded default's SQLite). With `while_shorter_than`, an array that long already is left as it
    is (the caller counts its room; this guards against a second writer). Any number of items: they go
    as one JSON array on PostgreSQL, and in calls of at most SQLITE_ITEMS_PER_CALL on SQLite (a function
    takes at most 100 arguments on PostgreSQL, 127 on SQLite)."""

    output_field = JSONField()
    SQLITE_ITEMS_PER_CALL = 50

    def __init__(self, column: str, items: list, *, while_shorter_than: int | None = None):
        super().__init__(F(column), *(Value(json.dumps(item)) for item in items))
        self.while_shorter_than = while_shorter_than
        self.items_json = json.dumps(items)

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError(f"appending to a JSON array is written for PostgreSQL and SQLite, not {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra):
        column, column_params = compiler.compile(self.get_source_expressions()[0])
        return self._guarded(column, column_params, f"({column} || CAST(%s AS jsonb))",
                             [*column_params, self.items_json], "jsonb_array_length({})")

    def as_sqlite(self, compiler, connection, **extra):
        (column, column_params), *items = (compiler.compile(e) for e in self.get_source_expressions())
        sql, params = column, list(column_params)
        for start in range(0, len(items), self.SQLITE_ITEMS_PER_CALL):
            chunk = items[start:start + self.SQLITE_ITEMS_PER_CALL]
            # Each '$[#]' is the end of the array as the previous pair left it: the items go in order.
            pairs = ", ".join("'$[#]', json(" + item + ")" for item, _ in chunk)
            sql = f"json_insert({sql}, {pairs})"
            params += [p for _, item_params in chunk for p in item_params]
        return self._guarded(column, column_params, sql, params, "json_array_length({})")

    def _guarded(self, column: str, column_params, sql: str, params: list, length: str):
        if self.while_shorter_than is None:
            return sql, params
        return (f"CASE WHEN {length.format(column)} < %s THEN {sql} ELSE {column} END",
                [*column_params, self.while_shorter_than, *params, *column_params])


def _quality_check(task: SyncProgressTask, files: list[CatalogFile]) -> dict:
    """The score is advice about the data, not part of the sync (seed 004): if it fails, the rows stay
    synced and the task finishes; the failure is logged and reported in its details."""
    try:
        return quality_check(files=files)
    except TRANSIENT_ERRORS:
        raise  # the Celery task retries; the files already synced are skipped
    except Exception as exc:  # noqa: BLE001 - any bug in the scoring must not fail a finished sync
        logger.exception("task %s: quality check failed", task.task_id)
        return {"error": f"quality check failed: {exc!r}"}


def _complete(task: SyncProgressTask, status: str | Case, changes: dict) -> dict:
    """`changes`: what its pending outcomes add to the row."""
    (ended,) = SyncProgressTask.units.filter(pk=task.pk).update_returning(
        [*SUMMARY_FIELDS.values()], **changes, status=status, finished_at=timezone.now(), current_file="",
        task_details=task.task_details, waits_for_parts=False)
    quota_release(user_id=task.user_id, task_id=task.task_id)
    summary = {"task_id": task.task_id, **{name: ended[field] for name, field in SUMMARY_FIELDS.items()}}
    logger.info("task %s finished: %s", task.task_id, summary)
    return summary
