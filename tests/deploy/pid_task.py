"""A task that answers which pool process ran it; a test worker loads it with --include."""

import os

from erp.celery import app

TASK_NAME = "deploy.pid"


@app.task(name=TASK_NAME)
def pid() -> int:
    return os.getpid()
