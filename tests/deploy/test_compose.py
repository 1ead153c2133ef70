"""The compose files against the Compose Specification's JSON schema (Docker cannot run here), and what
the deployment promises: every service, a healthcheck on each, one beat, Redis persistent and
non-evicting, secrets from the env file without defaults."""

import json
import re

import jsonschema
import pytest
import yaml

from tests.processes import BASE_DIR

DEPLOY = BASE_DIR / "deploy"
COMPOSE_FILES = ["docker-compose.prod.yml", "docker-compose.dev.yml"]
SERVICES = {"postgres", "redis", "web", "worker-data-sync", "worker-data-processing", "worker-scheduled", "beat",
            "nginx", "celery-exporter", "postgres-exporter", "prometheus", "alertmanager", "grafana"}
SECRETS = {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "ALERT_SMTP_PASSWORD", "ALERT_WEBHOOK_TOKEN", "GRAFANA_ADMIN_PASSWORD"}


def validator():
    return jsonschema.Draft7Validator(json.loads((DEPLOY / "schema" / "compose-spec.json").read_text()))


def load(name: str) -> dict:
    return yaml.safe_load((DEPLOY / name).read_text())


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_compose_file_follows_the_compose_specification(name):
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator().iter_errors(load(name))]
    assert errors == []


def test_the_schema_check_rejects_a_broken_file():
    broken = load("docker-compose.prod.yml")
    broken["services"]["web"]["healthcheck"]["intervall"] = "10s"
    broken["services"]["beat"]["restart"] = ["always"]
    assert len(list(validator().iter_errors(broken))) == 2


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_every_service_is_there_with_a_healthcheck(name):
    services = load(name)["services"]
    # Development adds the front-end nginx (profile dev-nginx, tests/deploy/test_nginx_dev.py).
    assert set(services) == SERVICES | ({"nginx-dev"} if "dev" in name else set())
    for service, spec in services.items():
        assert spec.get("healthcheck", {}).get("test"), f"{service} has no healthcheck"
        assert not spec["healthcheck"].get("disable"), service


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_exactly_one_beat_and_one_worker_service_per_queue(name):
    services = load(name)["services"]
    beats = [s for s, spec in services.items() if "beat" in spec.get("command", [])]
    assert beats == ["beat"] and services["beat"]["deploy"]["replicas"] == 1
    queues = {spec["command"][spec["command"].index("-Q") + 1] for spec in services.values()
              if "worker" in spec.get("command", [])}
    assert queues == {"data_sync", "data_processing", "scheduled"}


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_every_exporter_prometheus_scrapes_is_a_service(name):
    services = load(name)["services"]
    scraped = yaml.safe_load((BASE_DIR / "monitoring" / "prometheus.yml").read_text())["scrape_configs"]
    hosts = {target.split(":")[0] for job in scraped for config in job["static_configs"] for target in config["targets"]}
    assert hosts - {"localhost"} <= set(services)
    assert "@postgres:5432/erp" in services["postgres-exporter"]["environment"]["DATA_SOURCE_NAME"]


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_redis_runs_the_checked_config_and_nginx_the_nginx_config(name):
    services = load(name)["services"]
    assert services["redis"]["command"][:2] == ["redis-server", "/usr/local/etc/redis/redis.conf"]
    assert "./redis.conf:/usr/local/etc/redis/redis.conf:ro" in services["redis"]["volumes"]
    assert "./nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in services["nginx"]["volumes"]


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_secrets_come_from_the_env_file_without_defaults(name):
    text = (DEPLOY / name).read_text()
    used = set(re.findall(r"\$\{([A-Z_]+)", text)) | set(re.findall(r"environment: ([A-Z_]+)\n", text))
    assert SECRETS <= used
    for secret in SECRETS - {"ALERT_SMTP_PASSWORD", "ALERT_WEBHOOK_TOKEN", "GRAFANA_ADMIN_PASSWORD"}:
        # ${VAR:?message} stops compose when VAR is unset or empty: never a default.
        assert not re.search(r"\$\{" + secret + r"(:?-|-)", text), secret
        assert re.search(r"\$\{" + secret + r":\?", text), secret
    assert not re.search(r"(?i)password[ \t]*[:=][ \t]*['\"]?[a-z0-9]", re.sub(r"\$\{[^}]*\}", "", text))
    compose = load(name)
    assert {spec["environment"] for spec in compose["secrets"].values()} == SECRETS - {"POSTGRES_PASSWORD", "REDIS_PASSWORD"}
