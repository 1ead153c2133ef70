"""A batch spreads its files over free worker slots (issue 19, point 4): parts run in other slots under
the batch's one task id, one progress and one set of counts; files that may write the same fact row stay
in one part, in the batch's order; cancel stops every part; and the time limit of a delivery ends it with
a clear "timed out" on the file it stopped, nothing of that file written, the rest synced after."""

import time
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.db.models import Q
from hypothesis import given
from hypothesis import strategies as st

from erp.users import api_user_create
from sync.models import CatalogFile, ChangeSet, FileStatus, OrderLine, SyncProgressTask, TaskStatus, TaskType
from sync.services.batch_parts import _by_place, _lanes
from sync.services.quota import quota_usage
from sync.services.task_lifecycle import sync_task_cancel, sync_task_create
from tests.processes import start_beat, stop_process, wait_for, worker_env
from tests.run_env import RUN_DIR, kill_hard
from tests.sync.helpers import shops_of_orders

FILE_ROWS = 20_000
FAST_HEARTBEAT = {"ERP_HEARTBEAT_INTERVAL_S": "0.5", "ERP_HEARTBEAT_STALE_S": "3"}
ORDER_COLUMNS = [f.attname for f in OrderLine._meta.concrete_fields if f.attname not in ("id", "synced_at")]

places = st.tuples(st.sampled_from(["shopee", "lazada"]), st.sampled_from(["s1", "s2", "s3"]),
                   st.sampled_from(["orders", "traffic"]), st.sampled_from(["daily", "monthly"]))


@given(st.lists(st.tuples(places, st.integers(1, 10_000)), min_size=2, max_size=30), st.integers(2, 6))
def test_lanes_keep_each_place_whole_and_in_the_batchs_order(spec, count):
    files = {i: SimpleNamespace(size_bytes=size, platform_code=p, shop_id=s, data_domain=d, granularity=g)
             for i, ((p, s, d, g), size) in enumerate(spec)}
    order = list(files)
    groups = _by_place(order, files)

    lanes = _lanes(order, groups, files, min(count, len(groups)))

    assert sorted(f for lane in lanes for f in lane) == order  # every file once
    place_of = {i: (f.platform_code, f.shop_id, f.data_domain, f.granularity) for i, f in files.items()}
    for place in set(place_of.values()):
        holding = [lane for lane in lanes if any(place_of[f] == place for f in lane)]
        assert len(holding) == 1  # a place's files never run in two slots at once
    for lane in lanes:
        assert lane == sorted(lane)  # and each runs them in the batch's order
    assert set(groups[0]) <= set(lanes[0])  # the running task keeps the file it was about to sync


def test_a_file_whose_place_is_not_known_keeps_the_batch_in_one_slot():
    known = SimpleNamespace(size_bytes=1, platform_code="shopee", shop_id="s1", data_domain="orders", granularity="daily")
    unknown = SimpleNamespace(size_bytes=1, platform_code="shopee", shop_id="", data_domain="orders", granularity="daily")

    assert _by_place([1, 2, 3], {1: known, 2: unknown, 3: known}) == [[1, 2, 3]]


def fact_rows(file_ids) -> list[tuple]:
    return sorted(OrderLine.objects.filter(source_file__in=file_ids).values_list(*ORDER_COLUMNS))


def quota_free(user) -> bool:
    usage = quota_usage(user=user)
    return usage.running == usage.queued == 0


def family(task: SyncProgressTask):
    return SyncProgressTask.units.filter(Q(pk=task.pk) | Q(parent=task))


@pytest.fixture
def ann(transactional_db):
    api_user_create(username="ann", role="normal")
    return User.objects.get(username="ann")


def test_a_batch_on_idle_workers_runs_in_every_free_slot_with_the_rows_of_one_slot(worker_factory, inbox, templates,
                                                                                  tmp_path, settings, ann):
    settings.ERP_SYNC_WORKER_SLOTS = 2
    file_ids = shops_of_orders(inbox, 8, FILE_ROWS, tmp_path)
    workers = [worker_factory(ERP_SYNC_WORKER_SLOTS="2") for _ in range(2)]
    batch = sync_task_create(user=ann, task_type=TaskType.BATCH_BY_IDS, file_ids=file_ids, priority=5)

    wait_for(lambda: family(batch).filter(status=TaskStatus.PROCESSING).count() == 2, timeout=120,
             what="the batch to run in both slots")
    wait_for(lambda: SyncProgressTask.objects.get(pk=batch.pk).status not in SyncProgressTask.ACTIVE_STATUSES,
             timeout=300, what="the batch to finish")

    batch.refresh_from_db()
    assert batch.status == TaskStatus.COMPLETED and not batch.waits_for_parts
    parts = list(SyncProgressTask.units.filter(parent=batch))
    first_synced = sorted(CatalogFile.objects.filter(pk__in=file_ids).values_list("last_synced_at", flat=True))
    assert parts and min(p.started_at for p in parts) < first_synced[1]  # at once, not after the batch's own
    assert batch.processed_files == batch.succeeded_files == 8
    assert sorted(r["file_id"] for r in batch.file_results) == sorted(file_ids)  # each file once, on one row
    files = CatalogFile.objects.filter(pk__in=file_ids)
    assert batch.rows_ingested == sum(f.rows_ingested for f in files) == OrderLine.objects.filter(
        source_file__in=file_ids).count()
    assert list(SyncProgressTask.objects.values_list("task_id", flat=True)) == [batch.task_id]  # parts unseen
    assert all(p.status == TaskStatus.COMPLETED for p in SyncProgressTask.units.filter(parent=batch))
    assert quota_free(ann)
    spread = fact_rows(file_ids)

    # The same batch in one slot, from scratch: the same rows.
    for worker in workers:
        stop_process(worker)
    OrderLine.objects.filter(source_file__in=file_ids).delete()
    CatalogFile.objects.filter(pk__in=file_ids).update(sync_fingerprint="", status=FileStatus.PENDING)
    worker_factory(ERP_SYNC_WORKER_SLOTS="2", ERP_BATCH_MAX_PARALLEL="1")
    settings.ERP_BATCH_MAX_PARALLEL = 1
    again = sync_task_create(user=ann, task_type=TaskType.BATCH_BY_IDS, file_ids=file_ids, priority=5)
    wait_for(lambda: SyncProgressTask.objects.get(pk=again.pk).status == TaskStatus.COMPLETED, timeout=300,
             what="the batch in one slot")
    assert not SyncProgressTask.units.filter(parent=again).exists()
    assert fact_rows(file_ids) == spread


def test_cancel_stops_every_part_and_the_batch_ends_cancelled(worker_factory, inbox, templates, tmp_path, settings,
                                                              ann):
    settings.ERP_SYNC_WORKER_SLOTS = 2
    file_ids = shops_of_orders(inbox, 10, FILE_ROWS, tmp_path)
    for _ in range(2):
        worker_factory(ERP_SYNC_WORKER_SLOTS="2")
    batch = sync_task_create(user=ann, task_type=TaskType.BATCH_BY_IDS, file_ids=file_ids, priority=5)
    wait_for(lambda: family(batch).filter(status=TaskStatus.PROCESSING).count() == 2, timeout=120,
             what="the batch to run in both slots")

    sync_task_cancel(task=SyncProgressTask.objects.get(pk=batch.pk))
    wait_for(lambda: not family(batch).filter(status__in=SyncProgressTask.ACTIVE_STATUSES).exists(), timeout=120,
             what="every part to stop")

    batch.refresh_from_db()
    assert batch.status == TaskStatus.CANCELLED
    assert 0 < batch.processed_files < 10
    synced = {r["file_id"] for r in batch.file_results}
    for file in CatalogFile.objects.filter(pk__in=file_ids):
        if file.pk in synced:
            assert OrderLine.objects.filter(source_file=file).count() == file.rows_ingested > 0
        else:  # never begun: free for another task, nothing written
            assert file.status == FileStatus.PENDING and not OrderLine.objects.filter(source_file=file).exists()
    assert quota_free(ann)


def test_a_delivery_past_its_time_limit_fails_the_file_it_stopped_as_timed_out_and_writes_none_of_it(
        worker_factory, inbox, templates, tmp_path, settings, ann):
    """A soft time limit of 2 s; the first file takes longer. It fails, "timed out", its writes rolled
    back; the delivery ends, and the next one (a limit of its own) syncs the two small files. (Celery's
    timer may miss, celery#6873: the heartbeat thread then stops the delivery, one beat later.)"""
    settings.ERP_SYNC_WORKER_SLOTS = 1
    (big,) = shops_of_orders(inbox, 1, 300_000, tmp_path)  # several seconds past the limit, whichever stops it
    small = shops_of_orders(inbox, 2, 200, tmp_path, first=500)
    worker_factory(ERP_SYNC_WORKER_SLOTS="1", CELERY_TASK_SOFT_TIME_LIMIT="2", CELERY_TASK_TIME_LIMIT="120",
                   ERP_HEARTBEAT_INTERVAL_S="0.5")
    batch = sync_task_create(user=ann, task_type=TaskType.BATCH_BY_IDS, file_ids=[big, *small], priority=5)

    wait_for(lambda: SyncProgressTask.objects.get(pk=batch.pk).status not in SyncProgressTask.ACTIVE_STATUSES,
             timeout=180, what="the batch to finish")

    batch.refresh_from_db()
    timed_out = CatalogFile.objects.get(pk=big)
    assert timed_out.status == FileStatus.FAILED and timed_out.last_error.startswith("timed out:")
    # Nothing half-written: every row of it belongs to a committed sync (none, unless a limit struck
    # after a commit, before its outcome was written, and the next delivery then timed out).
    written = sum(ChangeSet.objects.filter(file=timed_out).values_list("rows_inserted", flat=True))
    assert OrderLine.objects.filter(source_file=timed_out).count() == written
    assert batch.status == TaskStatus.FAILED and batch.attempts >= 2
    assert (batch.processed_files, batch.failed_files, batch.succeeded_files) == (3, 1, 2)
    assert any(e.startswith(f"{timed_out.file_name}: timed out:") for e in batch.errors)
    for file in CatalogFile.objects.filter(pk__in=small):
        assert file.status in (FileStatus.INGESTED, FileStatus.PARTIAL)
        assert OrderLine.objects.filter(source_file=file).count() == file.rows_ingested > 0
    assert "unexpected error" not in str(batch.errors)
    assert quota_free(ann)


def test_a_worker_killed_while_the_batch_runs_in_both_slots_loses_no_file_and_syncs_none_twice(
        worker_factory, inbox, templates, tmp_path, settings, ann):
    """SIGKILL one of the two workers while the batch and a part of it run: the recovery queues the dead
    run again (the batch's or the part's), and the batch completes with every file once."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from erp.beat_jobs import beat_jobs_install

    settings.ERP_SYNC_WORKER_SLOTS = 2
    file_ids = shops_of_orders(inbox, 10, FILE_ROWS, tmp_path)
    beat_jobs_install()
    every_2s, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.filter(name="recover stalled tasks").update(interval=every_2s)
    doomed, _ = (worker_factory(ERP_SYNC_WORKER_SLOTS="2", **FAST_HEARTBEAT) for _ in range(2))
    batch = sync_task_create(user=ann, task_type=TaskType.BATCH_BY_IDS, file_ids=file_ids, priority=5)
    wait_for(lambda: family(batch).filter(status=TaskStatus.PROCESSING).count() == 2, timeout=120,
             what="the batch to run in both slots")

    kill_hard(doomed)
    worker_factory(ERP_SYNC_WORKER_SLOTS="2", **FAST_HEARTBEAT)
    beat = start_beat(worker_env(ERP_SYNC_WORKER_SLOTS="2", **FAST_HEARTBEAT), RUN_DIR / f"beat-parts-{batch.pk}.log")
    try:
        wait_for(lambda: SyncProgressTask.objects.get(pk=batch.pk).status not in SyncProgressTask.ACTIVE_STATUSES,
                 timeout=300, what="the batch to finish after the recovery")
    finally:
        stop_process(beat)

    batch.refresh_from_db()
    assert batch.status == TaskStatus.COMPLETED and batch.processed_files == 10
    assert sorted(r["file_id"] for r in batch.file_results) == sorted(file_ids)  # each file once
    assert max(u.attempts for u in family(batch)) == 2  # the dead run was taken over
    files = CatalogFile.objects.filter(pk__in=file_ids)
    assert OrderLine.objects.filter(source_file__in=file_ids).count() == sum(f.rows_ingested for f in files)
    assert batch.rows_ingested == sum(f.rows_ingested for f in files)
    assert quota_free(ann)


def test_the_heartbeat_stops_a_run_past_its_soft_time_limit_when_celerys_own_timer_misses(transactional_db, settings):
    """Celery's soft limit is best effort (celery#6873): the heartbeat thread raises it too, one beat after."""
    import signal
    import threading

    from billiard.pool import SIG_SOFT_TIMEOUT
    from celery.exceptions import SoftTimeLimitExceeded

    from sync.services.task_run import DeliveryHeartbeat
    from tests.factories import TaskFactory

    settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.ERP_HEARTBEAT_INTERVAL_S = 1, 0.2
    task = TaskFactory(status=TaskStatus.PROCESSING)

    def soft_timeout(signum, frame):  # what billiard's pool process installs for it
        raise SoftTimeLimitExceeded()

    released = threading.Event()
    watchdog = threading.Timer(60, released.set)  # a bound on the wait, should the signal never come
    previous = signal.signal(SIG_SOFT_TIMEOUT, soft_timeout)
    watchdog.start()
    try:
        with pytest.raises(SoftTimeLimitExceeded), DeliveryHeartbeat(started=time.monotonic()) as beat, beat.of(task):
            # Blocked as a run waits for its prefetch thread: only a real signal ends such a wait.
            released.wait()
        assert not released.is_set()  # the signal ended the wait, not the watchdog
    finally:
        watchdog.cancel()
        signal.signal(SIG_SOFT_TIMEOUT, previous)



def test_a_files_progress_shows_while_its_transaction_is_open_and_leaves_the_row_unlocked(transactional_db):
    """The progress is written by the heartbeat's thread: written by the sync's own connection, inside the
    file's transaction, it was seen by no one before the file committed, and the row stayed locked till
    then (a cancel request waited for the file; a batch's parts, all writing to its row, took turns)."""
    import psycopg
    from django.db import connection, transaction

    from sync.services.task_run import DeliveryHeartbeat
    from tests.factories import CatalogFileFactory, TaskFactory

    file = CatalogFileFactory()
    task = TaskFactory(status=TaskStatus.PROCESSING, current_file=file.file_name)
    other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    table = SyncProgressTask._meta.db_table
    try:
        with DeliveryHeartbeat(started=time.monotonic()) as beat, beat.of(task), transaction.atomic():
            beat.progress(task, file, 42.0)
            wait_for(lambda: other.execute(f"SELECT file_progress FROM {table} WHERE id = %s",
                                           [task.pk]).fetchone()[0] == 42.0, timeout=10, what="the progress")
            other.execute("SET lock_timeout = '5s'")
            other.execute(f"UPDATE {table} SET cancel_requested = true WHERE id = %s", [task.pk])
    finally:
        other.close()

    # A file that is no longer the current one (its end came first) leaves the row's progress alone.
    SyncProgressTask.units.filter(pk=task.pk).update(current_file="next.csv", file_progress=0.0)
    with DeliveryHeartbeat(started=time.monotonic()) as beat:
        with beat.of(task):
            beat.progress(task, file, 77.0)
            wait_for(lambda: beat.reported is None, timeout=10, what="the heartbeat to take the progress")
    task.refresh_from_db()
    assert (task.file_progress, task.cancel_requested) == (0.0, True)
