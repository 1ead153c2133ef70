"""In-process checks of the rules behind the contract: which rate-limit group a request counts in, and how
our task states read in the predecessor's vocabulary."""

import pytest
from django.conf import settings

from ratelimit.services import group_of
from sync.api.predecessor.serializers import LegacyProgressSerializer, task_status_legacy
from sync.models import SyncProgressTask, TaskStatus, TaskType


@pytest.mark.parametrize(("method", "path", "group"), [
    ("GET", "/api/data-sync/progress/single_file_1_ab12cd34", "polling"),
    ("GET", "/api/data-sync/task-status/x", "polling"),
    ("GET", "/api/data-sync/tasks", "polling"),
    ("GET", "/api/data-sync/files", "polling"),
    ("GET", "/api/data-sync/governance/stats", "polling"),
    ("POST", "/api/data-sync/single", "data_sync"),
    ("DELETE", "/api/data-sync/cancel-task/x", "data_sync"),
    ("POST", "/api/data-sync/files/refresh", "data_sync"),
    ("GET", "/api/data-sync/user-task-count", "data_sync"),
    ("GET", "/api/sync-tasks/", "data_sync"),
    ("POST", "/api/auth/login", "auth"),
])
def test_reads_poll_in_their_own_group_and_writes_spend_data_sync(method, path, group):
    assert group_of(path, method) == group


def test_the_polling_group_fits_one_poll_every_2_s_of_every_task_a_user_may_have():
    for tier in ("normal", "premium", "admin"):
        assert settings.RATE_LIMIT_TIERS[tier]["polling"] >= settings.MAX_TASKS_PER_USER * 60 / 2


@pytest.mark.parametrize(("status", "succeeded", "legacy", "canonical"), [
    (TaskStatus.QUEUED, 0, "pending", "pending"),
    (TaskStatus.PROCESSING, 0, "processing", "running"),
    (TaskStatus.COMPLETED, 2, "completed", "completed"),
    (TaskStatus.FAILED, 1, "partial_success", "partial_success"),
    (TaskStatus.FAILED, 0, "failed", "failed"),
    (TaskStatus.CANCELLED, 0, "cancelled", "cancelled"),
])
def test_status_vocabulary(status, succeeded, legacy, canonical):
    task = SyncProgressTask(status=status, succeeded_files=succeeded)
    assert (task_status_legacy(task), task_status_legacy(task, canonical=True)) == (legacy, canonical)


@pytest.mark.django_db
def test_a_cancelled_task_accounts_for_every_file_so_the_page_stops_polling():
    task = SyncProgressTask.objects.create(task_id="batch_ids_0123abcd", task_type=TaskType.BATCH_BY_IDS,
                                           status=TaskStatus.CANCELLED, total_files=5, processed_files=2,
                                           succeeded_files=2)
    data = LegacyProgressSerializer(task).data
    assert (data["processed_files"], data["skipped_files"], data["success_files"]) == (5, 3, 2)
    assert data["status"] == "cancelled" and data["progress_percent"] == 100.0
    assert data["task_type"] == "batch_ingest" and data["start_time"].endswith("Z")
