"""Shared fixtures: built-in templates, a clean inbox per test, and a real celery worker process."""

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from django.conf import settings
from django.test.signals import setting_changed
from rest_framework.test import APIClient

from erp.users import api_user_create
from sync.services.templates import templates_install_builtin
from tests.processes import BASE_DIR, start_worker, worker_env
from tests.run_env import RUN_DIR, free_port, start_redis_server, stop_process


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
