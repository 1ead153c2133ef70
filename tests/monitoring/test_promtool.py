"""The monitoring configuration checked offline by Debian's promtool and amtool: Prometheus's config, the
alert rules and their unit tests (every alert firing and not firing), AlertManager's config and routes."""

from pathlib import Path

import yaml

from tests.monitoring.stack import run_tool
from tests.processes import BASE_DIR

MONITORING = BASE_DIR / "monitoring"
RULES = MONITORING / "alert_rules.yml"
RULE_TESTS = MONITORING / "tests" / "alert_rules_test.yml"


def alert_rules() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def assert_ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_promtool_check_config_passes():
    output = assert_ok(run_tool("promtool", "check", "config", "prometheus.yml", cwd=MONITORING))
    assert "SUCCESS: 1 rule files found" in output


def test_promtool_check_rules_passes():
    output = assert_ok(run_tool("promtool", "check", "rules", str(RULES)))
    assert f"SUCCESS: {len(alert_rules())} rules found" in output


def test_promtool_test_rules_passes():
    output = assert_ok(run_tool("promtool", "test", "rules", str(RULE_TESTS)))
    assert "SUCCESS" in output


def test_every_alert_has_a_firing_and_a_not_firing_unit_test():
    cases = [case for test in yaml.safe_load(RULE_TESTS.read_text())["tests"] for case in test["alert_rule_test"]]
    for rule in alert_rules():
        mine = [case for case in cases if case["alertname"] == rule["alert"]]
        assert any(case["exp_alerts"] for case in mine), f"{rule['alert']} is never shown firing"
        assert any(not case["exp_alerts"] for case in mine), f"{rule['alert']} is never shown not firing"


def test_every_alert_has_a_severity_and_says_what_to_do():
    for rule in alert_rules():
        assert rule["labels"]["severity"] in ("critical", "warning"), rule["alert"]
        assert rule["annotations"]["summary"] and len(rule["annotations"]["description"]) > 80, rule["alert"]


def test_every_alert_names_its_component_in_seed_groups():
    """Seed 000: group celery_alerts, alerts labelled component, so AlertManager can route by component."""
    groups = {group["name"]: group["rules"] for group in yaml.safe_load(RULES.read_text())["groups"]}
    assert "celery_alerts" in groups
    for rule in alert_rules():
        assert rule["labels"].get("component") in ("celery", "web", "database"), rule["alert"]
    assert {rule["labels"]["component"] for rule in groups["celery_alerts"]} == {"celery"}


def test_the_celery_exporter_is_scraped_as_the_seeds_job():
    jobs = {job["job_name"]: job for job in yaml.safe_load((MONITORING / "prometheus.yml").read_text())["scrape_configs"]}
    assert jobs["celery"]["static_configs"][0]["labels"] == {"component": "task-queue"}
    assert all('job="celery-exporter"' not in expr for expr in (r["expr"] for r in alert_rules()))


def test_amtool_check_config_passes():
    output = assert_ok(run_tool("amtool", "check-config", str(MONITORING / "alertmanager.yml")))
    assert "SUCCESS" in output and "3 inhibit rules" in output


def test_alertmanager_routes_critical_to_mail_and_webhook_and_warning_to_webhook():
    config = yaml.safe_load((MONITORING / "alertmanager.yml").read_text())
    receivers = {r["name"]: r for r in config["receivers"]}
    for severity, expected in (("critical", "critical"), ("warning", "webhook")):
        result = run_tool("amtool", "config", "routes", "test", "--config.file", str(MONITORING / "alertmanager.yml"),
                          f"severity={severity}", "alertname=Any")
        assert result.stdout.strip() == expected, result.stdout + result.stderr
    assert receivers["critical"]["email_configs"] and receivers["critical"]["webhook_configs"]
    assert receivers["webhook"]["webhook_configs"] and "email_configs" not in receivers["webhook"]


def test_alertmanager_reads_its_secrets_from_files():
    text = (MONITORING / "alertmanager.yml").read_text()
    config = yaml.safe_load(text)
    assert "smtp_auth_password" not in config["global"]
    assert config["global"]["smtp_auth_password_file"].startswith("/etc/alertmanager/secrets/")
    for receiver in config["receivers"]:
        for hook in receiver["webhook_configs"]:
            assert "credentials" not in hook["http_config"]["authorization"]
            assert Path(hook["http_config"]["authorization"]["credentials_file"]).parent.name == "secrets"
