"""Every metric the Grafana dashboard and the alert rules query exists in a live scrape of the app (web and
worker), of the celery exporter and of the postgres exporter, after a task failed and one succeeded."""

import json

import pytest
import yaml

from erp.celery import app as celery_app
from tests.monitoring.e2e_tasks import TASK_NAME
from tests.monitoring.stack import promql_metric_names, scrape, value
from tests.processes import BASE_DIR, wait_for
from tests.run_env import free_port

MONITORING = BASE_DIR / "monitoring"
# Series Prometheus writes itself for every target, never found in a scrape.
PROMETHEUS_OWN = {"up"}


def dashboard_exprs() -> list[str]:
    dashboard = json.loads((MONITORING / "grafana" / "dashboards" / "erp-sync.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def rule_exprs() -> list[str]:
    groups = yaml.safe_load((MONITORING / "alert_rules.yml").read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def test_metric_names_are_extracted_from_promql():
    assert promql_metric_names('sum by (name, le) (rate(celery_task_runtime_bucket{queue_name="x"}[10m])) > 1800') \
        == {"celery_task_runtime_bucket"}
    assert promql_metric_names('(sum(celery_worker_up) or vector(0)) < 1 and on () (up{job="celery"} == 1)') \
        == {"celery_worker_up", "up"}


@pytest.mark.worker
def test_every_queried_metric_is_in_a_live_scrape(processes, stack_env):
    web = processes.web(stack_env)
    worker_port = free_port()
    processes.worker(stack_env, "dash", metrics_port=worker_port, include="tests.monitoring.e2e_tasks")
    exporter = processes.exporter(stack_env)
    postgres = processes.postgres_exporter(stack_env)
    wait_for(lambda: value(scrape(f"{exporter}/metrics"), "celery_worker_up", hostname=_host()) == 1,
             what="the exporter to see the worker")

    for fail in (True, False):
        celery_app.send_task(TASK_NAME, kwargs={"fail": fail})
    wait_for(lambda: value(scrape(f"{exporter}/metrics"), "celery_task_runtime_count", name=TASK_NAME) == 1
             and _failed(scrape(f"{exporter}/metrics")) == 1, what="the exporter to count both tasks")

    scraped = set()
    for url in (f"{web}/metrics", f"http://127.0.0.1:{worker_port}/metrics", f"{exporter}/metrics",
                f"{postgres}/metrics"):
        scraped |= set(scrape(url))
    queried = set().union(*(promql_metric_names(expr) for expr in dashboard_exprs() + rule_exprs()))
    assert len(queried) > 15
    assert queried - scraped - PROMETHEUS_OWN == set()


def _host() -> str:
    import socket

    return socket.gethostname()


def _failed(samples) -> float:
    return sum(v for labels, v in samples.get("celery_task_failed_total", []) if labels["name"] == TASK_NAME)
