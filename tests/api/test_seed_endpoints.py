"""The predecessor's /api/data-sync/ endpoints (in-process): successes and each documented error in the
predecessor's shapes (PREDECESSOR_API.md 5; issue 15), matching the published OpenAPI schema. Changed from
this service's earlier shapes (202, queued, string codes): the predecessor's clients read these paths."""

import pytest
from django.test import override_settings

from sync.models import CatalogFile, FileStatus, SyncProgressTask, TaskStatus
from tests.api.openapi import assert_matches_schema

pytestmark = pytest.mark.django_db
SINGLE = "/api/data-sync/single"


def post(client, path, body=None, template=None, method="post"):
    response = getattr(client, method)(path, body or {}, format="json")
    assert_matches_schema(response, template or path, method)
    return response


def get(client, path, template):
    response = client.get(path)
    assert_matches_schema(response, template, "get")
    return response


def assert_error(response, status: int, code: int):
    body = response.json()
    assert response.status_code == status, body
    assert body["success"] is False and body["error"]["code"] == code, body
    assert body["message"] and body["timestamp"] and body["request_id"]
    return body


def test_single_file_submission_answers_200_pending(owner, demo_files):
    response = post(owner, SINGLE, {"file_id": demo_files[0].pk, "priority": 7})

    body = response.json()
    assert response.status_code == 200 and body["success"] is True and body["message"]
    data = body["data"]
    task = SyncProgressTask.objects.get(task_id=data["task_id"])
    assert data["task_id"].startswith(f"single_file_{demo_files[0].pk}_")
    assert (data["status"], data["file_id"], data["file_name"]) == ("pending", demo_files[0].pk, demo_files[0].file_name)
    assert data["celery_task_id"] == task.task_id and task.priority == 7
    assert (task.task_type, task.file_ids, task.parameters["allow_quarantine"]) == ("single_file", [demo_files[0].pk], True)


@pytest.mark.parametrize(("body", "field"), [({}, "file_id"), ({"file_id": "x"}, "file_id"),
                                             ({"file_id": 1, "priority": 11}, "priority"),
                                             ({"file_id": 1, "priority": None}, "priority")])
def test_single_file_validation_names_the_field(owner, body, field):
    body = assert_error(post(owner, SINGLE, body), 400, 4202)
    assert field in body["error"]["detail"]


def test_unknown_file_is_404(owner, demo_files):
    assert_error(post(owner, SINGLE, {"file_id": 999_999}), 404, 1301)


def test_a_file_already_queued_is_409(owner, demo_files):
    post(owner, SINGLE, {"file_id": demo_files[0].pk})

    assert_error(post(owner, SINGLE, {"file_id": demo_files[0].pk}), 409, 3001)


@override_settings(MAX_TASKS_PER_USER=2)
def test_quota_answers_429_with_count_and_limit(owner, demo_files):
    for file in demo_files[:2]:
        assert post(owner, SINGLE, {"file_id": file.pk}).status_code == 200

    body = assert_error(post(owner, SINGLE, {"file_id": demo_files[2].pk}), 429, 4301)
    assert body["error"]["detail"] == {"used": 2, "limit": 2}
    assert "limit is 2" in body["message"]


def test_anonymous_is_401(anonymous):
    assert_error(post(anonymous, SINGLE, {"file_id": 1}), 401, 4001)


def test_batch_filters_pending_files(owner, demo_files):
    response = post(owner, "/api/data-sync/batch", {"platform": "amazon", "limit": 10})

    assert response.status_code == 200
    data = response.json()["data"]
    task = SyncProgressTask.objects.get(task_id=data["task_id"])
    assert data["task_id"].startswith("batch_") and (data["total_files"], data["processed_files"]) == (1, 0)
    assert task.file_ids == [f.pk for f in demo_files if f.platform_code == "amazon"]
    assert CatalogFile.objects.get(pk=task.file_ids[0]).status == FileStatus.QUEUED


@pytest.mark.parametrize("platform", ["shopee", "ebay"])  # an unknown platform simply matches nothing
def test_batch_with_nothing_pending_answers_200_without_a_task(owner, demo_files, platform):
    response = post(owner, "/api/data-sync/batch", {"platform": platform})

    assert response.status_code == 200
    assert response.json()["data"]["total_files"] == 0
    assert not SyncProgressTask.objects.exists()


def test_batch_by_ids_reports_missing_ids(owner, demo_files):
    ids = [demo_files[1].pk, 424242, demo_files[0].pk]

    response = post(owner, "/api/data-sync/batch-by-ids", {"file_ids": ids})

    data = response.json()["data"]
    assert response.status_code == 200 and data["task_id"].startswith("batch_ids_")
    assert (data["total_files"], data["missing_file_ids"]) == (2, [424242])


def test_batch_by_ids_limits(owner, demo_files):
    assert_error(post(owner, "/api/data-sync/batch-by-ids", {"file_ids": [424242, 424243]}), 404, 3401)
    assert_error(post(owner, "/api/data-sync/batch-by-ids", {"file_ids": []}), 400, 4202)
    too_many = assert_error(post(owner, "/api/data-sync/batch-by-ids", {"file_ids": list(range(1, 1002))}), 400, 4202)
    assert "file_ids" in too_many["error"]["detail"]


def test_batch_all_takes_every_pending_file(owner, demo_files):
    response = post(owner, "/api/data-sync/batch-all")

    data = response.json()["data"]
    assert response.status_code == 200 and data["file_count"] == len(demo_files)
    assert data["task_id"].startswith("batch_all_") and data["celery_task_id"] == data["task_id"]


def _submit(client, file) -> str:
    return client.post(SINGLE, {"file_id": file.pk}, format="json").json()["data"]["task_id"]


def test_progress_and_status_of_own_task(owner, demo_files):
    task_id = _submit(owner, demo_files[0])

    body = get(owner, f"/api/data-sync/progress/{task_id}", "/api/data-sync/progress/{task_id}").json()
    state = get(owner, f"/api/data-sync/task-status/{task_id}", "/api/data-sync/task-status/{celery_task_id}").json()

    progress = body["data"]
    assert "message" not in body
    assert (progress["status"], progress["total_files"], progress["processed_files"]) == ("pending", 1, 0)
    assert {"success_files", "valid_rows", "quarantined_rows", "current_file", "file_progress", "start_time"} <= set(progress)
    assert (state["celery_task_id"], state["state"], state["ready"], state["successful"]) == (task_id, "PENDING", False, None)


def test_unknown_task_is_404(owner):
    response = get(owner, "/api/data-sync/progress/nope", "/api/data-sync/progress/{task_id}")
    assert_error(response, 404, 1301)


def test_cancel_queued_task_then_400(owner, demo_files):
    task_id = _submit(owner, demo_files[0])
    path, template = f"/api/data-sync/cancel-task/{task_id}", "/api/data-sync/cancel-task/{celery_task_id}"

    response = post(owner, path, template=template, method="delete")

    assert response.status_code == 200 and response.json()["revoked"] is True
    assert SyncProgressTask.objects.get(task_id=task_id).status == TaskStatus.CANCELLED
    assert CatalogFile.objects.get(pk=demo_files[0].pk).status == FileStatus.PENDING
    assert_error(post(owner, path, template=template, method="delete"), 400, 4202)


def test_retry_cancelled_task_then_400_while_queued(owner, demo_files):
    task_id = _submit(owner, demo_files[0])
    owner.delete(f"/api/data-sync/cancel-task/{task_id}")
    path, template = f"/api/data-sync/retry-task/{task_id}", "/api/data-sync/retry-task/{celery_task_id}"

    response = post(owner, path, template=template)

    assert response.status_code == 200 and response.json()["new_task_id"] == task_id
    task = SyncProgressTask.objects.get(task_id=task_id)
    assert task.status == TaskStatus.QUEUED and task.task_details["previous_runs"][0]["status"] == "cancelled"
    assert_error(post(owner, path, template=template), 400, 4202)


def test_user_task_count(owner, demo_files):
    _submit(owner, demo_files[0])
    _submit(owner, demo_files[1])

    data = get(owner, "/api/data-sync/user-task-count", "/api/data-sync/user-task-count").json()["data"]

    assert data == {"running": 0, "queued": 2, "limit": 10, "remaining": 8}


@override_settings(MAX_TASKS_PER_USER=1)
@pytest.mark.parametrize("path", ["/api/data-sync/batch", "/api/data-sync/batch-all"])
def test_batches_answer_429_at_the_quota(owner, demo_files, path):
    _submit(owner, demo_files[0])

    assert_error(post(owner, path, {"platform": "*"} if path.endswith("batch") else {}), 429, 4301)


def test_task_status_of_an_unknown_task_reads_pending(owner):
    response = get(owner, "/api/data-sync/task-status/nope", "/api/data-sync/task-status/{celery_task_id}")
    assert response.status_code == 200 and response.json()["state"] == "PENDING"


def test_retry_quota(owner, demo_files, django_capture_on_commit_callbacks):
    task_id = _submit(owner, demo_files[0])
    with django_capture_on_commit_callbacks(execute=True):  # the cancel gives the slot back on commit
        owner.delete(f"/api/data-sync/cancel-task/{task_id}")
    path, template = f"/api/data-sync/retry-task/{task_id}", "/api/data-sync/retry-task/{celery_task_id}"

    with override_settings(MAX_TASKS_PER_USER=1):
        _submit(owner, demo_files[1])
        assert_error(post(owner, path, template=template), 429, 4301)
    assert SyncProgressTask.objects.get(task_id=task_id).status == TaskStatus.CANCELLED


def test_unknown_endpoints_and_methods_are_enveloped(owner):
    assert_error(owner.get(SINGLE), 405, 405)
    assert_error(owner.get("/api/data-sync/loss-analysis"), 404, 1301)
