"""The API fuzzed from its own published schema: schemathesis against the real server (gunicorn,
PostgreSQL, rate limits off, a staff token so every operation is reachable). Any 5xx, any answer that
does not match the schema and any status code the schema does not document fails the test."""

import subprocess
import sys

import pytest

from erp.users import api_user_create
from tests.processes import BASE_DIR, start_web, worker_env
from tests.run_env import stop_process

pytestmark = pytest.mark.slow
SEED = 20261202
EXAMPLES_PER_OPERATION = 40
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance"


@pytest.fixture
def server(transactional_db, templates):
    process, url = start_web(worker_env(RATE_LIMIT_ENABLED="false"))
    yield url
    stop_process(process)


def test_the_published_schema_holds_under_fuzzing(server):
    token = api_user_create(username="fuzzer", role="admin")

    run = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", f"{server}/api/schema/", "--header",
         f"Authorization: Token {token}", "--checks", CHECKS, "--seed", str(SEED), "--max-examples",
         str(EXAMPLES_PER_OPERATION), "--phases", "examples,coverage,fuzzing", "--workers", "2", "--no-color",
         "--generation-database", "none", "--request-timeout", "60", "--suppress-health-check", "all"],
        cwd=BASE_DIR, capture_output=True, text=True, timeout=1200,
    )

    failures = run.stdout.split("= WARNINGS =")[0].rpartition("= FAILURES =")[2]
    assert run.returncode == 0, (failures or run.stdout)[-20000:] + run.stderr[-2000:]
