"""Shared fixtures: built-in templates, a clean inbox per test, and a real celery worker process."""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from django.conf import settings
from django.db import connection
from django.test.signals import setting_changed
from rest_framework.test import APIClient

from erp.users import api_user_create
from sync.services.templates import templates_install_builtin
from tests.run_env import RUN_DIR, free_port, start_redis_server, stop_process

WORKER_READY_TIMEOUT_S = 60
BASE_DIR = Path(__file__).resolve().parent.parent


# The translation catalogs are built, not committed (`make messages`); a plain `pytest` builds them too.
@pytest.fixture(scope="session", autouse=True)
def compiled_messages():
    stale = [po for po in (BASE_DIR / "locale").glob("*/LC_MESSAGES/django.po")
             if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime]
    if stale:
        CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(BASE_DIR / "locale"), "-D", "django"])
        # Django caches each language's catalog once loaded; this is how it drops them on a settings change.
        setting_changed.send(sender=None, setting="LOCALE_PATHS", value=None, enter=False)


@pytest.fixture
def templates(db):
    templates_install_builtin()


# API personas: an owner, another user, staff, anonymous.
def _client(username: str, role: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_user_create(username=username, role=role)}")
    return client


@pytest.fixture
def owner(db):
    return _client("owner", "normal")


@pytest.fixture
def other(db):
    return _client("other", "normal")


@pytest.fixture
def staff(db):
    return _client("operator", "admin")


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def inbox() -> Path:
    path = Path(settings.ERP_INBOX_DIR)
    path.mkdir(parents=True, exist_ok=True)
    yield path
    for child in path.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()


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


@pytest.fixture
def worker_factory(transactional_db, request):
    """Starts real `celery worker` subprocesses on this run's private Redis broker and this test's
    database (env overrides per worker); all are stopped after the test, pass or fail."""
    started = []

    def start(**env_overrides) -> subprocess.Popen:
        log_path = RUN_DIR / f"worker-{request.node.name[:40]}-{uuid.uuid4().hex[:6]}.log"
        process = start_worker(worker_env(**env_overrides), log_path)
        started.append((process, log_path))
        return process

    yield start
    for process, log_path in started:
        stop_process(process)
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            print(f"--- {log_path.name}\n" + log_path.read_text(errors="replace")[-5000:])


@pytest.fixture
def celery_worker(worker_factory):
    return worker_factory()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def wait_for(predicate, timeout: float = 120, interval: float = 0.25, what: str = "condition"):
    """Poll until predicate() is truthy; a bound on waiting, not an assertion about speed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def redis_server():
    """Starts private redis-servers on free ports that the test may kill and restart; all stopped after."""
    started = []

    def start(port: int | None = None) -> dict:
        port = port or free_port()
        workdir = RUN_DIR / f"redis-{port}"
        workdir.mkdir(exist_ok=True)
        server = {"process": start_redis_server(port, workdir), "port": port, "url": f"redis://127.0.0.1:{port}/0"}
        started.append(server)
        return server

    yield start
    for server in started:
        stop_process(server["process"])


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
        wait_for(lambda: http_json("GET", f"{url}/healthz")[0] == 200, timeout=60, what="gunicorn")
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
