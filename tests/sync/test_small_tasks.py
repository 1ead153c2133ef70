"""Small single-file tasks run together (issue 19, point 5): a delivery of one goes on with its
owner's next ones, in the owner's order, while no other user waits. Each still ends on its own row, with
its own result and quota slot, and the rows, lineage, quarantine and accounting equal syncing each file on
its own (files of several shops are prepared together)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError
from django.utils import timezone

from erp.users import api_user_create
from sync.ingest import engine
from sync.ingest.engine import SyncLookups, SyncOptions, file_sync
from sync.models import CatalogFile, SyncProgressTask, TaskStatus, TaskType
from sync.services import task_run
from sync.services.dispatch import sync_tasks_republish_lost
from sync.services.fair_share import slots_in_flight
from sync.services.quota import quota_usage
from sync.services.small_tasks import small_tasks_next
from sync.services.task_lifecycle import sync_task_create
from tests.processes import wait_for
from tests.sync.helpers import demo_copies_catalogued, forget_syncs, shops_of_orders, stored

pytestmark = pytest.mark.django_db

ROWS = 6
PRICE_COLUMN = 15  # item-price in Amazon's order report


def user(name: str) -> User:
    api_user_create(username=name, role="normal")
    return User.objects.get(username=name)


def small_exports(inbox, tmp_path) -> list[int]:
    """Small Amazon order exports: four shops, and a fifth shop with two (its second repeats none of the
    first's rows), catalogued; returns their ids in the order they are submitted."""
    shops = shops_of_orders(inbox, 4, ROWS, tmp_path / "shops")
    twice = demo_copies_catalogued(inbox, tmp_path / "twice", key="amazon_orders_tsv", seeds=[20, 21], rows=ROWS,
                                   placed=lambda path, seed: path.replace("amazon_us_01", "amazon_us_900")
                                   .replace(".txt", f" ({seed}).txt"))
    return [*shops, *twice]


def with_prices(content: bytes, seed: int) -> bytes:
    """An Amazon order export whose item-price column holds an ambiguous '1,234', a comma decimal of
    the file's own and dot decimals: its reason names the file's own values."""
    header, first, second, *rest = content.splitlines()
    priced = [_with_cell(first, PRICE_COLUMN, b"1,234"), _with_cell(second, PRICE_COLUMN, f"{seed},75".encode())]
    return b"\r\n".join([header, *priced, *rest]) + b"\r\n"


def _with_cell(line: bytes, column: int, value: bytes) -> bytes:
    cells = line.split(b"\t")
    cells[column] = value
    return b"\t".join(cells)


def submitted(owner: User, file_ids: list[int]) -> list[SyncProgressTask]:
    return [sync_task_create(task_type=TaskType.SINGLE_FILE, file_ids=[file_id], user=owner, priority=5)
            for file_id in file_ids]


def test_a_delivery_runs_its_owners_next_small_tasks_with_the_rows_of_one_by_one(inbox, templates, tmp_path, settings,
                                                                                 monkeypatch):
    # given: small exports of five shops, synced one by one as the baseline
    settings.ERP_SYNC_WORKER_SLOTS = 1  # the first task is handed to the broker, the others wait for the slot
    file_ids = small_exports(inbox, tmp_path)
    for file_id in file_ids:
        file_sync(file=CatalogFile.objects.get(pk=file_id))
    one_by_one = stored(file_ids)
    forget_syncs(file_ids)
    ann = user("ann")
    tasks = submitted(ann, file_ids)
    ended = []
    read_ahead = {}
    ingest = engine._ingest

    def ingest_noting_read_ahead(file, *args):
        read_ahead[file.pk] = args[-1] is not None
        return ingest(file, *args)

    monkeypatch.setattr(engine, "_ingest", ingest_noting_read_ahead)

    # when: a delivery runs the first
    summary = task_run.sync_task_run(task_id=tasks[0].task_id, ended=ended.append)

    # then: it ran the others after it, in order, each ended with its own result and its quota slot freed
    assert summary["stored"] and summary["task_id"] == tasks[0].task_id
    assert [s["task_id"] for s in ended] == [t.task_id for t in tasks]
    rows = {t.task_id: t for t in SyncProgressTask.objects.filter(user=ann)}
    for task in tasks:
        row = rows[task.task_id]
        assert (row.status, row.attempts, row.processed_files, row.succeeded_files) == (TaskStatus.COMPLETED, 1, 1, 1)
        assert row.file_results[0]["file_id"] == task.run_file_ids[0]
    usage = quota_usage(user=ann)
    assert usage.running == usage.queued == 0
    assert read_ahead == dict.fromkeys(file_ids, True)  # the delivery's own file was read with the others
    # and the same rows, lineage, unmapped cells, quarantine and accounting, to the last field and word
    assert stored(file_ids) == one_by_one
    assert one_by_one["quarantine"]  # the case is the one meant: rows with reasons worded per file


def test_files_read_alike_keep_their_own_reasons_when_prepared_together(inbox, templates, tmp_path, settings):
    # given: exports of three shops, each with an ambiguous price and a reason worded by its own values
    settings.ERP_SYNC_WORKER_SLOTS = 1
    file_ids = demo_copies_catalogued(inbox, tmp_path, key="amazon_orders_tsv", seeds=[3, 4, 5], rows=ROWS,
                                      placed=lambda path, seed: path.replace("amazon_us_01", f"amazon_us_{seed:03d}"),
                                      edited=with_prices)
    for file_id in file_ids:
        file_sync(file=CatalogFile.objects.get(pk=file_id))
    one_by_one = stored(file_ids)
    forget_syncs(file_ids)

    # when: one delivery runs their tasks, the files prepared together
    tasks = submitted(user("ann"), file_ids)
    task_run.sync_task_run(task_id=tasks[0].task_id, ended=[].append)

    # then: each file's reasons are its own, word for word
    assert stored(file_ids) == one_by_one
    ambiguous = {reason for *_, reasons in one_by_one["quarantine"] for reason in reasons if "ambiguous" in reason}
    assert len(ambiguous) == 3  # the case is the one meant: each file words its reason by its own values


def test_no_task_goes_along_while_another_user_waits(inbox, templates, tmp_path, settings):
    settings.ERP_SYNC_WORKER_SLOTS = 1
    file_ids = shops_of_orders(inbox, 4, ROWS, tmp_path)
    ann, bob = user("ann"), user("bob")
    tasks = submitted(ann, file_ids[:3])
    bobs = submitted(bob, file_ids[3:])[0]
    ended = []

    summary = task_run.sync_task_run(task_id=tasks[0].task_id, ended=ended.append)

    assert summary["status"] == TaskStatus.COMPLETED and "stored" not in summary and ended == []
    assert [SyncProgressTask.objects.get(pk=t.pk).status for t in tasks[1:]] == [TaskStatus.QUEUED] * 2
    assert SyncProgressTask.objects.get(pk=bobs.pk).status == TaskStatus.QUEUED  # the dispatcher decides who is next


def test_the_run_stops_at_the_owners_first_task_that_is_not_a_small_single_file(inbox, templates, tmp_path, settings):
    settings.ERP_SYNC_WORKER_SLOTS = 1
    file_ids = shops_of_orders(inbox, 5, ROWS, tmp_path)
    ann = user("ann")
    first, second = submitted(ann, file_ids[:2])
    batch = sync_task_create(task_type=TaskType.BATCH_BY_IDS, file_ids=file_ids[2:4], user=ann, priority=5)
    after_batch = submitted(ann, file_ids[4:])[0]
    ended = []

    task_run.sync_task_run(task_id=first.task_id, ended=ended.append)

    assert [s["task_id"] for s in ended] == [first.task_id, second.task_id]  # no task overtakes the batch
    assert SyncProgressTask.objects.get(pk=batch.pk).status == TaskStatus.QUEUED
    assert SyncProgressTask.objects.get(pk=after_batch.pk).status == TaskStatus.QUEUED


def test_without_a_place_for_results_each_task_runs_alone(inbox, templates, tmp_path, settings):
    # A batch's delivery (and any caller that stores no results) runs its own task only.
    settings.ERP_SYNC_WORKER_SLOTS = 1
    file_ids = shops_of_orders(inbox, 2, ROWS, tmp_path)
    tasks = submitted(user("ann"), file_ids)

    summary = task_run.sync_task_run(task_id=tasks[0].task_id)

    assert "stored" not in summary
    assert SyncProgressTask.objects.get(pk=tasks[1].pk).status == TaskStatus.QUEUED


def test_a_task_that_fails_in_anothers_delivery_waits_for_one_of_its_own(inbox, templates, tmp_path, settings,
                                                                         monkeypatch):
    # given: three small tasks; the second meets a broken connection in the first's delivery
    settings.ERP_SYNC_WORKER_SLOTS = 1
    file_ids = shops_of_orders(inbox, 3, ROWS, tmp_path)
    first, second, third = submitted(user("ann"), file_ids)
    original = task_run.file_run

    def broken_for_the_second(*, file, **kwargs):
        if file.pk == file_ids[1]:
            raise OperationalError("server closed the connection unexpectedly")
        return original(file=file, **kwargs)

    monkeypatch.setattr(task_run, "file_run", broken_for_the_second)
    ended = []

    # when
    summary = task_run.sync_task_run(task_id=first.task_id, ended=ended.append)

    # then: the first ended with its result; the second waits again, and the third was not taken
    assert summary["stored"] and [s["task_id"] for s in ended] == [first.task_id]
    second.refresh_from_db()
    assert (second.status, second.attempts, second.processed_files) == (TaskStatus.QUEUED, 1, 0)
    assert SyncProgressTask.objects.get(pk=third.pk).attempts == 0
    # and a delivery of its own runs it to its end
    monkeypatch.setattr(task_run, "file_run", original)
    assert task_run.sync_task_run(task_id=second.task_id)["status"] == TaskStatus.COMPLETED


@pytest.mark.django_db(transaction=True)  # the heartbeat thread writes on a connection of its own
def test_a_task_taken_along_shows_its_file_and_beats_while_it_runs(inbox, templates, tmp_path, settings,
                                                                     monkeypatch):
    # given: three small tasks; while the second's file syncs, the test waits for its heartbeat to move
    settings.ERP_SYNC_WORKER_SLOTS, settings.ERP_HEARTBEAT_INTERVAL_S = 1, 0.05
    file_ids = shops_of_orders(inbox, 3, ROWS, tmp_path)
    first, second, third = submitted(user("ann"), file_ids)
    original = task_run.file_run
    beats, shown = [], []

    def waiting_for_a_beat_on_the_second(*, file, task, **kwargs):
        if task.pk == second.pk:
            def beat():
                return SyncProgressTask.objects.values_list("heartbeat_at", flat=True).get(pk=second.pk)
            before = beat()
            beats.append(wait_for(lambda: beat() > before, timeout=30, interval=0.02, what="the second's heartbeat"))
            shown.append(SyncProgressTask.objects.values_list("current_file", flat=True).get(pk=second.pk))
        return original(file=file, task=task, **kwargs)

    monkeypatch.setattr(task_run, "file_run", waiting_for_a_beat_on_the_second)
    ended = []

    # when
    task_run.sync_task_run(task_id=first.task_id, ended=ended.append)

    # then: the second's heartbeat moved while it ran in the first's delivery, its file shown as the
    # current one, and all three ended
    assert len(beats) == 1
    assert shown == [CatalogFile.objects.get(pk=file_ids[1]).file_name]
    assert [s["status"] for s in ended] == [TaskStatus.COMPLETED] * 3


def test_reservations_are_released_when_another_user_starts_waiting(inbox, templates, tmp_path, settings):
    # given: ann's four small tasks; bob submits one while ann's second runs in her first's delivery
    settings.ERP_SYNC_WORKER_SLOTS = 1
    file_ids = shops_of_orders(inbox, 5, ROWS, tmp_path)
    ann, bob = user("ann"), user("bob")
    tasks = submitted(ann, file_ids[:4])
    ended = []

    def bob_submits_after_the_second(summary):
        ended.append(summary)
        if len(ended) == 2:
            submitted(bob, file_ids[4:])

    # when
    task_run.sync_task_run(task_id=tasks[0].task_id, ended=bob_submits_after_the_second)

    # then: the run stopped there, and ann's tasks left are hers to wait for again, reserved by no one
    assert [s["task_id"] for s in ended] == [tasks[0].task_id, tasks[1].task_id]
    left = SyncProgressTask.objects.filter(pk__in=[t.pk for t in tasks[2:]])
    assert [(t.status, t.taken_by, t.attempts) for t in left] == [(TaskStatus.QUEUED, "", 0)] * 2
    assert sum(slots_in_flight().values()) == 1  # the freed slot went to the next in fair-share order


def test_tasks_reserved_by_a_delivery_that_died_are_published_again(inbox, templates, tmp_path, settings):
    # given: a delivery reserved ann's next tasks and died before claiming them (no slot is free for the
    # dispatcher meanwhile)
    settings.ERP_SYNC_WORKER_SLOTS = 0
    file_ids = shops_of_orders(inbox, 3, ROWS, tmp_path)
    first, *rest = submitted(user("ann"), file_ids)
    task_run.sync_task_run(task_id=first.task_id)
    reserved = small_tasks_next(task=first, options=SyncOptions(), lookups=SyncLookups())
    assert [t.pk for t, _ in reserved] == [t.pk for t in rest]
    assert sum(slots_in_flight().values()) == 0  # reserved tasks hold no slot
    SyncProgressTask.objects.filter(taken_by=first.task_id).update(dispatched_at=timezone.now() - timedelta(minutes=5))

    # when: the job that looks for tasks the broker does not hold runs
    outcome = sync_tasks_republish_lost(older_than_s=30)

    # then: both are published again, and a delivery of each runs it
    assert outcome["republished"] == 2
    for task in rest:
        assert task_run.sync_task_run(task_id=task.task_id)["status"] == TaskStatus.COMPLETED
