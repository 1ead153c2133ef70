"""The workers' compose healthcheck (seed 001): a process check with the seed's timing, run here against a
real worker: healthy while it runs, unhealthy when it is frozen or gone."""

import os
import signal
import subprocess
import sys
import uuid

import pytest
import yaml

from tests.processes import BASE_DIR
from tests.run_env import stop_process

DEPLOY = BASE_DIR / "deploy"
WORKERS = {"worker-data-sync": "data_sync", "worker-data-processing": "data_processing",
           "worker-scheduled": "scheduled"}


def healthcheck(node: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(DEPLOY / "worker_healthcheck.py"), node], capture_output=True,
                          text=True, timeout=30)


@pytest.mark.parametrize("name", ["docker-compose.prod.yml", "docker-compose.dev.yml"])
def test_every_worker_service_has_the_seeds_process_healthcheck(name):
    services = yaml.safe_load((DEPLOY / name).read_text())["services"]
    for service, queue in WORKERS.items():
        check = services[service]["healthcheck"]
        assert check["test"] == ["CMD", "python", "deploy/worker_healthcheck.py", queue]
        assert f"{queue}@%h" in services[service]["command"]
        assert (check["interval"], check["timeout"], check["retries"], check["start_period"]) == ("30s", "10s", 3, "40s")


@pytest.mark.worker
def test_healthy_while_the_worker_runs_unhealthy_when_frozen_or_gone(processes, stack_env):
    node = f"hc{uuid.uuid4().hex[:8]}"
    worker = processes.worker(stack_env, node, concurrency=2)

    alive = healthcheck(node)
    assert alive.returncode == 0, alive.stdout + alive.stderr
    assert f"pid {worker.pid}" in alive.stdout  # the main process, not one of its pool children

    os.killpg(worker.pid, signal.SIGSTOP)
    try:
        frozen = healthcheck(node)
    finally:
        os.killpg(worker.pid, signal.SIGCONT)
    assert frozen.returncode == 1 and "stopped" in frozen.stdout, frozen.stdout

    stop_process(worker)
    gone = healthcheck(node)
    assert gone.returncode == 1 and "no celery worker" in gone.stdout, gone.stdout


def test_an_unknown_node_is_unhealthy():
    result = healthcheck(f"absent{uuid.uuid4().hex[:8]}")
    assert result.returncode == 1 and "no celery worker" in result.stdout
