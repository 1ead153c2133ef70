"""The per-user quota on real Redis and on the database fallback, and its reconcile job."""

import time

import pytest
from django.test import override_settings
from django_redis import get_redis_connection

from erp.users import api_user_create
from sync.models import SyncProgressTask, TaskStatus, TaskType
from sync.services.quota import KEY, QuotaExceeded, quota_reconcile, quota_usage
from sync.services.task_lifecycle import sync_task_cancel, sync_task_create

pytestmark = pytest.mark.django_db
LIMIT = 3


@pytest.fixture
def user(db):
    from django.contrib.auth.models import User

    api_user_create(username="quota-user", role="normal")
    return User.objects.get(username="quota-user")


@pytest.fixture
def redis():
    client = get_redis_connection("default")
    yield client
    for key in client.scan_iter(KEY.format(user_id="*")):
        client.delete(key)


def submit(user):
    return sync_task_create(task_type=TaskType.BATCH_BY_IDS, file_ids=[], user=user)


def slots(redis, user) -> set[str]:
    return {m.decode() for m in redis.zrange(KEY.format(user_id=user.pk), 0, -1)}


@override_settings(MAX_TASKS_PER_USER=LIMIT)
def test_redis_quota_refuses_over_the_limit_and_frees_on_cancel(user, redis, django_capture_on_commit_callbacks):
    tasks = [submit(user) for _ in range(LIMIT)]

    with pytest.raises(QuotaExceeded) as refused:
        submit(user)

    assert (refused.value.used, refused.value.limit) == (LIMIT, LIMIT)
    assert slots(redis, user) == {t.task_id for t in tasks}
    assert SyncProgressTask.objects.filter(user=user).count() == LIMIT
    with django_capture_on_commit_callbacks(execute=True):
        sync_task_cancel(task=tasks[0])
    assert tasks[0].task_id not in slots(redis, user)
    assert submit(user).status == TaskStatus.QUEUED


@override_settings(MAX_TASKS_PER_USER=LIMIT, EMBEDDED_CACHE=True)
def test_database_fallback_gives_the_same_answer(user):
    for _ in range(LIMIT):
        submit(user)

    with pytest.raises(QuotaExceeded):
        submit(user)
    assert quota_usage(user=user).remaining == 0


@override_settings(MAX_TASKS_PER_USER=LIMIT)
def test_slots_taken_without_redis_still_count_when_it_is_back(user, redis):
    with override_settings(EMBEDDED_CACHE=True):
        submit(user)
        submit(user)

    submit(user)

    with pytest.raises(QuotaExceeded):
        submit(user)


@override_settings(MAX_TASKS_PER_USER=LIMIT)
def test_reconcile_corrects_a_corrupted_slot_set(user, redis):
    active = [submit(user) for _ in range(2)]
    key = KEY.format(user_id=user.pk)
    redis.zrem(key, active[0].task_id)
    redis.zadd(key, {"ghost-1": time.time() - 3600, "ghost-2": time.time() - 3600})

    changes = quota_reconcile()

    assert slots(redis, user) == {t.task_id for t in active}
    assert (changes["removed"], changes["added"]) == (2, 1)


def test_usage_counts_running_and_queued(user, redis):
    first, _ = submit(user), submit(user)
    SyncProgressTask.objects.filter(pk=first.pk).update(status=TaskStatus.PROCESSING)

    usage = quota_usage(user=user)

    assert (usage.running, usage.queued, usage.remaining) == (1, 1, 8)
