"""Liveness (/healthz: the process answers) and readiness (/readyz: database, cache and broker reachable,
each reported; 503 naming what is down). No login: load balancers and compose healthchecks call them."""

import time

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

from erp.celery import app as celery_app

BROKER_TIMEOUT_S = 2


def healthz(request):
    return JsonResponse({"status": "ok"})


def readyz(request):
    checks = {"database": _database, "cache": _cache, "broker": _broker}
    results = {name: _timed(check) for name, check in checks.items()}
    down = [name for name, result in results.items() if not result["ok"]]
    body = {"status": "ok" if not down else "unavailable", "down": down, "checks": results}
    return JsonResponse(body, status=503 if down else 200)


def _timed(check) -> dict:
    started = time.monotonic()
    try:
        check()
    except Exception as exc:  # any failure means not ready; the reason is reported, not raised
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache():
    cache.set("erp:readyz", "1", 10)
    if cache.get("erp:readyz") != "1":
        raise RuntimeError("cache did not return what was written")


def _broker():
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_S)
