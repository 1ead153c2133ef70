import pytest

from tests.processes import http_json, start_web, worker_env
from tests.run_env import stop_process

pytestmark = pytest.mark.django_db


def test_readyz_reports_each_dependency(client):
    response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 200, body
    assert set(body["checks"]) == {"database", "cache", "broker"} and body["down"] == []


@pytest.mark.worker
def test_readyz_names_what_is_down(transactional_db, redis_server):
    broker = redis_server()
    web, url = start_web(worker_env(CELERY_BROKER_URL=broker["url"]))
    try:
        assert http_json("GET", f"{url}/readyz")[0] == 200
        stop_process(broker["process"])

        status, body = http_json("GET", f"{url}/readyz")
    finally:
        stop_process(web)

    assert status == 503 and body["down"] == ["broker"] and body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]
    assert "Error" in body["checks"]["broker"]["error"]


def test_health_needs_no_login(client):
    assert client.get("/healthz").json() == {"status": "ok"}
