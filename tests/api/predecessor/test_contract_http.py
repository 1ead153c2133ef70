"""The predecessor's front end and scripts against the real server (gunicorn, a real celery worker):
every endpoint and field they read (../shared/PREDECESSOR_API.md) checked against JSON schemas written from
that document, the cookie-only and Bearer login flows, the task-status script and the data-sync page."""

import re
import time

import pytest
from django.contrib.auth.models import User

from erp.users import api_user_create
from sync.demo.exports import demo_exports_write
from sync.models import CatalogFile
from sync.services.catalog import catalog_scan
from tests.api.predecessor import schemas
from tests.api.predecessor.client import LegacyClient, poll
from tests.processes import start_web, worker_env
from tests.run_env import stop_process

pytestmark = pytest.mark.worker
PASSWORD = "pw-for-the-contract-9"


@pytest.fixture
def web(transactional_db):
    process, url = start_web(worker_env())
    yield url
    stop_process(process)


@pytest.fixture
def files(inbox, templates) -> list[CatalogFile]:
    demo_exports_write(out_dir=inbox, rows=20, seed=9,
                       only=["lazada_orders_xlsx", "amazon_orders_tsv", "tiktok_orders_bom_csv"])
    catalog_scan(inbox=inbox)
    return list(CatalogFile.objects.order_by("pk"))


def _user(username: str, role: str = "admin"):
    api_user_create(username=username, role=role, password=PASSWORD)


def test_health_where_the_scripts_look(web):
    client = LegacyClient(web)
    for path, schema, status in [("/health", schemas.HEALTH, 200), ("/api/health", schemas.HEALTH, 200),
                                 ("/healthz/live", schemas.LIVE, 200), ("/api/healthz/live", schemas.LIVE, 200),
                                 ("/healthz/ready", schemas.READY, 200), ("/api/healthz/ready", schemas.READY, 200)]:
        answer = client.call("GET", path, headers={"X-Request-ID": "probe-1"})
        assert answer.status_code == status, (path, answer.text[:300])
        schemas.check(schema, answer.json())
        assert answer.headers["X-Request-ID"] == "probe-1"
    assert client.call("GET", "/health").json()["status"] == "healthy"
    # Today's probes are unchanged.
    assert client.call("GET", "/healthz").json() == {"status": "ok"}


def test_cookie_only_login_flow(web):
    _user("page_admin")
    page = LegacyClient(web)

    login = page.login("page_admin", PASSWORD)

    assert login.status_code == 200
    schemas.check(schemas.LOGIN, login.json())
    assert login.json()["expires_in"] == 3600 and "admin" in login.json()["user_info"]["roles"]
    cookies = {c.name: c for c in page.session.cookies}
    assert {"access_token", "refresh_token", "csrf_token"} <= set(cookies)
    assert cookies["access_token"].has_nonstandard_attr("HttpOnly")
    assert cookies["refresh_token"].has_nonstandard_attr("HttpOnly")
    assert "Authorization" not in page.session.headers

    # Cookie-authenticated reads and a write (with X-CSRF-Token, as the page sends it).
    me = page.call("GET", "/api/auth/me")
    assert me.status_code == 200 and me.json()["username"] == "page_admin"
    schemas.check(schemas.FILES, page.call("GET", "/api/data-sync/files?page=1&page_size=20").json())
    batch = page.call("POST", "/api/data-sync/batch", json={"platform": "nowhere"})
    assert batch.status_code == 200, batch.text
    # The same write without the CSRF header is refused: the cookie alone must not be enough.
    refused = page.session.post(web + "/api/data-sync/batch", json={"platform": "nowhere"}, timeout=30)
    assert refused.status_code == 403
    schemas.check(schemas.error_with(4101, "UserError"), refused.json())

    old_access = page.session.cookies.get("access_token")
    refreshed = page.call("POST", "/api/auth/refresh")
    assert refreshed.status_code == 200, refreshed.text
    schemas.check(schemas.REFRESH, refreshed.json())
    assert page.session.cookies.get("access_token") != old_access
    assert page.call("GET", "/api/auth/me").status_code == 200

    logout = page.call("POST", "/api/auth/logout")
    assert logout.status_code == 200
    after = page.call("GET", "/api/auth/me")
    assert after.status_code == 401
    schemas.check(schemas.error_with(4001, "UserError"), after.json())
    # The access token of the ended session no longer works even when replayed, nor does the refresh.
    replay = LegacyClient(web, bearer=True)
    replay.access_token = refreshed.json()["access_token"]
    assert replay.call("GET", "/api/data-sync/tasks").status_code == 401
    again = replay.call("POST", "/api/auth/refresh", json={"refresh_token": refreshed.json()["refresh_token"]})
    assert again.status_code == 401
    schemas.check(schemas.error_with(4002, "UserError"), again.json())


def test_bearer_flow_and_errors(web):
    _user("script_admin")
    script = LegacyClient(web, bearer=True)

    assert script.call("GET", "/api/data-sync/tasks").status_code == 401
    bad = script.login("script_admin", "wrong")
    assert bad.status_code == 401
    schemas.check(schemas.error_with(4004, "UserError"), bad.json())
    assert script.login("script_admin", PASSWORD).status_code == 200

    tasks = script.call("GET", "/api/data-sync/tasks?limit=100", headers={"X-Request-ID": "abc-123"})
    assert tasks.status_code == 200 and tasks.headers["X-Request-ID"] == "abc-123"
    schemas.check(schemas.HISTORY, tasks.json())
    missing = script.call("GET", "/api/data-sync/progress/single_file_1_deadbeef")
    assert missing.status_code == 404
    schemas.check(schemas.error_with(1301, "SystemError"), missing.json())
    invalid = script.call("POST", "/api/data-sync/single", json={"file_id": "x", "priority": None})
    assert invalid.status_code == 400
    schemas.check(schemas.error_with(4202, "UserError"), invalid.json())
    none = script.call("POST", "/api/data-sync/batch-by-ids", json={"file_ids": [999_999]})
    assert none.status_code == 404
    schemas.check(schemas.error_with(3401, "DataError"), none.json())
    unknown = script.call("GET", "/api/data-sync/task-status/no-such-id")
    assert unknown.status_code == 200 and unknown.json()["state"] == "PENDING"
    schemas.check(schemas.TASK_STATUS, unknown.json())
    # The wider ERP's endpoints are not here: a JSON 404, never an HTML page.
    for method, path in [("GET", "/api/data-sync/cleanup-database/impact"), ("GET", "/api/data-sync/loss-analysis"),
                         ("POST", "/api/data-sync/cleanup-database"), ("GET", "/api/data-sync/mapping-quality")]:
        answer = script.call(method, path)
        assert answer.status_code == 404 and answer.headers["Content-Type"].startswith("application/json")
        schemas.check(schemas.ERROR, answer.json())
    # The existing Token scheme still works beside the JWT.
    token = api_user_create(username="token_user", role="normal")
    with_token = script.session.get(web + "/api/data-sync/tasks", headers={"Authorization": f"Token {token}"})
    assert with_token.status_code == 200


def test_lockout_after_repeated_failures(web):
    _user("locked_out", role="normal")
    script = LegacyClient(web, bearer=True)
    answers = [script.login("locked_out", "wrong") for _ in range(5)]
    assert [a.status_code for a in answers] == [401] * 4 + [403]
    assert "4" in answers[0].json()["error"]["recovery_suggestion"]
    locked = script.login("locked_out", PASSWORD)
    assert locked.status_code == 403
    schemas.check(schemas.error_with(4009, "UserError"), locked.json())


def test_the_task_status_script_flow(web, files, celery_worker):
    """scripts/test_celery_task_status.py re-enacted: health, login, a file, submit, poll until ready."""
    _user("admin")
    script = LegacyClient(web, bearer=True)
    assert script.call("GET", "/health").status_code == 200
    assert script.login("admin", PASSWORD).status_code == 200
    listed = script.call("GET", "/api/data-sync/files?page_size=1")
    schemas.check(schemas.FILES, listed.json())
    file_id = listed.json()["data"]["files"][0]["id"]

    submitted = script.call("POST", "/api/data-sync/single", json={"file_id": file_id, "priority": 5})

    assert submitted.status_code == 200, submitted.text
    schemas.check(schemas.SINGLE, submitted.json())
    celery_id = submitted.json()["data"]["celery_task_id"]
    states = []

    def ready():
        answer = script.call("GET", f"/api/data-sync/task-status/{celery_id}")
        assert answer.status_code == 200
        schemas.check(schemas.TASK_STATUS, answer.json())
        states.append(answer.json()["state"])
        return answer.json()["ready"] and answer.json()

    final = poll(ready, every=2, timeout=120, what="task-status ready")
    assert final["state"] == "SUCCESS" and final["successful"] is True and final["traceback"] is None, final
    # Finished: cancelling is refused as the predecessor did (400, code 4202).
    cancel = script.call("DELETE", f"/api/data-sync/cancel-task/{celery_id}")
    assert cancel.status_code == 400
    schemas.check(schemas.error_with(4202, "UserError"), cancel.json())


def test_the_data_sync_page_flow(web, files, celery_worker):
    """DataSyncFiles.vue: load (files, governance, diagnostics, history), sync one file, poll its progress
    every 2 s until completed, the history shows it, and the task id names the file."""
    _user("page_user", role="normal")
    page = LegacyClient(web)
    assert page.login("page_user", PASSWORD).status_code == 200
    listed = page.call("GET", "/api/data-sync/files", params={"page": 1, "page_size": 20, "status": "pending"})
    schemas.check(schemas.FILES, listed.json())
    assert listed.json()["data"]["total"] == len(files)
    schemas.check(schemas.GOVERNANCE, page.call("GET", "/api/data-sync/governance/stats").json())
    schemas.check(schemas.DIAGNOSTICS, page.call("GET", "/api/data-sync/files/diagnostics?hours=24").json())
    schemas.check(schemas.HISTORY, page.call("GET", "/api/data-sync/tasks", params={"limit": 50}).json())
    row = next(f for f in listed.json()["data"]["files"] if f["file_name"].endswith(".xlsx"))

    submitted = page.call("POST", "/api/data-sync/single", json={
        "file_id": row["id"], "only_with_template": True, "allow_quarantine": True, "use_template_header_row": True})

    assert submitted.status_code == 200, submitted.text
    schemas.check(schemas.SINGLE, submitted.json())
    data = submitted.json()["data"]
    assert data["status"] in ("pending", "submitted") and data["file_name"] == row["file_name"]
    task_id = data["task_id"]
    # The page clears the file's spinner with the id it reads out of the task id.
    assert int(re.match(r"^single_file_(\d+)_", task_id).group(1)) == row["id"]

    def finished():
        answer = page.call("GET", f"/api/data-sync/progress/{task_id}")
        assert answer.status_code == 200
        schemas.check(schemas.PROGRESS, answer.json())
        progress = answer.json()["data"]
        assert progress["status"] not in ("failed", "error"), progress
        return progress if progress["status"] == "completed" else None

    progress = poll(finished, every=2, timeout=120, what="progress completed")
    assert progress["success_files"] == 1 and progress["processed_files"] == progress["total_files"] == 1
    assert progress["valid_rows"] > 0 and progress["end_time"].endswith("Z")
    history = page.call("GET", "/api/data-sync/tasks", params={"limit": 50}).json()
    schemas.check(schemas.HISTORY, history)
    mine = next(t for t in history["data"] if t["task_id"] == task_id)
    assert mine["status"] == "completed" and mine["success_files"] == 1
    detail = page.call("GET", f"/api/data-sync/files/{row['id']}").json()
    assert detail["data"]["status"] in ("ingested", "partial_success")  # the demo file has bad rows


def test_batches_cancel_retry_and_refresh(web, files):
    """No worker: tasks stay pending, so cancel answers revoked at once and retry queues again."""
    _user("ops")
    script = LegacyClient(web, bearer=True)
    assert script.login("ops", PASSWORD).status_code == 200
    ids = [f.pk for f in files]

    by_ids = script.call("POST", "/api/data-sync/batch-by-ids", json={"file_ids": [ids[0], 999_999]})
    assert by_ids.status_code == 200, by_ids.text
    schemas.check(schemas.BATCH_BY_IDS, by_ids.json())
    assert by_ids.json()["data"]["missing_file_ids"] == [999_999]
    celery_id = by_ids.json()["data"]["celery_task_id"]
    busy = script.call("POST", "/api/data-sync/single", json={"file_id": ids[0]})
    assert busy.status_code == 409
    schemas.check(schemas.error_with(3001, "DataError"), busy.json())

    cancel = script.call("DELETE", f"/api/data-sync/cancel-task/{celery_id}")
    assert cancel.status_code == 200, cancel.text
    schemas.check(schemas.CANCEL, cancel.json())
    assert cancel.json()["revoked"] is True
    progress = script.call("GET", f"/api/data-sync/progress/{by_ids.json()['data']['task_id']}").json()["data"]
    # A cancelled task reads as finished to the page: every file accounted for, not 'processing'.
    assert progress["status"] == "cancelled" and progress["processed_files"] >= progress["total_files"]
    status = script.call("GET", f"/api/data-sync/task-status/{celery_id}").json()
    assert (status["state"], status["ready"], status["successful"]) == ("REVOKED", True, False)

    retry = script.call("POST", f"/api/data-sync/retry-task/{celery_id}")
    assert retry.status_code == 200, retry.text
    schemas.check(schemas.RETRY, retry.json())
    assert script.call("GET", f"/api/data-sync/task-status/{celery_id}").json()["state"] == "PENDING"
    not_failed = script.call("POST", f"/api/data-sync/retry-task/{celery_id}")
    assert not_failed.status_code == 400
    schemas.check(schemas.error_with(4202, "UserError"), not_failed.json())
    assert script.call("POST", f"/api/data-sync/cancel-task/{celery_id}").status_code == 200  # POST kept

    batch = script.call("POST", "/api/data-sync/batch", json={"platform": None, "domains": ["orders"], "limit": 3})
    assert batch.status_code == 200, batch.text
    schemas.check(schemas.BATCH, batch.json())
    everything = script.call("POST", "/api/data-sync/batch-all")
    assert everything.status_code == 200
    schemas.check(schemas.BATCH_ALL if everything.json()["data"]["file_count"] else schemas.BATCH_ALL_NOTHING,
                  everything.json())
    preview = script.call("POST", "/api/data-sync/preview", json={"file_id": ids[0], "header_row": None})
    assert preview.status_code == 200, preview.text
    schemas.check(schemas.PREVIEW, preview.json())
    assert preview.json()["data"]["sample_data"]
    assert script.call("POST", "/api/data-sync/preview", json={"file_id": 999_999}).status_code == 404
    refresh = script.call("POST", "/api/data-sync/files/refresh")
    assert refresh.status_code == 200
    schemas.check(schemas.FILES_REFRESH, refresh.json())
    assert User.objects.filter(username="ops").exists()


def test_timestamps_are_valid_iso(web):
    _user("clock")
    script = LegacyClient(web, bearer=True)
    script.login("clock", PASSWORD)
    stamp = script.call("GET", "/api/data-sync/governance/stats").json()["timestamp"]
    assert not stamp.endswith("+00:00Z")
    assert abs(time.time() - __import__("datetime").datetime.fromisoformat(stamp).timestamp()) < 60
