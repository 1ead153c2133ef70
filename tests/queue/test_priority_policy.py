import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from erp.users import api_user_create
from sync.models import TaskType
from sync.services.priority import broker_priority, priority_for

pytestmark = pytest.mark.django_db


def user(role: str) -> User:
    api_user_create(username=role, role=role)
    return User.objects.get(username=role)


def test_defaults_by_task_type_and_caps_by_role():
    normal, premium, admin = user("normal"), user("premium"), user("admin")

    assert priority_for(user=normal, task_type=TaskType.SINGLE_FILE, requested=None) == 5
    assert priority_for(user=normal, task_type=TaskType.BATCH_ALL, requested=None) == 3
    assert [priority_for(user=u, task_type=TaskType.SINGLE_FILE, requested=10) for u in (normal, premium, admin)] == [
        8, 9, 10]
    assert priority_for(user=normal, task_type=TaskType.BATCH, requested=2) == 2


@pytest.mark.parametrize(("broker", "expected"), [
    ("redis://127.0.0.1:6379/1", [9, 5, 0]), ("amqp://guest:guest@127.0.0.1:5672//", [1, 5, 10])])
def test_our_scale_becomes_the_brokers_in_one_place(broker, expected):
    with override_settings(CELERY_BROKER_URL=broker):
        assert [broker_priority(p) for p in (1, 5, 10)] == expected
