"""Who may do what on the seed endpoints: anonymous, the owner, another user, staff."""

import pytest

from sync.models import SyncProgressTask, TaskStatus

pytestmark = pytest.mark.django_db
SUBMISSIONS = [
    ("/api/data-sync/single", lambda files: {"file_id": files[0].pk}),
    ("/api/data-sync/batch", lambda files: {"platform": "lazada"}),
    ("/api/data-sync/batch-by-ids", lambda files: {"file_ids": [files[1].pk]}),
    ("/api/data-sync/batch-all", lambda files: {}),
]
TASK_READS = ["/api/data-sync/progress/{}", "/api/data-sync/task-status/{}"]


@pytest.fixture
def owners_task(owner, demo_files) -> str:
    return owner.post("/api/data-sync/single", {"file_id": demo_files[2].pk}, format="json").json()["data"]["task_id"]


@pytest.mark.parametrize(("path", "body"), SUBMISSIONS)
def test_anonymous_cannot_submit(anonymous, demo_files, path, body):
    assert anonymous.post(path, body(demo_files), format="json").status_code == 401


def test_anonymous_cannot_read_or_act(anonymous, owners_task):
    for path in [*TASK_READS, "/api/data-sync/user-task-count"]:
        assert anonymous.get(path.format(owners_task)).status_code == 401
    for path in ["/api/data-sync/cancel-task/{}", "/api/data-sync/retry-task/{}"]:
        assert anonymous.post(path.format(owners_task)).status_code == 401


@pytest.mark.parametrize("persona", ["owner", "other", "staff"])
def test_every_user_may_submit(request, demo_files, persona):
    client = request.getfixturevalue(persona)
    for path, body in SUBMISSIONS[:1]:
        assert client.post(path, body(demo_files), format="json").status_code == 200  # the predecessor's status (issue 15)


def test_owner_and_staff_read_a_task_another_user_does_not(owner, other, staff, owners_task):
    for path in TASK_READS:
        assert owner.get(path.format(owners_task)).status_code == 200
        assert staff.get(path.format(owners_task)).status_code == 200
    assert other.get(f"/api/data-sync/progress/{owners_task}").status_code == 404
    # task-status answers any id as Celery does (an unknown one reads PENDING): another user's reads the same.
    foreign = other.get(f"/api/data-sync/task-status/{owners_task}")
    assert foreign.status_code == 200 and foreign.json()["state"] == "PENDING" and foreign.json()["info"] is None


def test_another_user_cannot_cancel_or_retry(other, owners_task):
    assert other.post(f"/api/data-sync/cancel-task/{owners_task}").status_code == 404
    assert other.post(f"/api/data-sync/retry-task/{owners_task}").status_code == 404
    assert SyncProgressTask.objects.get(task_id=owners_task).status == TaskStatus.QUEUED


def test_staff_can_cancel_and_retry_anyones_task(staff, owners_task):
    assert staff.post(f"/api/data-sync/cancel-task/{owners_task}").status_code == 200
    assert staff.post(f"/api/data-sync/retry-task/{owners_task}").status_code == 200
    task = SyncProgressTask.objects.get(task_id=owners_task)
    assert (task.status, task.user.username) == (TaskStatus.QUEUED, "owner")


def test_task_counts_are_per_user(owner, other, owners_task):
    assert owner.get("/api/data-sync/user-task-count").json()["data"]["queued"] == 1
    assert other.get("/api/data-sync/user-task-count").json()["data"]["queued"] == 0


def test_schema_and_docs_are_public(anonymous):
    assert anonymous.get("/api/schema/").status_code == 200
    assert anonymous.get("/api/docs/").status_code == 200
    assert anonymous.get("/healthz").status_code == 200
