"""Bench-only Celery module: erp's app with one extra task, `bench.noop`, that does nothing.

    celery -A bench.noop_tasks worker -Q data_sync ...

The worker is erp's own (same settings, result backend, acks and prefetch; sync.tasks is autodiscovered
as usual), so it runs both our sync tasks and the no-op baseline. bench.noop has no route, so it goes
to the default queue, data_sync, like a single-file sync.
"""

from erp.celery import app

NOOP_TASK_NAME = "bench.noop"


@app.task(name=NOOP_TASK_NAME)
def noop(index: int) -> int:
    return index
