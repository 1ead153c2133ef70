"""Alerts proven to fire, end to end on loopback: the app under gunicorn, two real workers, the celery
exporter, Debian's prometheus and alertmanager running test copies of monitoring/ (intervals and `for:`
durations shortened, expressions, routes, grouping and inhibition unchanged), and a webhook receiver here.
Kill a worker: CeleryWorkerDown reaches the webhook. Fail tasks: HighCeleryTaskFailureRate reaches it.
Bring the worker back and succeed: both resolve."""

import json
import os
import signal
import urllib.parse
import urllib.request

import pytest
import yaml

from erp.celery import app as celery_app
from tests.monitoring.e2e_tasks import TASK_NAME
from tests.monitoring.receivers import Webhook
from tests.monitoring.stack import tool
from tests.processes import BASE_DIR, wait_for
from tests.run_env import RUN_DIR, free_port

pytestmark = [pytest.mark.worker, pytest.mark.slow]
MONITORING = BASE_DIR / "monitoring"
TEST_FOR = "3s"
WEBHOOK_TOKEN = "test-webhook-token"
KILLED = "alpha"
ALERT_TIMEOUT_S = 180


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.server.shutdown()


def render_rules(path):
    rules = yaml.safe_load((MONITORING / "alert_rules.yml").read_text())
    for group in rules["groups"]:
        group["interval"] = "1s"
        for rule in group["rules"]:
            rule["for"] = TEST_FOR
    path.write_text(yaml.safe_dump(rules))


def render_prometheus(path, rules, alertmanager: str, targets: dict[str, str]):
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    # The exporter asks the workers for stats and queues on each scrape, a second each: 4 s to answer.
    config["global"] = {"scrape_interval": "5s", "scrape_timeout": "4s", "evaluation_interval": "1s"}
    config["rule_files"] = [str(rules)]
    config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] = [alertmanager]
    config["scrape_configs"] = [job for job in config["scrape_configs"] if job["job_name"] in targets]
    for job in config["scrape_configs"]:
        job["static_configs"][0]["targets"] = [targets[job["job_name"]]]
    path.write_text(yaml.safe_dump(config))


def render_alertmanager(path, webhook_url: str):
    secrets = path.parent / "secrets"
    secrets.mkdir()
    (secrets / "smtp_password").write_text("not-used")
    (secrets / "webhook_token").write_text(WEBHOOK_TOKEN)
    config = yaml.safe_load((MONITORING / "alertmanager.yml").read_text())
    # Mail goes to a closed port (it fails, logged); the webhook is the test's.
    config["global"].update(smtp_smarthost=f"127.0.0.1:{free_port()}", smtp_require_tls=False,
                            smtp_auth_password_file=str(secrets / "smtp_password"))
    config["route"].update(group_wait="1s", group_interval="1s", repeat_interval="1h")
    for receiver in config["receivers"]:
        for hook in receiver["webhook_configs"]:
            hook["url"] = webhook_url
            hook["http_config"]["authorization"]["credentials_file"] = str(secrets / "webhook_token")
    path.write_text(yaml.safe_dump(config))


def prometheus_query(url: str, query: str) -> list:
    with urllib.request.urlopen(f"{url}/api/v1/query?{urllib.parse.urlencode({'query': query})}", timeout=10) as r:
        return json.load(r)["data"]["result"]


def submit(count: int, fail: bool):
    for _ in range(count):
        celery_app.send_task(TASK_NAME, kwargs={"fail": fail})


def test_worker_down_and_failure_rate_alerts_fire_and_resolve(processes, stack_env, webhook):
    workdir = RUN_DIR / f"alerting-{free_port()}"
    workdir.mkdir()
    web = processes.web(stack_env)
    exporter = processes.exporter(stack_env, CE_WORKER_TIMEOUT="5")
    # Distinct host parts: the exporter tells workers apart by them.
    workers = {name: processes.worker(stack_env, name, host=f"{name}.test", include="tests.monitoring.e2e_tasks")
               for name in (KILLED, "beta")}
    am_port, prom_port = free_port(), free_port()
    render_rules(workdir / "rules.yml")
    render_alertmanager(workdir / "alertmanager.yml", webhook.url)
    render_prometheus(workdir / "prometheus.yml", workdir / "rules.yml", f"127.0.0.1:{am_port}",
                      {"erp-web": web.removeprefix("http://"), "celery": exporter.removeprefix("http://")})
    processes.start("alertmanager", [tool("alertmanager"), f"--config.file={workdir / 'alertmanager.yml'}",
                                     f"--storage.path={workdir / 'am-data'}",
                                     f"--web.listen-address=127.0.0.1:{am_port}", "--cluster.listen-address="],
                    stack_env)
    processes.start("prometheus", [tool("prometheus"), f"--config.file={workdir / 'prometheus.yml'}",
                                   f"--storage.tsdb.path={workdir / 'prom-data'}",
                                   f"--web.listen-address=127.0.0.1:{prom_port}"], stack_env)
    prometheus = f"http://127.0.0.1:{prom_port}"
    wait_for(lambda: _query(prometheus, f'celery_worker_up{{hostname="{KILLED}.test"}} == 1'),
             timeout=ALERT_TIMEOUT_S, what="prometheus to scrape the exporter")

    # Kill the worker (with its pool process): no goodbye, only missing heartbeats.
    os.killpg(workers[KILLED].pid, signal.SIGKILL)
    down = wait_for(lambda: webhook.alert("CeleryWorkerDown", "firing"), timeout=ALERT_TIMEOUT_S,
                    what="CeleryWorkerDown at the webhook")
    assert down["labels"]["hostname"] == f"{KILLED}.test" and down["labels"]["severity"] == "critical"
    assert (down["labels"]["job"], down["labels"]["component"]) == ("celery", "celery")
    assert down["receiver"] == "critical" and down["authorization"] == f"Bearer {WEBHOOK_TOKEN}"

    # Failing tasks, run by the other worker, until the alert arrives: a counter series is born at its
    # first scrape, so rate() sees only what fails after that; a single early burst could stay invisible.
    failing = wait_for(lambda: submit(2, fail=True) or submit(1, fail=False)
                       or webhook.alert("HighCeleryTaskFailureRate", "firing"),
                       timeout=ALERT_TIMEOUT_S, interval=2, what="HighCeleryTaskFailureRate at the webhook")
    assert failing["labels"]["name"] == TASK_NAME and failing["receiver"] == "webhook"

    # The worker back, and successes until failures are under 10 % of the last 5 minutes.
    processes.worker(stack_env, KILLED, host=f"{KILLED}.test", include="tests.monitoring.e2e_tasks")
    wait_for(lambda: webhook.alert("CeleryWorkerDown", "resolved"), timeout=ALERT_TIMEOUT_S,
             what="CeleryWorkerDown resolved at the webhook")
    wait_for(lambda: submit(25, fail=False) or webhook.alert("HighCeleryTaskFailureRate", "resolved"),
             timeout=ALERT_TIMEOUT_S, interval=2, what="HighCeleryTaskFailureRate resolved at the webhook")


def _query(prometheus: str, query: str) -> list:
    try:
        return prometheus_query(prometheus, query)
    except OSError:
        return []
