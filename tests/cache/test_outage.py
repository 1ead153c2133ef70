"""Redis down means slower, not broken: a redis-server the test starts and kills. Reads fall through to
the database (X-Cache: BYPASS), writes are skipped, one warning per interval, no 500; when it is back,
caching resumes."""

import logging

import pytest
from django.conf import settings
from django.test import override_settings

from cache.decorators import BYPASS, HIT, MISS
from cache.selectors import account_stats
from cache.store import RETRY_S
from tests.cache.http import http_get
from tests.processes import start_web, wait_for, worker_env
from tests.run_env import stop_process

ENDPOINTS = ["/api/collection/accounts?enabled=true", "/api/accounts/stats", "/api/component-versions"]


def caches_on(url: str) -> dict:
    return {**settings.CACHES, settings.ERP_CACHE_ALIAS: {**settings.CACHES[settings.ERP_CACHE_ALIAS], "LOCATION": url}}


@pytest.mark.django_db
def test_lookups_fall_through_to_the_database_and_warn_once_while_redis_is_down(redis_server, accounts, caplog):
    redis = redis_server()
    with override_settings(CACHES=caches_on(redis["url"])):
        assert account_stats.lookup().source == MISS
        assert account_stats.lookup().source == HIT
        stop_process(redis["process"])

        with caplog.at_level(logging.WARNING, logger="cache.store"):
            lookups = [account_stats.lookup() for _ in range(20)]

        assert {lookup.source for lookup in lookups} == {BYPASS}
        assert all(lookup.value["total"] == 5 for lookup in lookups)
        assert len([r for r in caplog.records if "cache unavailable" in r.message]) == 1

        redis_server(port=redis["port"])
        wait_for(lambda: account_stats.lookup().source == HIT, timeout=RETRY_S * 6, what="caching to resume")


@pytest.mark.worker
def test_the_three_endpoints_answer_through_an_outage_and_cache_again_after(redis_server, transactional_db, accounts,
                                                                            versions):
    from erp.users import api_user_create

    token = api_user_create(username="reader", role="normal")
    redis = redis_server()
    web, url = start_web(worker_env(REDIS_URL=redis["url"]))
    try:
        answers = {}
        for path in ENDPOINTS:
            assert http_get(url + path, token)[2]["X-Cache"] == "MISS"
            status, body, headers = http_get(url + path, token)
            assert (status, headers["X-Cache"]) == (200, "HIT")
            answers[path] = body

        stop_process(redis["process"])
        for path in ENDPOINTS:
            for _ in range(3):
                status, body, headers = http_get(url + path, token)
                assert (status, headers["X-Cache"], body) == (200, "BYPASS", answers[path])

        redis_server(port=redis["port"])
        for path in ENDPOINTS:
            wait_for(lambda: http_get(url + path, token)[2].get("X-Cache") == "HIT", timeout=RETRY_S * 6,
                     what=f"caching of {path} to resume")
            assert http_get(url + path, token)[1] == answers[path]
    finally:
        stop_process(web)
