"""Real processes the tests start and talk to: celery workers, gunicorn, beat, and the polling that
waits for them (a bound on waiting, never an assertion about speed)."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from django.db import connection

from tests.run_env import RUN_DIR, free_port, stop_process

WORKER_READY_TIMEOUT_S = 60
BASE_DIR = Path(__file__).resolve().parent.parent


def worker_env(**overrides) -> dict:
    """The environment of a worker process that uses this test's database."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(overrides)
    return env


def start_worker(env: dict, log_path: Path, queues: str = "data_sync,data_processing,scheduled",
                 concurrency: int = 1) -> subprocess.Popen:
    name = f"test-{uuid.uuid4().hex[:6]}@%h"
    log = log_path.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "erp", "worker", "-Q", queues, "-c", str(concurrency),
         "-n", name, "--without-mingle", "--without-gossip", "--loglevel", "INFO"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + WORKER_READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if b" ready." in log_path.read_bytes():
            return process
        if process.poll() is not None:
            break
        time.sleep(0.2)
    stop_process(process)
    raise RuntimeError(f"celery worker did not start:\n{log_path.read_text(errors='replace')[-3000:]}")


def wait_for(predicate, timeout: float = 120, interval: float = 0.25, what: str = "condition"):
    """Poll until predicate() is truthy; a bound on waiting, not an assertion about speed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def start_web(env: dict, app: str = "erp.wsgi:application") -> tuple[subprocess.Popen, str]:
    """gunicorn with 2 workers on a free port, answering /healthz."""
    port = free_port()
    log = (RUN_DIR / f"gunicorn-{port}.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "--workers", "2", "--threads", "8",
         "--bind", f"127.0.0.1:{port}", "--timeout", "60"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: http_json("GET", f"{url}/healthz")[0] == 200, timeout=120, what="gunicorn")
    except AssertionError:
        stop_process(process)
        raise
    return process, url


def http_json(method: str, url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    """A real HTTP call; (status, JSON body), or (0, {}) when nothing answers."""
    headers = {"Content-Type": "application/json", **({"Authorization": f"Token {token}"} if token else {})}
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body)
        except ValueError:
            raise AssertionError(f"{method} {url} answered {error.code} without JSON: {body[:1500]!r}") from None
    except OSError:
        return 0, {}


def start_beat(env: dict, log_path: Path) -> subprocess.Popen:
    """A real `celery beat` on the database scheduler; ready once it logs that it started."""
    log = log_path.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "erp", "beat", "--loglevel", "INFO",
         "--schedule", str(log_path.with_suffix(".schedule"))],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: b"beat: Starting" in log_path.read_bytes() or process.poll() is not None, timeout=60,
                 what="celery beat")
    except AssertionError:
        stop_process(process)
        raise
    if process.poll() is not None:
        raise RuntimeError(f"celery beat exited:\n{log_path.read_text(errors='replace')[-3000:]}")
    return process
