"""Fixtures of the deploy tests: processes started by a test (tests/monitoring/stack.py), all stopped after it."""

import pytest

from tests.monitoring.stack import Processes
from tests.processes import worker_env


@pytest.fixture
def processes(transactional_db, request):
    started = Processes()
    yield started
    report = getattr(request.node, "rep_call", None)
    started.stop_all(dump_logs=report is not None and report.failed)


@pytest.fixture
def stack_env(transactional_db) -> dict:
    """The environment of a process that uses this test's database and this run's broker."""
    return worker_env()
