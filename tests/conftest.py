"""Shared fixtures: built-in templates, a clean inbox per test, and a real celery worker process."""

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from django.conf import settings
from django.db import connection
from django.test.signals import setting_changed

from sync.services.templates import templates_install_builtin
from tests.run_env import RUN_DIR, stop_process

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
