"""A task the alert tests submit, failing or succeeding on request; a test worker loads it with --include.
One task name for both, as the failure-rate alert compares failures and successes per task name."""

from erp.celery import app

TASK_NAME = "e2e.job"


@app.task(name=TASK_NAME)
def job(fail: bool = False) -> str:
    if fail:
        raise RuntimeError("failing on purpose: the alert test needs failures")
    return "ok"
