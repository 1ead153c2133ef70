"""A batch spreads its files over free worker slots (issue 19): at a file boundary, a running batch (or a
part of one) that sees slots free and nobody waiting hands some of its remaining files to new parts,
rows the workers run like tasks, published by the dispatcher in fair-share order. The batch keeps one
task id, one progress and one set of counts: every part records its files' outcomes on the batch's row,
checks the batch's cancel at each file boundary, and the last one to end finishes the batch.

Never a wrong value: two files that may write the same fact row (the same table, platform, shop and
granularity) are synced in the batch's order, so they stay in one part. Files whose place is not known
before they are read are never spread."""

import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sync.ingest.upsert import place_of
from sync.models import CatalogFile, SyncProgressTask, TaskStatus
from sync.services.dispatch import sync_tasks_dispatch_next
from sync.services.fair_share import slots_in_flight, waiting_tasks

logger = logging.getLogger(__name__)


def batch_spread(*, task: SyncProgressTask, root: SyncProgressTask, remaining: list[int],
                 files: dict[int, CatalogFile]) -> list[int]:
    """The files `task` keeps of `remaining` (its files still to sync, in order): all of them, or, when
    worker slots are free and no task waits for one, the first place's files and a share of the others,
    the rest going to new parts. The parts are written before this returns, so a crash loses none."""
    groups = _by_place(remaining, files)
    if len(groups) < 2:
        return remaining
    lanes = min(_free_slots(), len(groups) - 1, settings.ERP_BATCH_MAX_PARALLEL - 1 - _active_parts(root).count())
    if lanes < 1:
        return remaining
    kept, *given = _lanes(remaining, groups, files, lanes + 1)
    given_ids = [*task.given_file_ids, *(f for lane in given for f in lane)]
    with transaction.atomic():
        parts = [_part(root, lane) for lane in given if lane]
        SyncProgressTask.units.filter(pk=task.pk).update(given_file_ids=given_ids)
    task.given_file_ids = given_ids
    sync_tasks_dispatch_next()  # the free slots take the parts now
    logger.info("task %s: %d files handed to %d parts in free slots (%s)", root.task_id,
                sum(map(len, given)), len(parts), ", ".join(p.task_id for p in parts))
    return kept


def _by_place(file_ids: list[int], files: dict[int, CatalogFile]) -> list[list[int]]:
    """The files in groups by fact table and place (what one sync's lock takes, upsert.place_of), each
    group in the batch's order; one group when a file's is not fully known (it could name any once read)."""
    groups: dict[tuple, list[int]] = {}
    for file_id in file_ids:
        file = files.get(file_id)
        place = file and (file.data_domain, *place_of(file).values())
        if not place or not all(place):
            return [file_ids]
        groups.setdefault(place, []).append(file_id)
    return list(groups.values())


def _lanes(file_ids: list[int], groups: list[list[int]], files: dict[int, CatalogFile], count: int) -> list[list[int]]:
    """`count` lanes of whole groups of `file_ids`, about even in bytes; the first lane starts with the
    first group (the file the task was about to sync). Each lane's files keep their order in `file_ids`."""
    order = {file_id: i for i, file_id in enumerate(file_ids)}
    lanes: list[list[int]] = [list(groups[0])] + [[] for _ in range(count - 1)]
    size = [sum(files[f].size_bytes for f in groups[0])] + [0] * (count - 1)
    for group in sorted(groups[1:], key=lambda g: -sum(files[f].size_bytes for f in g)):
        lightest = min(range(count), key=lambda i: (size[i], i))
        lanes[lightest] += group
        size[lightest] += sum(files[f].size_bytes for f in group)
    return [sorted(lane, key=order.__getitem__) for lane in lanes]


def _free_slots() -> int:
    if waiting_tasks().exists():  # the dispatcher gives free slots to waiting tasks first
        return 0
    return settings.ERP_SYNC_WORKER_SLOTS - sum(slots_in_flight().values())


def _active_parts(root: SyncProgressTask):
    return SyncProgressTask.units.filter(parent=root, status__in=SyncProgressTask.ACTIVE_STATUSES)


def _part(root: SyncProgressTask, file_ids: list[int]) -> SyncProgressTask:
    part = SyncProgressTask.units.create(
        task_id=f"{root.task_id}.{uuid.uuid4().hex[:8]}", task_type=root.task_type, user_id=root.user_id,
        priority=root.priority, parameters=root.parameters, file_ids=file_ids, run_file_ids=file_ids,
        total_files=len(file_ids), parent=root)
    # In the fair order a part stands where its batch stood, not behind what was submitted since.
    SyncProgressTask.units.filter(pk=part.pk).update(created_at=root.created_at)
    return part


def batch_parts_active(root: SyncProgressTask) -> bool:
    """Whether a part of the batch is queued or running: then one of them, not the caller, finishes it."""
    return _active_parts(root).exists()


def batch_part_end(part: SyncProgressTask, *, cancelled: bool):
    """A part's own row ends (its counts are on the batch's row)."""
    SyncProgressTask.units.filter(pk=part.pk).update(
        status=TaskStatus.CANCELLED if cancelled else TaskStatus.COMPLETED, finished_at=timezone.now(),
        current_file="")
