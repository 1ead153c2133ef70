"""POST /api/catalog-files/{id}/preview/ and /api/previews/{id}/approve/ (issue 17)."""

import pytest

from sync.models import CatalogFile, OrderLine
from tests.sync.test_written_together import overlapping_exports

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(inbox, templates, tmp_path) -> int:
    return overlapping_exports(inbox, tmp_path)[0]


def test_a_preview_is_stored_then_approved_once(owner, first):
    made = owner.post(f"/api/catalog-files/{first}/preview/")
    assert made.status_code == 201, made.json()
    preview = made.json()["data"]
    assert preview["status"] == "pending" and preview["rows_new"] > 0
    assert not OrderLine.objects.exists()
    assert owner.get("/api/previews/").json()["data"]["results"][0]["id"] == preview["id"]

    approved = owner.post(f"/api/previews/{preview['id']}/approve/")
    assert approved.status_code == 200
    assert approved.json()["data"]["status"] == "approved"
    assert OrderLine.objects.filter(source_file_id=first).count() == preview["rows_new"]
    assert CatalogFile.objects.get(pk=first).status == "partial"

    again = owner.post(f"/api/previews/{preview['id']}/approve/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "stale_preview"


def test_previews_need_a_login(anonymous, first):
    assert anonymous.post(f"/api/catalog-files/{first}/preview/").status_code == 401


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/api/data-sync/single", "/api/sync-tasks/"])
def test_a_dry_run_submitted_to_the_worker_stores_previews_and_writes_nothing(celery_worker, owner, first, path):
    from sync.models import FileStatus, SyncPreview, SyncProgressTask, TaskStatus
    from tests.sync.helpers import run_to_end

    body = {"file_id": first, "dry_run": True}
    if path == "/api/sync-tasks/":
        body = {"task_type": "batch_by_ids", "file_ids": [first], "dry_run": True}
    answered = owner.post(path, body, format="json")
    assert answered.status_code in (200, 202), answered.json()
    task_id = answered.json()["data"].get("task_id") or answered.json()["data"]["celery_task_id"]
    task = run_to_end(SyncProgressTask.objects.get(task_id=task_id))

    assert task.status == TaskStatus.COMPLETED, task.errors
    preview = SyncPreview.objects.get(file_id=first)
    (outcome,) = task.file_results
    assert outcome["preview_id"] == preview.pk and outcome["rows_ingested"] == preview.rows_new > 0
    assert preview.created_by.username == "owner"
    assert not OrderLine.objects.exists()
    assert CatalogFile.objects.get(pk=first).status == FileStatus.PENDING  # never held, never synced

    approved = owner.post(f"/api/previews/{preview.pk}/approve/")
    assert approved.status_code == 200
    assert OrderLine.objects.filter(source_file_id=first).count() == preview.rows_new
