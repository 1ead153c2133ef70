"""gunicorn for the web service (systemd unit, compose, the metrics tests):
gunicorn -c deploy/gunicorn.conf.py erp.wsgi:application

/metrics sums the counters of every worker process through files in PROMETHEUS_MULTIPROC_DIR (set in the
environment before start, so every worker sees it): the master empties it once at start, and marks each
worker that exits as dead so its live gauges stop counting."""

import os
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# Above the slowest request (an upload of a large export file), far below a sync, which runs in a worker.
timeout = 60
graceful_timeout = 30
# Logs go to stdout/stderr: journald or docker collects them.
accesslog = "-"
errorlog = "-"
# Only the proxy in front may say which scheme and client address a request had.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        raise RuntimeError("PROMETHEUS_MULTIPROC_DIR must be set: without it each worker counts on its own "
                           "and /metrics shows whichever worker answers")
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    # Counts of the previous run would be added to this run's.
    for stale in path.glob("*.db"):
        stale.unlink()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
