"""Small single-file tasks run together (issue 19): most daily exports are a few hundred rows, and a task
of one such file paid a delivery, its lookups and polars' fixed cost per operation on its own.

A delivery of a small single-file task goes on, once that task has ended, with its owner's next waiting
tasks, as long as each is one too (ERP_SMALL_TASKS_PER_DELIVERY in all). It reserves them first
(`taken_by`; handed out as if published, so the dispatcher and other deliveries leave them alone, and
not counted as slots: the delivery holds one), reads and prepares their files together with its own
(engine.files_read_ahead), and claims each at its turn: it runs as if delivered on its own, with its own
row, progress, cancel, result and quota slot, its file in its own transaction. Fair share holds: only
while no other user's task waits (each claim checks; the reservations left are then released), in the
owner's own order (priority, then age).
A reservation whose delivery died is published again after ERP_REPUBLISH_AFTER_S, as any task the
broker lost (dispatch.sync_tasks_republish_lost)."""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Exists
from django.utils import timezone

from sync.ingest.engine import SMALL_FILE_BYTES, SyncLookups, SyncOptions, files_read_ahead
from sync.models import CatalogFile, SyncProgressTask, TaskStatus, TaskType
from sync.services.fair_share import waiting_tasks

logger = logging.getLogger(__name__)


def small_tasks_next(*, task: SyncProgressTask, options: SyncOptions,
                     lookups: SyncLookups) -> list[tuple[SyncProgressTask, CatalogFile]]:
    """When `task` (claimed, not run yet) is a small single-file task, its owner's next waiting tasks
    that are too (run with the same `options`), with their files, up to the first that is not, reserved
    for its delivery; their files and its own read and prepared together into `lookups`. None while
    another user waits."""
    count = settings.ERP_SMALL_TASKS_PER_DELIVERY - 1
    if count < 1 or not settings.ERP_FAIR_SHARE or not _is_single_file(task):
        return []
    waiting = list(waiting_tasks().filter(user_id=task.user_id)[:count])
    if not waiting:
        return []
    files = CatalogFile.objects.in_bulk([t.run_file_ids[0] for t in [task, *waiting] if len(t.run_file_ids) == 1])
    if not _is_small(files.get(task.run_file_ids[0])):
        return []
    taken = []
    for candidate in waiting:
        # A task run before is left to a delivery of its own: what stopped it may stop it again.
        if candidate.attempts or not _is_single_file(candidate) or SyncOptions.of(candidate.parameters) != options:
            break
        file = files.get(candidate.run_file_ids[0])
        if not _is_small(file):
            break
        taken.append((candidate, file))
    reserved = _reserve([candidate for candidate, _ in taken], by=task) if taken else set()
    taken = [(candidate, file) for candidate, file in taken if candidate.pk in reserved]
    if taken:
        own = [] if task.file_results else [files[task.run_file_ids[0]]]  # unless a run before synced it
        files_read_ahead(files=[*own, *(file for _, file in taken)], options=options, lookups=lookups)
    return taken


def _reserve(tasks: list[SyncProgressTask], *, by: SyncProgressTask) -> set[int]:
    """The ids of `tasks` reserved for `by`'s delivery: those still waiting, while no other user waits."""
    with transaction.atomic():
        ids = list(waiting_tasks().filter(pk__in=[t.pk for t in tasks]).exclude(Exists(_others_waiting(by)))
                   .select_for_update(skip_locked=True).values_list("pk", flat=True))
        SyncProgressTask.units.filter(pk__in=ids).update(dispatched_at=timezone.now(), taken_by=by.task_id)
    return set(ids)


def small_task_claim(*, task: SyncProgressTask, file: CatalogFile, after: SyncProgressTask) -> bool:
    """Claim `task`, reserved by the delivery that ran `after`, at its turn: still reserved (not cancelled,
    nor published again and taken by another worker), and no other user waits. One conditional UPDATE,
    which also shows its `file` as the current one (what the run's first file boundary would write)."""
    now = timezone.now()
    return bool(SyncProgressTask.units.filter(pk=task.pk, status=TaskStatus.QUEUED, taken_by=after.task_id,
                                              cancel_requested=False)
                .exclude(Exists(_others_waiting(after)))
                .claim(now=now, dispatched_at=now, current_file=file.file_name, file_progress=0.0))


def small_tasks_release(*, after: SyncProgressTask):
    """The tasks the delivery that ran `after` reserved and did not claim wait again, for the dispatcher."""
    SyncProgressTask.units.filter(taken_by=after.task_id, status=TaskStatus.QUEUED).update(
        taken_by="", dispatched_at=None)


def others_wait(task: SyncProgressTask) -> bool:
    """Whether a task of another user than `task`'s waits for a slot."""
    return _others_waiting(task).exists()


def _others_waiting(task: SyncProgressTask):
    return waiting_tasks().exclude(user_id=task.user_id)


def _is_single_file(task: SyncProgressTask) -> bool:
    return (task.task_type == TaskType.SINGLE_FILE and task.parent_id is None and len(task.run_file_ids) == 1
            and not task.parameters.get("dry_run"))


def _is_small(file: CatalogFile | None) -> bool:
    return file is not None and file.size_bytes <= SMALL_FILE_BYTES
