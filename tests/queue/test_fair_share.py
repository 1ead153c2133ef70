"""Fair share of the worker slots across users (issue 19): the order the database dispatches in, when a
running batch hands its slot over, and, with real workers, a colleague's single file that starts while
another user's batches still run."""

from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from erp.users import api_user_create
from sync.models import SyncProgressTask, TaskStatus, TaskType
from sync.services import task_run
from sync.services.fair_share import fair_order, should_yield, user_weights
from tests.factories import TaskFactory

WEIGHTS = {"admin": 3.0, "premium": 2.0, "normal": 1.0}
# Files big enough that a batch of six runs for seconds, so a colleague's task arrives while both run.
FILE_ROWS = 20_000


@pytest.fixture
def tiers(db, settings) -> dict[str, User]:
    settings.ERP_FAIR_SHARE_WEIGHTS = WEIGHTS
    for name, role in (("ann", "normal"), ("pat", "premium"), ("ada", "admin")):
        api_user_create(username=name, role=role)
    return {u.username: u for u in User.objects.filter(username__in=("ann", "pat", "ada"))}


def waiting(user, count: int, priority: int = 5, start: int = 0) -> list[SyncProgressTask]:
    now = timezone.now()
    return [TaskFactory.build(user=user, priority=priority, created_at=now + timedelta(seconds=start + i), pk=None)
            for i in range(count)]


def test_slots_go_to_the_user_furthest_below_their_weighted_share(tiers):
    ann, pat, ada = tiers["ann"], tiers["pat"], tiers["ada"]
    tasks = waiting(ann, 20) + waiting(pat, 20, start=100) + waiting(ada, 20, start=200)
    weights = user_weights({ann.pk, pat.pk, ada.pk})

    first = list(fair_order(tasks, Counter(), weights))[:12]

    # Twelve slots over weights 1 : 2 : 3 are 2 : 4 : 6, though ann submitted everything first.
    assert Counter(t.user_id for t in first) == {ann.pk: 2, pat.pk: 4, ada.pk: 6}


def test_the_weights_are_each_users_role_read_in_one_query(tiers, django_assert_num_queries):
    """A hand-over and every dispatch read the weights: one query for all users, where each user's groups
    were a query more."""
    from erp.users import user_role

    staff_in_a_group = User.objects.create(username="sam", is_staff=True)
    staff_in_a_group.groups.add(*tiers["pat"].groups.all())
    users = [*tiers.values(), staff_in_a_group, User.objects.create(username="nob")]

    with django_assert_num_queries(1):
        weights = user_weights({u.pk for u in users} | {None})

    assert weights == {None: 1.0, **{u.pk: WEIGHTS[user_role(u)] for u in users}}
    assert [weights[u.pk] for u in users[3:]] == [3.0, 1.0]


def test_within_a_user_priority_then_age_decide_and_a_higher_band_goes_first(tiers):
    ann, pat = tiers["ann"], tiers["pat"]
    old, urgent = waiting(ann, 1, priority=5)[0], waiting(ann, 1, priority=7, start=50)[0]
    high = waiting(pat, 1, priority=9, start=99)[0]
    low = waiting(pat, 1, priority=2, start=-99)[0]

    order = list(fair_order([old, urgent, high, low], Counter({ann.pk: 0, pat.pk: 5}), user_weights({ann.pk, pat.pk})))

    # pat is far above her share, yet her priority-9 task is of the high band: it goes first; her
    # priority-2 one waits for the normal band to empty; ann's priority 7 goes before her older 5.
    assert order == [high, urgent, old, low]


def test_slots_already_in_use_count(tiers):
    ann, pat = tiers["ann"], tiers["pat"]
    tasks = waiting(ann, 3) + waiting(pat, 3, start=10)

    order = list(fair_order(tasks, Counter({pat.pk: 4}), user_weights({ann.pk, pat.pk})))

    assert [t.user_id for t in order[:3]] == [ann.pk] * 3  # pat holds 4 slots (2 by weight) already


@pytest.mark.django_db
def test_a_batch_hands_its_slot_over_only_to_a_user_below_its_owners_share(tiers, settings):
    settings.ERP_SYNC_WORKER_SLOTS = 2
    running = [TaskFactory(user=tiers["ann"], status=TaskStatus.PROCESSING, priority=5,
                           dispatched_at=timezone.now()) for _ in range(2)]
    assert not should_yield(running[0])  # nobody else waits

    colleague = TaskFactory(user=tiers["pat"], task_type=TaskType.SINGLE_FILE, priority=5)
    assert should_yield(running[0])  # ann holds both slots, pat none

    SyncProgressTask.objects.filter(pk=running[1].pk).update(status=TaskStatus.QUEUED, dispatched_at=None)
    SyncProgressTask.objects.filter(pk=colleague.pk).update(status=TaskStatus.PROCESSING, dispatched_at=timezone.now())
    TaskFactory(user=tiers["pat"], task_type=TaskType.SINGLE_FILE, priority=5)
    # one slot each, pat (weight 2) waits with another: ann at 1 is above pat's 1/2 + 1/2, so ann yields
    assert should_yield(running[0])

    TaskFactory(user=tiers["ada"], priority=2)  # a lower band never takes a running task's slot
    SyncProgressTask.objects.filter(user=tiers["pat"], status=TaskStatus.QUEUED).delete()
    assert not should_yield(running[0])


@pytest.mark.django_db
def test_a_batch_that_finds_a_slot_free_still_yields_to_the_user_the_slot_does_not_serve(tiers, settings,
                                                                                       broker_purged):
    # given: ann's batch holds one of two slots; the other was just handed over, and pat and ada both wait
    settings.ERP_SYNC_WORKER_SLOTS = 2
    settings.ERP_FAIR_SHARE_WEIGHTS = {"admin": 1.0, "premium": 1.0, "normal": 1.0}
    batch = TaskFactory(user=tiers["ann"], status=TaskStatus.PROCESSING, priority=4, dispatched_at=timezone.now())
    pats, adas = (TaskFactory(user=tiers[name], task_type=TaskType.SINGLE_FILE, priority=5) for name in ("pat", "ada"))

    # when: the batch reaches a file boundary
    yields = task_run.SlotCheck(batch).hand_over()

    # then: the free slot went to pat's task, and the batch gives its own to ada's
    assert SyncProgressTask.objects.get(pk=pats.pk).dispatched_at is not None
    assert SyncProgressTask.objects.get(pk=adas.pk).dispatched_at is None
    assert yields


@pytest.mark.worker
def test_a_colleagues_file_starts_while_anothers_batches_hold_every_worker(worker_factory, inbox, templates, tmp_path,
                                                                         settings):
    """Two workers, both busy with ann's batches; pat's single file takes the slot ann's first batch
    hands over at a file boundary, and both batches then finish with every file synced once."""
    from sync.models import CatalogFile, OrderLine
    from sync.services.task_lifecycle import sync_task_create
    from tests.processes import wait_for
    from tests.sync.helpers import shops_of_orders

    settings.ERP_SYNC_WORKER_SLOTS = 2
    api_user_create(username="ann", role="normal")
    api_user_create(username="pat", role="normal")
    ann, pat = User.objects.get(username="ann"), User.objects.get(username="pat")
    batch_files = shops_of_orders(inbox, 12, FILE_ROWS, tmp_path)
    (single,) = shops_of_orders(inbox, 1, FILE_ROWS, tmp_path, first=900)
    for _ in range(2):
        worker_factory(ERP_SYNC_WORKER_SLOTS="2")
    batches = [sync_task_create(user=ann, task_type=TaskType.BATCH_BY_IDS, file_ids=batch_files[i::2], priority=5)
               for i in range(2)]
    wait_for(lambda: SyncProgressTask.objects.filter(pk__in=[b.pk for b in batches],
                                                     status=TaskStatus.PROCESSING).count() == 2,
             what="both of ann's batches to run")
    colleague = sync_task_create(user=pat, task_type=TaskType.SINGLE_FILE, file_ids=[single], priority=5)
    wait_for(lambda: not SyncProgressTask.objects.filter(status__in=SyncProgressTask.ACTIVE_STATUSES).exists(),
             timeout=300, what="every task to finish")

    colleague.refresh_from_db()
    done = list(SyncProgressTask.objects.filter(pk__in=[b.pk for b in batches]))
    assert colleague.started_at < min(b.finished_at for b in done)  # it did not wait for a batch to end
    assert max(b.attempts for b in done) >= 2  # a batch handed its slot over, then went on
    assert all(b.status == TaskStatus.COMPLETED and b.processed_files == b.total_files == 6 for b in done)
    for file in CatalogFile.objects.filter(pk__in=[*batch_files, single]):
        assert OrderLine.objects.filter(source_file=file).count() == file.rows_ingested > 0
        assert file.rows_read == file.rows_ingested + file.rows_quarantined + file.rows_skipped


@pytest.fixture
def broker_purged():
    """The dispatcher publishes to this run's broker and no worker runs here: drop the messages after."""
    from erp.celery import app as celery_app

    yield
    celery_app.control.purge()


@pytest.mark.django_db
def test_three_tiers_with_a_steady_stream_each_hold_their_weighted_share_of_the_slots(tiers, settings, broker_purged):
    """The dispatcher itself (sync_tasks_dispatch_next) over 60 rounds: six slots, users of weight 1, 2 and
    3 who always have work waiting; each round the oldest running task finishes and the dispatcher fills
    the slot. (Workers are played by the test: it claims what the broker was handed.)"""
    from sync.services.dispatch import sync_tasks_dispatch_next

    settings.ERP_SYNC_WORKER_SLOTS = 6
    users = [tiers["ann"], tiers["pat"], tiers["ada"]]  # weights 1, 2, 3: shares 1, 2 and 3 slots
    uses = []
    for round_ in range(60):
        for user in users:  # the stream: each keeps three tasks waiting
            for _ in range(3 - SyncProgressTask.objects.filter(user=user, status=TaskStatus.QUEUED).count()):
                TaskFactory(user=user, priority=5)
        sync_tasks_dispatch_next()
        SyncProgressTask.objects.filter(status=TaskStatus.QUEUED, dispatched_at__isnull=False).update(
            status=TaskStatus.PROCESSING, heartbeat_at=timezone.now(), started_at=timezone.now())
        running = Counter(SyncProgressTask.objects.filter(status=TaskStatus.PROCESSING).values_list("user_id", flat=True))
        uses.append([running[u.pk] for u in users])
        oldest = SyncProgressTask.objects.filter(status=TaskStatus.PROCESSING).order_by("started_at", "pk").first()
        SyncProgressTask.objects.filter(pk=oldest.pk).update(status=TaskStatus.COMPLETED, finished_at=timezone.now())

    for use in uses[6:]:  # once the first six slots were handed out
        assert sum(use) == 6
        assert all(abs(held - share) <= 1 for held, share in zip(use, (1, 2, 3))), use
    averages = [sum(use[i] for use in uses[6:]) / len(uses[6:]) for i in range(3)]
    assert all(abs(average - share) < 0.5 for average, share in zip(averages, (1, 2, 3))), averages
