"""Loaded before Django (`-p tests.run_env` in pytest.ini): gives this test run its own PostgreSQL
test database, its own Redis server for the broker, and its own var/ and inbox, so two runs never
see each other's data. Services are on 127.0.0.1 unless DATABASE_URL / REDIS_URL say otherwise."""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psutil

REDIS_START_TIMEOUT_S = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis_server(port: int, workdir: Path) -> subprocess.Popen:
    """A private redis-server that the test run (or one test) owns and may kill."""
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + REDIS_START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"redis-server did not start on port {port}")


def stop_process(process: subprocess.Popen, timeout: float = 15):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def kill_hard(process: subprocess.Popen):
    """SIGKILL the worker and its pool children at once, as a crash or the OOM killer would."""
    parent = psutil.Process(process.pid)
    for proc in [*parent.children(recursive=True), parent]:
        proc.send_signal(signal.SIGKILL)
    process.wait()


RUN_ID = uuid.uuid4().hex[:8]
RUN_DIR = Path(tempfile.mkdtemp(prefix=f"erp-test-{RUN_ID}-"))
_redis_port = free_port()
BROKER_REDIS = start_redis_server(_redis_port, RUN_DIR)

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/erp")
os.environ["DATABASE_TEST_NAME"] = f"test_erp_{RUN_ID}"
os.environ.setdefault("DJANGO_SECRET_KEY", f"test-secret-{RUN_ID}")
os.environ.setdefault("REDIS_URL", f"redis://127.0.0.1:{_redis_port}/0")
os.environ["CACHE_KEY_PREFIX"] = f"test_{RUN_ID}"
os.environ["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{_redis_port}/1"
# Rate limits would refuse the bursts other tests make on purpose; tests/ratelimit turns them on.
os.environ.setdefault("RATE_LIMIT_ENABLED", "false")
os.environ["ERP_VAR_DIR"] = str(RUN_DIR / "var")
os.environ["ERP_INBOX_DIR"] = str(RUN_DIR / "inbox")
(RUN_DIR / "inbox").mkdir()


@atexit.register
def _cleanup():
    stop_process(BROKER_REDIS)
    shutil.rmtree(RUN_DIR, ignore_errors=True)
