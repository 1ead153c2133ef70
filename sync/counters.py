"""The sync's counters, incremented where files are synced (the engine, in a worker): plain
prometheus_client objects, so counting imports nothing that reaches the database or the broker."""

import time

from prometheus_client import Counter, Histogram

from sync.ingest.drift import DRIFT_KINDS, drift_kinds
from sync.models import DataDomain, FileStatus

# File syncs take from a second to the 1800 s hard limit of their task.
FILE_SYNC_BUCKETS_S = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900, 1200, 1500, 1800)
UNKNOWN_DOMAIN = "unknown"

ROWS_INGESTED = Counter("erp_rows_ingested", "Rows upserted into fact tables", ["domain"])
ROWS_QUARANTINED = Counter("erp_rows_quarantined", "Rows put in quarantine with reasons", ["domain"])
FILE_SYNC_SECONDS = Histogram("erp_file_sync_duration_seconds", "Time to sync one file, by outcome",
                              ["status"], buckets=FILE_SYNC_BUCKETS_S)
FILE_DRIFT = Counter("erp_file_drift", "File syncs whose header departed from the template, by kind "
                     "(new_column, missing_field)", ["domain", "kind"])
# Every label value from the start, so the series exist (at 0) before the first sync.
for _domain in [*DataDomain.values, UNKNOWN_DOMAIN]:
    ROWS_INGESTED.labels(_domain)
    ROWS_QUARANTINED.labels(_domain)
    for _kind in DRIFT_KINDS:
        FILE_DRIFT.labels(_domain, _kind)
for _status in FileStatus.values:
    FILE_SYNC_SECONDS.labels(_status)


def file_sync_record(*, domain: str, status: str, rows_ingested: int, rows_quarantined: int, started: float,
                     drift: dict | None = None):
    """Count one finished file sync; `started` is its time.monotonic() at the start, `drift` its result's
    (a file synced again unchanged carries its drift again: it still departs from its template)."""
    domain = domain if domain in DataDomain.values else UNKNOWN_DOMAIN
    ROWS_INGESTED.labels(domain).inc(rows_ingested)
    ROWS_QUARANTINED.labels(domain).inc(rows_quarantined)
    FILE_SYNC_SECONDS.labels(status).observe(time.monotonic() - started)
    for kind in drift_kinds(drift or {}):
        FILE_DRIFT.labels(domain, kind).inc()
