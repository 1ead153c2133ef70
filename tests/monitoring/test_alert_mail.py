"""AlertManager's mail end to end, and the chat apps ready to enable (seeds 000 and 003).

Debian's alertmanager runs a copy of monitoring/alertmanager.yml in which only the SMTP server's address,
TLS (off on loopback), the secrets' paths, the webhook's address and the grouping waits change; it delivers
to a real SMTP server started here (aiosmtpd) that requires a login. A critical alert arrives by mail from
the configured sender to the configured recipient, logged in with the password read from its file, with
the subject saying what happened; its resolution mails too; a warning does not mail. The WeCom, DingTalk
and Slack receivers, commented out in the file, pass `amtool check-config` once uncommented."""

import json
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from tests.monitoring.receivers import Mailbox, Webhook
from tests.monitoring.stack import Processes, run_tool, tool
from tests.processes import BASE_DIR, wait_for
from tests.run_env import RUN_DIR, free_port

MONITORING = BASE_DIR / "monitoring"
CONFIG = MONITORING / "alertmanager.yml"
SMTP_PASSWORD = "test-smtp-password"
MAIL_TIMEOUT_S = 60
CRITICAL = {"alertname": "CeleryWorkerDown", "severity": "critical", "component": "celery", "hostname": "w1"}
WARNING = {"alertname": "HighCeleryQueueLength", "severity": "warning", "component": "celery", "queue": "data_sync"}


def chat_apps_enabled(text: str) -> str:
    """The configuration with every line between the `# >>> chat apps` and `# <<< chat apps` markers
    uncommented, as an operator enables them (delete the "# " after the indentation)."""
    lines, inside = [], False
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("# >>> chat apps", "# <<< chat apps")):
            inside = stripped.startswith("# >>>")
            continue
        if inside:
            assert stripped.startswith("# "), f"not a commented line inside the chat-app block: {line!r}"
            line = line[: len(line) - len(stripped)] + stripped[2:]
        lines.append(line)
    assert not inside, "a chat-app block is not closed"
    return "\n".join(lines) + "\n"


def test_chat_apps_are_commented_out_and_pass_amtool_once_enabled():
    committed = yaml.safe_load(CONFIG.read_text())
    assert {r["name"] for r in committed["receivers"]} == {"critical", "webhook"}
    path = RUN_DIR / f"alertmanager-chat-{free_port()}.yml"
    path.write_text(chat_apps_enabled(CONFIG.read_text()))

    checked = run_tool("amtool", "check-config", str(path))

    assert checked.returncode == 0 and "5 receivers" in checked.stdout, checked.stdout + checked.stderr
    receivers = {r["name"]: r for r in yaml.safe_load(path.read_text())["receivers"]}
    assert receivers["wecom"]["wechat_configs"][0]["corp_id"]
    assert receivers["dingtalk"]["webhook_configs"][0]["url"].startswith("http://dingtalk:8060/dingtalk/")
    assert receivers["slack"]["slack_configs"][0]["api_url_file"].startswith("/etc/alertmanager/secrets/")
    for severity, mail_or_webhook in (("critical", "critical"), ("warning", "webhook")):
        routed = run_tool("amtool", "config", "routes", "test", "--config.file", str(path), f"severity={severity}",
                          "alertname=Any")
        assert routed.stdout.strip() == f"wecom,dingtalk,slack,{mail_or_webhook}", routed.stdout + routed.stderr


@pytest.fixture
def mailbox():
    config = yaml.safe_load(CONFIG.read_text())["global"]
    box = Mailbox(config["smtp_auth_username"], SMTP_PASSWORD)
    yield box
    box.stop()


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.server.shutdown()


@pytest.fixture
def alertmanager(mailbox, webhook):
    """Debian's alertmanager on a test copy of the configuration; yields its URL."""
    workdir = RUN_DIR / f"alertmanager-mail-{free_port()}"
    (workdir / "secrets").mkdir(parents=True)
    (workdir / "secrets" / "smtp_password").write_text(SMTP_PASSWORD)
    (workdir / "secrets" / "webhook_token").write_text("test-webhook-token")
    config = yaml.safe_load(CONFIG.read_text())
    config["global"].update(smtp_smarthost=mailbox.address, smtp_require_tls=False,
                            smtp_auth_password_file=str(workdir / "secrets" / "smtp_password"))
    config["route"].update(group_wait="1s", group_interval="1s", repeat_interval="1h")
    for receiver in config["receivers"]:
        for hook in receiver.get("webhook_configs", []):
            hook["url"] = webhook.url
            hook["http_config"]["authorization"]["credentials_file"] = str(workdir / "secrets" / "webhook_token")
    (workdir / "alertmanager.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    processes = Processes()
    process = processes.start("alertmanager-mail", [
        tool("alertmanager"), f"--config.file={workdir / 'alertmanager.yml'}", f"--storage.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="], env={})
    url = f"http://127.0.0.1:{port}"
    try:
        processes._wait(process, lambda: _ready(url), "alertmanager")
        yield url
    finally:
        processes.stop_all()


def post_alert(url: str, labels: dict, summary: str, ends_at: datetime | None = None):
    alert = {"labels": labels, "annotations": {"summary": summary, "description": "sent by the mail test"},
             "startsAt": (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat()}
    if ends_at:
        alert["endsAt"] = ends_at.isoformat()
    request = urllib.request.Request(f"{url}/api/v2/alerts", data=json.dumps([alert]).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def test_a_critical_alert_is_mailed_as_configured_and_a_warning_is_not(alertmanager, mailbox, webhook):
    config = yaml.safe_load(CONFIG.read_text())
    sender = config["global"]["smtp_from"]
    (recipient,) = [c["to"] for r in config["receivers"] for c in r.get("email_configs", [])]

    post_alert(alertmanager, CRITICAL, "Celery worker on w1 is down")
    post_alert(alertmanager, WARNING, "Queue data_sync holds 150 waiting messages")

    mail = wait_for(lambda: mailbox.message("CeleryWorkerDown"), timeout=MAIL_TIMEOUT_S, what="the alert mail")
    assert mail["parsed"]["Subject"] == "[ERP FIRING:1] CeleryWorkerDown: Celery worker on w1 is down"
    assert (mail["mail_from"], mail["rcpt_tos"]) == (sender, [recipient])
    assert (mail["parsed"]["From"], mail["parsed"]["To"]) == (sender, recipient)
    assert mail["login"] == config["global"]["smtp_auth_username"]
    assert (mail["login"], SMTP_PASSWORD) in mailbox.logins  # the password came from its file
    wait_for(lambda: webhook.alert("HighCeleryQueueLength", "firing"), timeout=MAIL_TIMEOUT_S,
             what="the warning at the webhook")

    post_alert(alertmanager, CRITICAL, "Celery worker on w1 is down", ends_at=datetime.now(timezone.utc))

    resolved = wait_for(lambda: mailbox.message("[ERP RESOLVED] CeleryWorkerDown"), timeout=MAIL_TIMEOUT_S,
                        what="the resolution mail")
    assert resolved["rcpt_tos"] == [recipient]
    assert mailbox.message("HighCeleryQueueLength") is None  # warnings go to the webhook only
    assert len(mailbox.messages) == 2


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/-/ready", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False
