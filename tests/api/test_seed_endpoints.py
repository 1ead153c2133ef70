"""The predecessor's /api/data-sync/ endpoints: successes and each documented error, enveloped and
matching the published OpenAPI schema."""

import pytest
from django.test import override_settings

from sync.models import CatalogFile, FileStatus, SyncProgressTask, TaskStatus
from tests.api.openapi import assert_matches_schema

pytestmark = pytest.mark.django_db
SINGLE = "/api/data-sync/single"


def post(client, path, body=None, template=None):
    response = client.post(path, body or {}, format="json")
    assert_matches_schema(response, template or path, "post")
    return response


def get(client, path, template):
    response = client.get(path)
    assert_matches_schema(response, template, "get")
    return response


def assert_error(response, status: int, code: str):
    body = response.json()
    assert response.status_code == status, body
    assert body["success"] is False and body["error"]["code"] == code, body
    assert body["message"] and body["error"]["recovery_suggestion"]
    return body


def test_single_file_submission_answers_202_with_queue_place(owner, demo_files):
    response = post(owner, SINGLE, {"file_id": demo_files[0].pk, "priority": 7})

    body = response.json()
    assert response.status_code == 202 and body["success"] is True
    data = body["data"]
    task = SyncProgressTask.objects.get(task_id=data["task_id"])
    assert (data["status"], data["priority"], data["total_files"], data["queue_position"]) == ("queued", 7, 1, 1)
    assert data["estimated_start"] and "worker slots" in data["estimate_basis"]
    assert (task.task_type, task.file_ids, task.parameters["allow_quarantine"]) == ("single_file", [demo_files[0].pk], True)


@pytest.mark.parametrize(("body", "field"), [({}, "file_id"), ({"file_id": "x"}, "file_id"),
                                             ({"file_id": 1, "priority": 11}, "priority")])
def test_single_file_validation_names_the_field(owner, body, field):
    body = assert_error(post(owner, SINGLE, body), 400, "validation_error")
    assert field in body["error"]["detail"]


def test_unknown_file_is_404(owner, demo_files):
    assert_error(post(owner, SINGLE, {"file_id": 999_999}), 404, "not_found")


def test_a_file_already_queued_is_409(owner, demo_files):
    post(owner, SINGLE, {"file_id": demo_files[0].pk})

    assert_error(post(owner, SINGLE, {"file_id": demo_files[0].pk}), 409, "file_busy")


@override_settings(MAX_TASKS_PER_USER=2)
def test_quota_answers_429_with_count_and_limit(owner, demo_files):
    for file in demo_files[:2]:
        assert post(owner, SINGLE, {"file_id": file.pk}).status_code == 202

    body = assert_error(post(owner, SINGLE, {"file_id": demo_files[2].pk}), 429, "quota_exceeded")
    assert body["error"]["detail"] == {"used": 2, "limit": 2}
    assert "limit is 2" in body["message"]


def test_anonymous_is_401(anonymous):
    assert_error(post(anonymous, SINGLE, {"file_id": 1}), 401, "not_authenticated")


def test_batch_filters_pending_files(owner, demo_files):
    response = post(owner, "/api/data-sync/batch", {"platform": "amazon", "limit": 10})

    assert response.status_code == 202
    task = SyncProgressTask.objects.get(task_id=response.json()["data"]["task_id"])
    assert task.file_ids == [f.pk for f in demo_files if f.platform_code == "amazon"]
    assert CatalogFile.objects.get(pk=task.file_ids[0]).status == FileStatus.QUEUED


def test_batch_with_nothing_pending_answers_200_without_a_task(owner, demo_files):
    response = post(owner, "/api/data-sync/batch", {"platform": "shopee"})

    assert response.status_code == 200
    assert response.json()["data"]["task_id"] is None and response.json()["data"]["total_files"] == 0
    assert not SyncProgressTask.objects.exists()


def test_batch_rejects_an_unknown_platform(owner):
    body = assert_error(post(owner, "/api/data-sync/batch", {"platform": "ebay"}), 400, "validation_error")
    assert "platform" in body["error"]["detail"]


def test_batch_by_ids_reports_missing_ids(owner, demo_files):
    ids = [demo_files[1].pk, 424242, demo_files[0].pk]

    response = post(owner, "/api/data-sync/batch-by-ids", {"file_ids": ids})

    data = response.json()["data"]
    assert response.status_code == 202
    assert (data["total_files"], data["missing_file_ids"]) == (2, [424242])


def test_batch_by_ids_limits(owner, demo_files):
    assert_error(post(owner, "/api/data-sync/batch-by-ids", {"file_ids": [424242, 424243]}), 404, "not_found")
    assert_error(post(owner, "/api/data-sync/batch-by-ids", {"file_ids": []}), 400, "validation_error")
    too_many = assert_error(post(owner, "/api/data-sync/batch-by-ids", {"file_ids": list(range(1, 1002))}),
                            400, "validation_error")
    assert "file_ids" in too_many["error"]["detail"]


def test_batch_all_takes_every_pending_file(owner, demo_files):
    response = post(owner, "/api/data-sync/batch-all")

    assert response.status_code == 202 and response.json()["data"]["total_files"] == len(demo_files)


def _submit(client, file) -> str:
    return client.post(SINGLE, {"file_id": file.pk}, format="json").json()["data"]["task_id"]


def test_progress_and_status_of_own_task(owner, demo_files):
    task_id = _submit(owner, demo_files[0])

    progress = get(owner, f"/api/data-sync/progress/{task_id}", "/api/data-sync/progress/{task_id}").json()["data"]
    state = get(owner, f"/api/data-sync/task-status/{task_id}", "/api/data-sync/task-status/{task_id}").json()["data"]

    assert (progress["status"], progress["total_files"], progress["processed_files"]) == ("queued", 1, 0)
    assert {"rows_read", "rows_ingested", "rows_quarantined", "current_file", "file_progress"} <= set(progress)
    assert (state["status"], state["celery_state"], state["queue_position"]) == ("queued", "PENDING", 1)


def test_unknown_task_is_404(owner):
    response = get(owner, "/api/data-sync/progress/nope", "/api/data-sync/progress/{task_id}")
    assert_error(response, 404, "not_found")


def test_cancel_queued_task_then_409(owner, demo_files):
    task_id = _submit(owner, demo_files[0])
    path, template = f"/api/data-sync/cancel-task/{task_id}", "/api/data-sync/cancel-task/{task_id}"

    response = post(owner, path, template=template)

    assert response.status_code == 200 and response.json()["data"]["status"] == "cancelled"
    assert CatalogFile.objects.get(pk=demo_files[0].pk).status == FileStatus.PENDING
    assert_error(post(owner, path, template=template), 409, "task_not_cancellable")


def test_retry_cancelled_task_then_409_while_queued(owner, demo_files):
    task_id = _submit(owner, demo_files[0])
    owner.post(f"/api/data-sync/cancel-task/{task_id}")
    path, template = f"/api/data-sync/retry-task/{task_id}", "/api/data-sync/retry-task/{task_id}"

    response = post(owner, path, template=template)

    assert response.status_code == 202 and response.json()["data"]["task_id"] == task_id
    task = SyncProgressTask.objects.get(task_id=task_id)
    assert task.status == TaskStatus.QUEUED and task.task_details["previous_runs"][0]["status"] == "cancelled"
    assert_error(post(owner, path, template=template), 409, "task_not_retryable")


def test_user_task_count(owner, demo_files):
    _submit(owner, demo_files[0])
    _submit(owner, demo_files[1])

    data = get(owner, "/api/data-sync/user-task-count", "/api/data-sync/user-task-count").json()["data"]

    assert data == {"running": 0, "queued": 2, "limit": 10, "remaining": 8}


@override_settings(MAX_TASKS_PER_USER=1)
@pytest.mark.parametrize("path", ["/api/data-sync/batch", "/api/data-sync/batch-all"])
def test_batches_answer_429_at_the_quota(owner, demo_files, path):
    _submit(owner, demo_files[0])

    assert_error(post(owner, path, {"platform": "*"} if path.endswith("batch") else {}), 429, "quota_exceeded")


def test_batch_all_validation(owner):
    body = assert_error(post(owner, "/api/data-sync/batch-all", {"priority": 0}), 400, "validation_error")
    assert "priority" in body["error"]["detail"]


def test_task_status_of_an_unknown_task_is_404(owner):
    assert_error(get(owner, "/api/data-sync/task-status/nope", "/api/data-sync/task-status/{task_id}"),
                 404, "not_found")


def test_retry_validation_and_quota(owner, demo_files, django_capture_on_commit_callbacks):
    task_id = _submit(owner, demo_files[0])
    with django_capture_on_commit_callbacks(execute=True):  # the cancel gives the slot back on commit
        owner.post(f"/api/data-sync/cancel-task/{task_id}")
    path, template = f"/api/data-sync/retry-task/{task_id}", "/api/data-sync/retry-task/{task_id}"

    assert_error(post(owner, path, {"all_files": "maybe"}, template=template), 400, "validation_error")
    with override_settings(MAX_TASKS_PER_USER=1):
        _submit(owner, demo_files[1])
        assert_error(post(owner, path, template=template), 429, "quota_exceeded")
    assert SyncProgressTask.objects.get(task_id=task_id).status == TaskStatus.CANCELLED


def test_unknown_endpoints_and_methods_are_enveloped(owner):
    assert_error(owner.get(SINGLE), 405, "method_not_allowed")
