"""/metrics: counters exact across gunicorn workers, the sync's scrape-time gauges (tasks, waiting work,
quota, queue depth over every Redis priority list, the broker), access by address, plug-in collectors,
and a worker's own counters of rows ingested and file sync time."""

import os
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from erp.celery import app as celery_app
from sync.demo.exports import demo_exports_write
from sync.models import CatalogFile, SyncProgressTask, TaskStatus, TaskType
from sync.services.catalog import catalog_scan
from sync.services.task_lifecycle import sync_task_create
from tests.monitoring.stack import scrape, value
from tests.processes import http_json, wait_for
from tests.run_env import RUN_DIR, free_port
from tests.sync.helpers import run_to_end

REQUESTS = 60
RESPONSES = "django_http_responses_total_by_status_view_method_total"


def parse(response) -> dict:
    from prometheus_client.parser import text_string_to_metric_families

    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def healthz_count(url: str) -> float:
    return value(scrape(f"{url}/metrics"), RESPONSES, view="healthz", status="200", method="GET") or 0


def test_counters_summed_over_two_gunicorn_workers_are_exact(processes, stack_env):
    url = processes.web(stack_env, workers=2)
    metrics_dir = RUN_DIR / f"web-metrics-{url.rsplit(':', 1)[1]}"
    before = healthz_count(url)  # the start-up probe's

    # gunicorn does not promise to spread a burst over both workers: send bursts until both have counted.
    sent = 0
    while sent < 10 * REQUESTS:
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: http_json("GET", f"{url}/healthz")[0], range(REQUESTS)))
        assert statuses == [200] * REQUESTS
        sent += REQUESTS
        if len({p.name.split("_")[-1] for p in metrics_dir.glob("counter_*.db")}) == 2:
            break

    assert len({p.name.split("_")[-1] for p in metrics_dir.glob("counter_*.db")}) == 2  # both workers counted
    assert healthz_count(url) - before == sent
    assert healthz_count(url) - before == sent  # scraping counts /metrics, not /healthz

    # A worker that dies keeps its counts (child_exit marks it dead); its replacement adds to them.
    first_pid = int(sorted(metrics_dir.glob("counter_*.db"))[0].stem.split("_")[-1])
    os.kill(first_pid, signal.SIGTERM)
    wait_for(lambda: _exited(first_pid), timeout=60, what="the gunicorn worker to exit")
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: http_json("GET", f"{url}/healthz"), range(REQUESTS)))
    assert healthz_count(url) - before == sent + REQUESTS


def _exited(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_request_latency_is_reported_by_view(client, db):
    client.get("/healthz")
    samples = parse(client.get("/metrics"))
    assert value(samples, "django_http_requests_latency_seconds_by_view_method_count", view="healthz", method="GET") >= 1
    assert "django_migrations_applied_total" not in samples and "django_migrations_unapplied_total" not in samples


def test_task_gauges_come_from_the_database(client, db):
    now = timezone.now()
    for status, dispatched in [(TaskStatus.QUEUED, None), (TaskStatus.QUEUED, now), (TaskStatus.FAILED, now)]:
        SyncProgressTask.objects.create(task_type=TaskType.BATCH, status=status, dispatched_at=dispatched)
    # The broker refused it (it was down): a task merely waiting for a slot under fair share is not counted.
    SyncProgressTask.objects.filter(dispatched_at__isnull=True).update(created_at=now - timedelta(minutes=3),
                                                                       dispatch_error="Connection refused")
    SyncProgressTask.objects.create(task_type=TaskType.BATCH, status=TaskStatus.QUEUED)
    SyncProgressTask.objects.create(task_type=TaskType.SINGLE_FILE, status=TaskStatus.PROCESSING,
                                    heartbeat_at=now - timedelta(hours=1))

    samples = parse(client.get("/metrics"))

    assert value(samples, "erp_tasks", status="queued", task_type="batch") == 3
    assert value(samples, "erp_tasks", status="failed", task_type="batch") == 1
    assert value(samples, "erp_tasks", status="completed", task_type="batch_all") == 0
    assert value(samples, "erp_tasks_undispatched") == 1
    assert 170 < value(samples, "erp_task_oldest_undispatched_age_seconds") < 3600
    assert value(samples, "erp_task_oldest_queued_age_seconds") >= value(samples, "erp_task_oldest_undispatched_age_seconds")
    assert value(samples, "erp_tasks_stalled") == 1


def test_quota_use_counts_active_tasks_per_user(client, db, django_user_model, settings):
    settings.MAX_TASKS_PER_USER = 2
    owner, other = (django_user_model.objects.create_user(name) for name in ("owner", "other"))
    for user, status in [(owner, TaskStatus.QUEUED), (owner, TaskStatus.PROCESSING), (other, TaskStatus.QUEUED),
                         (other, TaskStatus.COMPLETED)]:
        SyncProgressTask.objects.create(task_type=TaskType.BATCH, status=status, user=user)

    samples = parse(client.get("/metrics"))

    assert value(samples, "erp_quota_slots_used") == 3
    assert value(samples, "erp_quota_users_at_limit") == 1
    assert value(samples, "erp_quota_limit") == 2


def test_queue_depth_counts_every_redis_priority_list(client, db):
    priorities = [0, 3, 6, 9]  # kombu steps: one Redis list each
    with celery_app.connection_for_write() as conn:
        for priority in priorities:
            celery_app.send_task("sync.tasks.extract_product_images", args=[0], queue="data_processing",
                                 priority=priority, connection=conn)
        try:
            samples = parse(client.get("/metrics"))
            first_list = conn.default_channel.client.llen("data_processing")
        finally:
            conn.default_channel.queue_purge("data_processing")

    assert first_list == 1  # the others wait in data_processing:3, :6, :9
    assert value(samples, "erp_queue_depth", queue="data_processing") == len(priorities)
    assert value(samples, "erp_broker_up") == 1


def test_an_unreachable_broker_reads_as_down(client, db, monkeypatch):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setattr(celery_app, "connection_for_read", lambda: celery_app.connection_for_write(url=closed))

    samples = parse(client.get("/metrics"))

    assert value(samples, "erp_broker_up") == 0
    assert "erp_queue_depth" not in samples


def test_metrics_can_be_restricted_to_configured_networks(client, db, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get("/metrics").status_code == 403
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8", "127.0.0.1"]
    assert client.get("/metrics").status_code == 200


class ExampleCollector:
    def collect(self):
        yield GaugeMetricFamily("erp_example_plugged_in", "A collector named in METRICS_COLLECTORS", value=7)


def test_collectors_listed_in_settings_are_served(client, db, settings):
    settings.METRICS_COLLECTORS = ["tests.monitoring.test_metrics_endpoint.ExampleCollector"]
    assert value(parse(client.get("/metrics")), "erp_example_plugged_in") == 7


@pytest.mark.worker
def test_a_worker_serves_rows_ingested_and_file_sync_time(processes, stack_env, inbox, templates):
    port = free_port()
    processes.worker(stack_env, "metrics", metrics_port=port, concurrency=2)
    (demo,) = demo_exports_write(out_dir=inbox, rows=40, seed=7, only=["shopee_orders_xlsx"])
    catalog_scan(inbox=inbox)
    file = CatalogFile.objects.get(path=demo.path)

    task = run_to_end(sync_task_create(task_type=TaskType.SINGLE_FILE, file_ids=[file.pk]))

    assert task.status == TaskStatus.COMPLETED, task.errors
    samples = scrape(f"http://127.0.0.1:{port}/metrics")
    assert value(samples, "erp_rows_ingested_total", domain="orders") == task.rows_ingested > 0
    assert value(samples, "erp_rows_quarantined_total", domain="orders") == task.rows_quarantined
    assert value(samples, "erp_file_sync_duration_seconds_count", status=file.__class__.objects.get(pk=file.pk).status) == 1


def test_rate_limit_refusals_and_cache_lookups_are_in_metrics(client, db, settings):
    """The rate limits count 429s per group in this process group; the cache layer's collector (listed
    in METRICS_COLLECTORS by the settings) reads its shared counters."""
    settings.RATE_LIMIT_ENABLED = True
    anonymous = Client(REMOTE_ADDR="10.77.0.1")
    statuses = [anonymous.get("/api/data-sync/user-task-count").status_code for _ in range(11)]
    staff = Client()
    staff.force_login(User.objects.create_superuser("metrics_staff", password=None))
    staff.get("/api/accounts/stats")
    staff.get("/api/accounts/stats")

    samples = parse(client.get("/metrics"))

    assert statuses[-1] == 429
    assert value(samples, "erp_rate_limit_rejections_total", group="data_sync") >= 1
    assert value(samples, "erp_cache_hits_total", cache_type="account_stats") >= 1
    assert value(samples, "erp_cache_misses_total", cache_type="account_stats") >= 1
