"""deploy/smoke_test.py against the stack the tests start without compose: gunicorn with the production
config, a worker and beat on PostgreSQL and Redis, rate limits on. It runs on the system's Python with no
venv (-I), as on an operator's machine. It passes with the worker up, and names the step that fails when
the worker is stopped."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from sync.models import FACT_MODELS, CatalogFile, SyncProgressTask
from tests.processes import BASE_DIR
from tests.run_env import stop_process

pytestmark = [pytest.mark.worker, pytest.mark.slow]
SMOKE = BASE_DIR / "deploy" / "smoke_test.py"
# The interpreter the venv was made from: only the standard library.
SYSTEM_PYTHON = Path(sys.base_prefix) / "bin" / "python3"
USERNAME, PASSWORD = "smoke_ops", "smoke-test-password-1"
STEPS = ["health", "login", "find a file", "submit", "poll to completion", "cancel a second task"]


def smoke(base_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SYSTEM_PYTHON), "-I", str(SMOKE), "--base-url", base_url, "--username", USERNAME,
                           *args], env={"ERP_SMOKE_PASSWORD": PASSWORD, "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=600)


def outcomes(output: str) -> dict[str, str]:
    """Step name -> PASS / FAIL / SKIP, from the smoke test's lines."""
    found = {}
    for line in output.splitlines():
        verdict, _, rest = line.partition(" ")
        if verdict in ("PASS", "FAIL", "SKIP"):
            found[rest.split(":")[0]] = verdict
    return found


@pytest.fixture
def stack(processes, stack_env, inbox, templates):
    """web (deploy/gunicorn.conf.py) + worker + beat; the worker's process is returned so a test can stop it."""
    env = {**stack_env, "RATE_LIMIT_ENABLED": "true"}
    User.objects.create_user(USERNAME, password=PASSWORD)
    web = processes.web(env)
    worker = processes.worker(env, "smoke")
    processes.beat(env)
    return web, worker


def test_the_smoke_test_passes_against_a_running_stack(stack, inbox):
    web, _ = stack
    # A pending export the built-in templates read; large enough that a re-sync is still running when the
    # cancel arrives.
    call_command("make_demo_exports", "--rows", "400", "--only", "shopee_orders_xlsx", stdout=StringIO())
    call_command("scan_inbox", stdout=StringIO())
    file = CatalogFile.objects.get()

    result = smoke(web, "--timeout", "120")

    print(result.stdout + result.stderr)
    assert result.returncode == 0
    assert outcomes(result.stdout) == dict.fromkeys(STEPS, "PASS")
    assert f"pending file #{file.pk}" in result.stdout and "smoke test passed" in result.stdout
    first, *later = SyncProgressTask.objects.order_by("created_at")
    assert (first.status, first.rows_ingested > 0) == ("completed", True)
    # The script submits a second task again when the worker finished one before its cancel arrived.
    assert later[-1].cancel_requested or "finished each of" in result.stdout
    assert all(t.status == "completed" for t in later[:-1])


def test_with_nothing_pending_it_uploads_a_file_that_writes_no_business_rows(stack):
    web, _ = stack

    result = smoke(web, "--timeout", "120")

    print(result.stdout + result.stderr)
    assert result.returncode == 0
    assert outcomes(result.stdout) == dict.fromkeys(STEPS, "PASS")
    uploaded = CatalogFile.objects.get()
    assert (uploaded.platform_code, uploaded.shop_id) == ("miaoshou", "erp-smoke-test")
    synced = SyncProgressTask.objects.order_by("created_at").first()
    assert [r["status"] for r in synced.file_results] == ["skipped"]  # no template reads it
    assert all(model.objects.count() == 0 for model in FACT_MODELS.values())


def test_the_smoke_test_names_the_failing_step_when_the_worker_is_stopped(stack):
    web, worker = stack
    stop_process(worker)

    result = smoke(web, "--timeout", "10")

    print(result.stdout + result.stderr)
    assert result.returncode == 1
    assert outcomes(result.stdout) == {"health": "PASS", "login": "PASS", "find a file": "PASS", "submit": "PASS",
                                       "poll to completion": "FAIL", "cancel a second task": "SKIP"}
    assert "none pending: uploaded" in result.stdout  # an empty catalog: the smoke file was uploaded
    assert "still queued" in result.stdout and "smoke test FAILED at 'poll to completion'" in result.stdout


def test_bad_usage_and_an_unreachable_server():
    usage = subprocess.run([str(SYSTEM_PYTHON), "-I", str(SMOKE)], env={}, capture_output=True, text=True, timeout=60)
    down = smoke("http://127.0.0.1:9", "--timeout", "5")

    assert usage.returncode == 2 and "missing --base-url" in usage.stderr
    assert down.returncode == 1 and outcomes(down.stdout)["health"] == "FAIL"
    assert all(outcomes(down.stdout)[step] == "SKIP" for step in STEPS[1:])
