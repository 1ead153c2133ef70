#!/usr/bin/env python3
"""Smoke test of a deployed ERP data sync, run after every deploy (seed 000's
scripts/test_celery_task_status.py): health, login, a file to sync, a sync submitted and polled to its
end, a second task cancelled. Standard library only, so it runs from any machine with Python 3.8+.

    ERP_SMOKE_PASSWORD=... python3 deploy/smoke_test.py --base-url https://erp.example.com --username ops

Each step prints PASS or FAIL with what it saw, and the steps after a failure SKIP; the exit status is 0
when every step passed, 1 when one failed, 2 on bad usage. --base-url, --username and --password default
to ERP_SMOKE_BASE_URL, ERP_SMOKE_USERNAME and ERP_SMOKE_PASSWORD (the environment keeps the password out
of the shell history and the process list).

The file is the smallest pending one in the catalog. With none pending, a small csv is uploaded to
<inbox>/miaoshou/erp-smoke-test/inventory/snapshot/: no built-in template reads Miaoshou inventory, so its
sync skips it and writes no business rows. The second task syncs the same file again (a re-sync adds no
rows) and is cancelled at once.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone

HEALTH_PATHS = ("/healthz", "/readyz")
# The predecessor's progress vocabulary (PREDECESSOR_API.md): these end a task.
FINISHED = ("completed", "failed", "partial_success", "cancelled")
# Where an uploaded smoke file goes: a platform and domain no built-in template reads.
UPLOAD_TO = {"platform_code": "miaoshou", "shop_id": "erp-smoke-test", "data_domain": "inventory",
             "granularity": "snapshot"}
REQUEST_TIMEOUT_S = 30
# Polls every 1, 2, then 3 s: 20 a minute stays under the data-sync limit of the lowest tier (30).
POLL_INTERVALS_S = (1, 2, 3)
# A 429's Retry-After is honoured this many times per request.
RATE_LIMIT_RETRIES = 3
# A second task the worker finished before the cancel reached it is submitted again, this many times.
CANCEL_ATTEMPTS = 3


class StepFailed(Exception):
    """The step's check failed; the message says what was seen."""


class Api:
    """JSON calls to the deployment; every answer is (HTTP status, decoded body or {})."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.authorization = None

    def call(self, method: str, path: str, body=None, *, form=None, authenticated: bool = True):
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            data, headers["Content-Type"] = form
        if authenticated and self.authorization:
            headers["Authorization"] = self.authorization
        for _ in range(RATE_LIMIT_RETRIES + 1):
            request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
                    return response.status, _json(response.read())
            except urllib.error.HTTPError as error:
                if error.code == 429 and error.headers.get("Retry-After", "").isdigit():
                    time.sleep(min(int(error.headers["Retry-After"]), 60))
                    continue
                return error.code, _json(error.read())
            except (urllib.error.URLError, OSError) as error:
                raise StepFailed(f"{method} {path}: {getattr(error, 'reason', error)}") from None
        raise StepFailed(f"{method} {path}: still rate limited after {RATE_LIMIT_RETRIES} waits")


def _json(raw: bytes) -> dict:
    try:
        decoded = json.loads(raw or b"{}")
    except ValueError:
        return {"message": raw[:200].decode(errors="replace")}
    return decoded if isinstance(decoded, dict) else {"data": decoded}


def _said(answer: dict) -> str:
    """What an error answer says: the envelope's message and error code."""
    error = answer.get("error") or {}
    code = f" ({error['code']})" if isinstance(error, dict) and error.get("code") else ""
    return f"{answer.get('message') or answer.get('detail') or answer}{code}"


def login(api: Api, username: str, password: str) -> str:
    """The Authorization header for this user: the one place that knows how to log in. Today POST
    /api/auth/token trades the password for a token; when POST /api/auth/login (JWT) comes, change it here."""
    status, answer = api.call("POST", "/api/auth/token", {"username": username, "password": password},
                              authenticated=False)
    if status != 200:
        raise StepFailed(f"POST /api/auth/token answered {status}: {_said(answer)}")
    return f"Token {answer['data']['token']}"


def step_health(api: Api, _state: dict) -> str:
    live, ready = HEALTH_PATHS
    status, answer = api.call("GET", live, authenticated=False)
    if status != 200:
        raise StepFailed(f"{live} answered {status}: {answer}")
    status, answer = api.call("GET", ready, authenticated=False)
    checks = answer.get("checks", {})
    if status != 200:
        down = {name: check.get("error") for name, check in checks.items() if not check.get("ok")}
        raise StepFailed(f"{ready} answered {status}; down: {down or answer}")
    return f"{live} ok; {ready}: " + ", ".join(f"{name} {check.get('ms')} ms" for name, check in checks.items())


def step_login(api: Api, state: dict) -> str:
    api.authorization = login(api, state["username"], state["password"])
    return f"signed in as {state['username']}"


def step_find_file(api: Api, state: dict) -> str:
    status, answer = api.call("GET", "/api/catalog-files/?status=pending&ordering=size_bytes")
    if status != 200:
        raise StepFailed(f"GET /api/catalog-files/ answered {status}: {_said(answer)}")
    data = answer.get("data")
    files = data.get("results", []) if isinstance(data, dict) else data or []
    if files:
        state["file"] = files[0]
        return f"pending file #{files[0]['id']} {files[0]['path']} ({files[0]['size_bytes']} bytes)"
    state["file"] = upload_smoke_file(api)
    return f"none pending: uploaded #{state['file']['id']} {state['file']['path']}"


def upload_smoke_file(api: Api) -> dict:
    now = datetime.now(timezone.utc)
    # Content unique per run: identical content already catalogued would be skipped as a duplicate.
    content = f"smoke test,run\nerp smoke test,{now.isoformat()} {uuid.uuid4().hex}\n".encode()
    fields = {**UPLOAD_TO, "period": now.strftime("%Y-%m-%d")}
    status, answer = api.call("POST", "/api/catalog-files/",
                              form=_multipart(fields, f"erp-smoke-{now:%Y%m%dT%H%M%S}.csv", content))
    if status != 201:
        raise StepFailed(f"upload to POST /api/catalog-files/ answered {status}: {_said(answer)}")
    if answer["data"]["status"] != "pending":
        raise StepFailed(f"the uploaded file is {answer['data']['status']}, not pending: {_said(answer)}")
    return answer["data"]


def _multipart(fields: dict, file_name: str, content: bytes):
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
                 f"Content-Type: text/csv\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def submit(api: Api, file_id: int, priority=None) -> dict:
    body = {"file_id": file_id, **({"priority": priority} if priority else {})}
    status, answer = api.call("POST", "/api/data-sync/single", body)
    if status != 200:
        raise StepFailed(f"POST /api/data-sync/single answered {status}: {_said(answer)}")
    if answer["data"].get("fallback"):
        raise StepFailed(f"task {answer['data']['task_id']} was saved but the broker is unreachable: it waits "
                         "undispatched")
    return answer["data"]


def step_submit(api: Api, state: dict) -> str:
    task = submit(api, state["file"]["id"])
    state["task_id"] = task["task_id"]
    return f"task {task['task_id']} {task['status']} (celery task {task['celery_task_id']})"


def poll(api: Api, task_id: str, timeout_s: float) -> dict:
    """The task's progress once it has finished; StepFailed if it has not within timeout_s."""
    started = time.monotonic()
    polls = 0
    while True:
        status, answer = api.call("GET", f"/api/data-sync/progress/{task_id}")
        if status != 200:
            raise StepFailed(f"GET /api/data-sync/progress/{task_id} answered {status}: {_said(answer)}")
        task = answer["data"]
        if task["status"] in FINISHED:
            return task
        waited = time.monotonic() - started
        if waited > timeout_s:
            if task["status"] == "pending":
                raise StepFailed(f"task {task_id} still queued after {waited:.0f} s: no worker took it (are the "
                                 "data_sync workers running? docker compose ps, systemctl status 'erp-worker@*')")
            raise StepFailed(f"task {task_id} still {task['status']} after {waited:.0f} s "
                             f"(file {task['current_file']!r}, {task['progress_percent']:.0f} % of the files)")
        time.sleep(POLL_INTERVALS_S[min(polls, len(POLL_INTERVALS_S) - 1)])
        polls += 1


def step_poll(api: Api, state: dict) -> str:
    started = time.monotonic()
    task = poll(api, state["task_id"], state["timeout"])
    if task["status"] != "completed":
        raise StepFailed(f"task {task['task_id']} {task['status']}: {task['error_summary']}")
    return (f"task {task['task_id']} completed in about {time.monotonic() - started:.0f} s: "
            f"{task['processed_files']} file ({task['success_files']} synced, {task['skipped_files']} skipped), "
            f"rows {task['total_rows']}, valid {task['valid_rows']}, quarantined {task['quarantined_rows']}")


def step_cancel(api: Api, state: dict) -> str:
    for _ in range(CANCEL_ATTEMPTS):
        task_id = submit(api, state["file"]["id"], priority=1)["task_id"]
        status, answer = api.call("DELETE", f"/api/data-sync/cancel-task/{task_id}")
        if status == 400:
            poll(api, task_id, state["timeout"])  # it finished before the cancel arrived: try again
            continue
        if status != 200:
            raise StepFailed(f"DELETE /api/data-sync/cancel-task/{task_id} answered {status}: {_said(answer)}")
        if answer.get("revoked"):
            return f"task {task_id} cancelled before it started"
        task = poll(api, task_id, state["timeout"])
        if task["status"] in ("cancelled", "completed"):
            return (f"task {task_id} had started its only file: the cancel was recorded and it ended "
                    f"{task['status']} after that file (a running task stops at the next file boundary)")
        raise StepFailed(f"task {task_id} ended {task['status']} after the cancel: {task['error_summary']}")
    return (f"the worker finished each of {CANCEL_ATTEMPTS} second tasks before its cancel arrived; the server "
            "refused those cancels as it should (400: the task is finished)")


STEPS = [("health", step_health), ("login", step_login), ("find a file", step_find_file),
         ("submit", step_submit), ("poll to completion", step_poll), ("cancel a second task", step_cancel)]


def run(base_url: str, username: str, password: str, timeout_s: float) -> int:
    api = Api(base_url)
    state = {"username": username, "password": password, "timeout": timeout_s}
    failed = None
    for name, step in STEPS:
        if failed:
            print(f"SKIP {name}", flush=True)
            continue
        try:
            print(f"PASS {name}: {step(api, state)}", flush=True)
        except StepFailed as exc:
            print(f"FAIL {name}: {exc}", flush=True)
            failed = name
    if failed:
        print(f"smoke test FAILED at '{failed}' against {base_url}", flush=True)
        return 1
    print(f"smoke test passed: {len(STEPS)} steps against {base_url}", flush=True)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default=os.environ.get("ERP_SMOKE_BASE_URL"),
                        help="e.g. https://erp.example.com (default: $ERP_SMOKE_BASE_URL)")
    parser.add_argument("--username", default=os.environ.get("ERP_SMOKE_USERNAME"),
                        help="an API user (default: $ERP_SMOKE_USERNAME)")
    parser.add_argument("--password", default=os.environ.get("ERP_SMOKE_PASSWORD"),
                        help="its password (default: $ERP_SMOKE_PASSWORD, preferred)")
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds a task may take to finish (default 300)")
    args = parser.parse_args(argv)
    missing = [name for name in ("base_url", "username", "password") if not getattr(args, name)]
    if missing:
        parser.print_usage(sys.stderr)
        print(f"smoke_test.py: missing {', '.join('--' + m.replace('_', '-') for m in missing)}", file=sys.stderr)
        return 2
    return run(args.base_url, args.username, args.password, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
