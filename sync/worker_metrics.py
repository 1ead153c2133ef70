"""A celery worker's own /metrics (rows ingested and quarantined, file sync durations): the sync runs in
the worker, so its counters are served there, on ERP_WORKER_METRICS_PORT. With the prefork pool the
counters of every child process are summed through PROMETHEUS_MULTIPROC_DIR, which must be a directory
of this worker alone, empty at start (systemd's RuntimeDirectory, a compose tmpfs): the task modules,
imported before any signal, have written their files there by the time a hook could wipe it."""

import logging
import os

from celery.signals import worker_process_shutdown, worker_ready
from django.conf import settings
from prometheus_client import multiprocess, start_http_server

from erp.metrics import process_registry

logger = logging.getLogger(__name__)


@worker_ready.connect
def serve_worker_metrics(**kwargs):
    if not settings.ERP_WORKER_METRICS_PORT:
        return
    start_http_server(settings.ERP_WORKER_METRICS_PORT, addr=settings.ERP_WORKER_METRICS_ADDR,
                      registry=process_registry())
    logger.info("worker metrics on %s:%s", settings.ERP_WORKER_METRICS_ADDR, settings.ERP_WORKER_METRICS_PORT)


@worker_process_shutdown.connect
def mark_child_dead(pid=None, **kwargs):
    # A dead child's live gauges must not be summed any more (prometheus_client's multiprocess protocol).
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR") and pid:
        multiprocess.mark_process_dead(pid)

