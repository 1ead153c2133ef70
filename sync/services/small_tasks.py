"""Small single-file tasks run together (issue 19): most daily exports are a few hundred rows, and a task
of one such file paid a delivery, its lookups and polars' fixed cost per operation on its own.

A delivery that ends a small single-file task goes on with its owner's next waiting tasks, as long as
each is one too (ERP_SMALL_TASKS_PER_DELIVERY in all): their files are read and prepared together first
(engine.files_read_ahead). Each is claimed at its turn and runs as if delivered on its own: its own row,
progress, cancel, result and quota slot, its file in its own transaction. Fair share holds: only while
no other user's task waits (each claim checks), in the owner's own order (priority, then age), and the
delivery holds one slot throughout (the task it runs is the one counted). A task claimed here was never
published; one the dispatcher published meanwhile is claimed by whichever comes first, once."""

import logging

from django.conf import settings
from django.db.models import Exists, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from sync.ingest.engine import SMALL_FILE_BYTES, SyncLookups, SyncOptions, files_read_ahead
from sync.models import CatalogFile, SyncProgressTask, TaskStatus, TaskType
from sync.services.fair_share import waiting_tasks

logger = logging.getLogger(__name__)


def small_tasks_next(*, task: SyncProgressTask, options: SyncOptions,
                     lookups: SyncLookups) -> list[tuple[SyncProgressTask, CatalogFile]]:
    """After `task` ended: when it was a small single-file task, its owner's next waiting tasks that are
    too (run with the same `options`), with their files, up to the first that is not; the files read and
    prepared together into `lookups`. None while another user waits."""
    count = settings.ERP_SMALL_TASKS_PER_DELIVERY - 1
    if count < 1 or not settings.ERP_FAIR_SHARE or not _is_single_file(task, options):
        return []
    waiting = list(waiting_tasks().filter(user_id=task.user_id).annotate(others_wait=Exists(_others_waiting(task)))
                   [:count])
    if not waiting or waiting[0].others_wait:
        return []
    files = CatalogFile.objects.in_bulk([t.run_file_ids[0] for t in [task, *waiting] if len(t.run_file_ids) == 1])
    if not _is_small(files.get(task.run_file_ids[0])):
        return []
    taken = []
    for candidate in waiting:
        # A task run before is left to a delivery of its own: what stopped it may stop it again.
        if candidate.attempts or not _is_single_file(candidate, options):
            break
        file = files.get(candidate.run_file_ids[0])
        if not _is_small(file):
            break
        taken.append((candidate, file))
    if taken:
        files_read_ahead(files=[file for _, file in taken], options=options, lookups=lookups)
    return taken


def small_task_claim(*, task: SyncProgressTask, after: SyncProgressTask) -> bool:
    """Claim `task` at its turn in the delivery that ran `after`: still waiting (not cancelled, not
    published and taken by another worker meanwhile), and no other user waits. One conditional UPDATE."""
    now = timezone.now()
    return bool(waiting_tasks().filter(pk=task.pk).exclude(Exists(_others_waiting(after))).update(
        status=TaskStatus.PROCESSING, dispatched_at=now, started_at=Coalesce(F("started_at"), Value(now)),
        heartbeat_at=now, attempts=F("attempts") + 1))


def others_wait(task: SyncProgressTask) -> bool:
    return _others_waiting(task).exists()


def small_task_put_back(*, task: SyncProgressTask):
    """A task this delivery claimed but could not run to its end (an error, the time limit) waits again,
    for the dispatcher; the files it finished are skipped by its next run."""
    SyncProgressTask.units.filter(pk=task.pk, status=TaskStatus.PROCESSING).update(
        status=TaskStatus.QUEUED, dispatched_at=None, current_file="", file_progress=0.0)


def _others_waiting(task: SyncProgressTask):
    return waiting_tasks().exclude(user_id=task.user_id)


def _is_single_file(task: SyncProgressTask, options: SyncOptions) -> bool:
    return (task.task_type == TaskType.SINGLE_FILE and task.parent_id is None and len(task.run_file_ids) == 1
            and not task.parameters.get("dry_run") and SyncOptions.of(task.parameters) == options)


def _is_small(file: CatalogFile | None) -> bool:
    return file is not None and file.size_bytes <= SMALL_FILE_BYTES
