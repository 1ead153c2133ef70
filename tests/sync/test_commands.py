from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from erp.beat_jobs import beat_jobs_install
from sync.models import CatalogFile, FileStatus, SyncProgressTask, TaskStatus

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_demo_exports_scan_and_sync_in_the_shell(inbox, templates):
    run("make_demo_exports", "--rows", "30", "--seed", "4", "--only", "lazada_orders_xlsx", "amazon_orders_tsv")
    assert "2 new" in run("scan_inbox")

    run("sync_files")

    assert set(CatalogFile.objects.values_list("status", flat=True)) == {FileStatus.PARTIAL}
    report = run("sync_report")
    assert "lazada/lazada_my_01/orders/daily/orders.20241101_20241101.xlsx" in report
    with pytest.raises(CommandError, match="no files to sync"):
        run("sync_files")


def test_sync_files_enqueue_creates_a_queued_task(inbox, templates, django_capture_on_commit_callbacks):
    run("make_demo_exports", "--rows", "5", "--seed", "4", "--only", "lazada_orders_xlsx")
    run("scan_inbox")

    with django_capture_on_commit_callbacks() as callbacks:
        output = run("sync_files", "--enqueue", "--priority", "8")

    task = SyncProgressTask.objects.get()
    assert task.task_id in output
    assert (task.status, task.priority, task.total_files) == (TaskStatus.QUEUED, 8, 1)
    assert len(callbacks) == 1  # published only once the transaction commits
    assert CatalogFile.objects.get().status == FileStatus.QUEUED


def test_create_api_user_prints_a_working_token():
    token = run("create_api_user", "alice", "--role", "premium").strip()

    user = User.objects.get(username="alice")
    assert Token.objects.get(user=user).key == token
    assert list(user.groups.values_list("name", flat=True)) == ["premium"]
    assert not user.is_staff


def test_beat_jobs_install_is_idempotent():
    from django_celery_beat.models import PeriodicTask

    beat_jobs_install()
    beat_jobs_install()

    assert PeriodicTask.objects.filter(name="scan inbox", task="sync.tasks.scan_inbox").count() == 1
