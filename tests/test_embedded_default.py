"""End to end on the embedded default: SQLite + kombu filesystem broker + a real worker process,
configured by nothing but the absence of DATABASE_URL / CELERY_BROKER_URL / REDIS_URL."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from tests.processes import BASE_DIR, start_worker, wait_for
from tests.run_env import RUN_DIR, stop_process

pytestmark = pytest.mark.worker
SERVICE_VARIABLES = ("DATABASE_URL", "DATABASE_TEST_NAME", "CELERY_BROKER_URL", "REDIS_URL", "CACHE_KEY_PREFIX")


@pytest.fixture
def embedded_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES and not k.startswith("DJANGO_")}
    env.update(ERP_VAR_DIR=str(tmp_path / "var"), ERP_INBOX_DIR=str(tmp_path / "inbox"), PYTHONUNBUFFERED="1")
    return env


def manage(env, *args) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_demo_file_syncs_on_sqlite_and_the_filesystem_broker(embedded_env, tmp_path):
    manage(embedded_env, "migrate", "--noinput", "-v0")
    manage(embedded_env, "createcachetable")
    manage(embedded_env, "make_demo_exports", "--rows", "40", "--seed", "2", "--only", "shopee_orders_xlsx",
           "tiktok_orders_bom_csv")
    manage(embedded_env, "scan_inbox")
    worker = start_worker(embedded_env, RUN_DIR / f"embedded-worker-{tmp_path.name}.log")
    try:
        assert "2 files queued" in manage(embedded_env, "sync_files", "--enqueue")
        database = sqlite3.connect(tmp_path / "var" / "erp.sqlite3", timeout=30)
        wait_for(lambda: database.execute(
            "SELECT status FROM sync_syncprogresstask").fetchone() in (("completed",), ("failed",)),
            what="the embedded task to finish")
    finally:
        stop_process(worker)

    manifest = {d["path"]: d["expected"] for d in json.loads((tmp_path / "inbox" / "manifest.json").read_text())}
    rows = database.execute("SELECT path, status, rows_ingested, rows_quarantined FROM sync_catalogfile").fetchall()
    assert len(rows) == 2
    for path, status, ingested, quarantined in rows:
        assert status in ("ingested", "partial")
        assert (ingested, quarantined) == (manifest[path]["ingested"], manifest[path]["quarantined"])
    ingested = database.execute("SELECT count(*) FROM sync_orderline").fetchone()[0]
    assert ingested == sum(r[2] for r in rows)
    assert "completed" in manage(embedded_env, "sync_report")

    file_ids = [str(i) for (i,) in database.execute("SELECT id FROM sync_catalogfile")]
    resync = manage(embedded_env, "sync_files", *file_ids)
    assert resync.count("(0 written)") == 2
    assert database.execute("SELECT count(*) FROM sync_orderline").fetchone()[0] == ingested
