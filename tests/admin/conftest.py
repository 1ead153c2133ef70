"""The admin's personas (a staff operator who logs in with a password, a task owner) and rows made by
factories; the zh_Hans catalog compiled when its .mo is missing or older than the .po (.mo files are
built, not committed: `make messages` does the same)."""

from pathlib import Path

import factory
import pytest
from babel.messages.frontend import CommandLineInterface
from django.contrib.auth.models import User
from django.test import Client
from django.test.signals import setting_changed

from sync.models import CatalogFile, SyncProgressTask, TaskType
from sync.services.users import api_user_create

BASE_DIR = Path(__file__).resolve().parent.parent.parent
OPERATOR = "operator"
OPERATOR_PASSWORD = "Operator-pass-4821"


@pytest.fixture(scope="session", autouse=True)
def compiled_messages():
    stale = [po for po in (BASE_DIR / "locale").glob("*/LC_MESSAGES/django.po")
             if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime]
    if stale:
        CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(BASE_DIR / "locale"), "-D", "django"])
        # Django caches each language's catalog once loaded; this is how it drops them on a settings change.
        setting_changed.send(sender=None, setting="LOCALE_PATHS", value=None, enter=False)


class CatalogFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CatalogFile

    shop_id = factory.Sequence(lambda n: f"shop{n:03d}")
    path = factory.LazyAttribute(lambda f: f"shopee/{f.shop_id}/orders/daily/orders_20250101_20250101.xlsx")
    file_name = "orders_20250101_20250101.xlsx"
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    size_bytes = 4096
    platform_code = "shopee"
    data_domain = "orders"
    granularity = "daily"


class TaskFactory(factory.django.DjangoModelFactory):
    """A batch of two files; set status (and counters) to put it where a test needs it."""

    class Meta:
        model = SyncProgressTask

    task_type = TaskType.BATCH_BY_IDS
    file_ids = factory.LazyFunction(lambda: [f.pk for f in CatalogFileFactory.create_batch(2)])
    run_file_ids = factory.SelfAttribute("file_ids")
    total_files = factory.LazyAttribute(lambda t: len(t.file_ids))


@pytest.fixture
def operator(db) -> User:
    api_user_create(username=OPERATOR, role="admin", password=OPERATOR_PASSWORD)
    return User.objects.get(username=OPERATOR)


@pytest.fixture
def owner(db) -> User:
    api_user_create(username="owner", role="normal")
    return User.objects.get(username="owner")


@pytest.fixture
def operator_client(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client
