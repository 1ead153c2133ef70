"""Where the bench keeps its files and database, and how it prepares each measurement.

The environment is set before django.setup(), so the bench never touches the developer's inbox, var/
or database: files live under var/bench/, the database is DATABASE_URL (default erp_bench), and only a
database whose name contains "bench" is truncated unless --any-database is given.
"""

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
CACHE_DIR = BENCH_DIR / "cache"
INBOX_DIR = BENCH_DIR / "inbox"
VAR_DIR = BENCH_DIR / "var"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/erp_bench"
MAINTENANCE_DATABASE = "postgres"
SAFE_DATABASE_MARKER = "bench"
BENCH_SECRET_KEY = "bench-only-secret-key-not-for-production"
MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class CachedFile:
    """One generated export in the cache and what a correct sync of it must report."""

    key: str
    rows: int
    path: Path  # absolute, inside the cache
    relative: str  # its place in the inbox layout (platform/shop/domain/granularity/name)
    expected: dict  # ingested / quarantined / skipped from the generator's manifest


def environment_configure() -> None:
    """Set the process environment the bench and its children run with (before django.setup())."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SECRET_KEY", BENCH_SECRET_KEY)
    os.environ["DJANGO_SETTINGS_MODULE"] = "erp.settings"
    os.environ["ERP_VAR_DIR"] = str(VAR_DIR)
    os.environ["ERP_INBOX_DIR"] = str(INBOX_DIR)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The benches send far more than a minute's allowance from one user; bench/ratelimit.py turns the
    # limits on for the server it measures them on.
    os.environ["RATE_LIMIT_ENABLED"] = "false"


def database_name(url: str) -> str:
    return conninfo_to_dict(url).get("dbname", "")


def database_check_safe(url: str, *, any_database: bool) -> None:
    """The bench truncates the catalog and fact tables: refuse a database that is not a bench one."""
    name = database_name(url)
    if SAFE_DATABASE_MARKER not in name and not any_database:
        raise SystemExit(f"refusing to truncate tables in database {name!r}: its name does not contain "
                         f"{SAFE_DATABASE_MARKER!r} (pass --any-database to allow it)")


def database_ensure(url: str) -> bool:
    """Create the database named in `url` when missing; True when it was created."""
    name = database_name(url)
    with psycopg.connect(make_conninfo(url, dbname=MAINTENANCE_DATABASE), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


def django_setup() -> None:
    """Configure and start Django in this process, then bring the schema up to date."""
    import django
    from django.core.management import call_command

    environment_configure()
    django.setup()
    call_command("migrate", verbosity=0)
    # The embedded default caches in the database; saving a template or an account invalidates entries.
    call_command("createcachetable", verbosity=0)


def demo_file_cached(key: str, rows: int, seed: int) -> CachedFile:
    """The demo export `key` with `rows` rows, generated once into var/bench/cache/<key>-<rows>-<seed>/."""
    from sync.demo.exports import demo_exports_write

    out_dir = CACHE_DIR / f"{key}-{rows}-{seed}"
    entry = _manifest_entry(out_dir, key)
    if entry is None or not (out_dir / entry["path"]).is_file():
        print(f"  generating {key} with {rows:,} rows into {out_dir.relative_to(ROOT)} (cached for reruns)",
              flush=True)
        demo_exports_write(out_dir=out_dir, rows=rows, seed=seed, only=[key])
        entry = _manifest_entry(out_dir, key)
    return CachedFile(key=key, rows=rows, path=out_dir / entry["path"], relative=entry["path"],
                      expected=entry["expected"])


def _manifest_entry(out_dir: Path, key: str) -> dict | None:
    # The generator writes the manifest last, so a manifest naming the key means the file is complete.
    manifest = out_dir / MANIFEST_NAME
    if not manifest.is_file():
        return None
    return next((e for e in json.loads(manifest.read_text("utf-8")) if e["key"] == key), None)


def inbox_place(file: CachedFile) -> Path:
    """Empty the bench inbox and put only `file` in it, at its inbox-layout path (a hard link when possible)."""
    INBOX_DIR.mkdir(parents=True, exist_ok=True)
    for child in INBOX_DIR.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    target = INBOX_DIR / file.relative
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(file.path, target)
    except OSError:  # another filesystem, or links not allowed: a copy reads the same
        shutil.copy2(file.path, target)
    return target


def tables_truncate() -> None:
    """Empty the fact, quarantine and catalog tables so the next measurement starts from the same state."""
    from django.db import connection

    from sync.models import FACT_MODELS, CatalogFile, QuarantinedRow

    models = [*FACT_MODELS.values(), QuarantinedRow, CatalogFile]
    names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


def catalog_fresh(file: CachedFile) -> int:
    """Empty tables, put `file` alone in the inbox and catalogue it; returns its CatalogFile id."""
    from sync.models import CatalogFile
    from sync.services.catalog import catalog_scan

    tables_truncate()
    inbox_place(file)
    catalog_scan(inbox=INBOX_DIR)
    return CatalogFile.objects.get(path=file.relative).id


def tasks_clear() -> None:
    """No sync tasks or stored Celery results from earlier runs (the bench database only), and none of
    their dead rows: a DELETE left them to a vacuum that a bench run does not wait for, and rounds ran on
    ever larger indexes (a count of the waiting tasks went from 0.1 to 7.6 ms)."""
    from django.db import connection
    from django_celery_results.models import TaskResult

    from sync.models import SyncProgressTask

    names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (SyncProgressTask, TaskResult))
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
