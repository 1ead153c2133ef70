"""The processes the submit bench starts and always stops: its own redis-server, gunicorn and a celery worker.

Each start function returns a Popen and registers its stop on the ExitStack it is given, so a failure
anywhere stops everything started so far. Logs go to var/bench/logs/.
"""

import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from bench.environment import BENCH_DIR, ROOT

LOG_DIR = BENCH_DIR / "logs"
REDIS_START_TIMEOUT_S = 10
WEB_START_TIMEOUT_S = 60
WORKER_START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 15
POLL_INTERVAL_S = 0.1
LOG_TAIL_CHARS = 3000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_stop(process: subprocess.Popen, timeout: float = STOP_TIMEOUT_S) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _started(stack: ExitStack, process: subprocess.Popen) -> subprocess.Popen:
    stack.callback(process_stop, process)
    return process


def _log_tail(path: Path) -> str:
    return path.read_text(errors="replace")[-LOG_TAIL_CHARS:] if path.exists() else ""


def redis_start(stack: ExitStack) -> int:
    """A private redis-server on a free port, without persistence; returns the port."""
    port = free_port()
    workdir = BENCH_DIR / "redis"  # no persistence: nothing is written here, one folder serves every run
    workdir.mkdir(parents=True, exist_ok=True)
    process = _started(stack, subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    deadline = time.monotonic() + REDIS_START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return port
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(POLL_INTERVAL_S)
    raise RuntimeError(f"redis-server did not start on port {port}")


def gunicorn_start(stack: ExitStack, env: dict, *, app: str, workers: int, threads: int) -> str:
    """gunicorn serving `app` on a free port; returns its base URL once /healthz answers."""
    port = free_port()
    log_path = LOG_DIR / f"gunicorn-{port}.log"
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    _started(stack, subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "--workers", str(workers), "--threads", str(threads),
         "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log_path.open("ab"), stderr=subprocess.STDOUT))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + WEB_START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return url
        except OSError:
            time.sleep(POLL_INTERVAL_S)
    raise RuntimeError(f"gunicorn did not answer /healthz:\n{_log_tail(log_path)}")


def worker_start(stack: ExitStack, env: dict, *, app: str, queues: str, concurrency: int) -> subprocess.Popen:
    """A real `celery worker` process; returned once it logs that it is ready."""
    log_path = LOG_DIR / f"worker-{free_port()}.log"
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    process = _started(stack, subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", app, "worker", "-Q", queues, "-c", str(concurrency),
         "-n", f"bench-{log_path.stem}@%h", "--without-mingle", "--without-gossip", "--loglevel", "INFO"],
        cwd=ROOT, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=log_path.open("ab"), stderr=subprocess.STDOUT))
    deadline = time.monotonic() + WORKER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if b" ready." in log_path.read_bytes():
            return process
        if process.poll() is not None:
            break
        time.sleep(POLL_INTERVAL_S)
    raise RuntimeError(f"celery worker did not start:\n{_log_tail(log_path)}")
