"""Liveness (/healthz: the process answers) and readiness (/readyz: database, cache and broker reachable,
each reported; 503 naming what is down). No login: load balancers and compose healthchecks call them."""

import functools
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

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


# --- Where the predecessor's clients look (PREDECESSOR_API.md 6): /health and /api/health always answer 200
# with the status inside; /healthz/live and /healthz/ready (and /api/ variants) as liveness and readiness.


def _service() -> dict:
    return {"service": settings.ERP_SERVICE_NAME, "version": settings.ERP_SERVICE_VERSION,
            "timestamp": timezone.now().isoformat()}


def health(request):
    """Always 200 (the scripts require it before anything else); `status` says whether the database answers."""
    database = _timed(_database)
    db = connection.settings_dict
    body = {
        "status": "healthy" if database["ok"] else "unhealthy", **_service(),
        "database": {"status": "connected" if database["ok"] else "disconnected", "type": connection.vendor,
                     **({} if database["ok"] else {"error": database["error"]})},
        "dashboard": {"status": "not_applicable"},
        "routes": {"total": len(_route_names()), "endpoints": _route_names()},
        "pool": {"size": 1, "checked_out": int(connection.connection is not None), "overflow": 0,
                 "conn_max_age": db.get("CONN_MAX_AGE", 0)},
        "executors": {"celery": {"broker": "embedded" if settings.EMBEDDED_BROKER else "configured",
                                 "queues": sorted({route["queue"] for route in settings.CELERY_TASK_ROUTES.values()})}},
    }
    return JsonResponse(body)


def health_live(request):
    return JsonResponse({"status": "alive", **_service()})


def health_ready(request):
    checks = {name: _timed(check) for name, check in {"database": _database, "cache": _cache, "broker": _broker}.items()}
    ready = all(check["ok"] for check in checks.values())
    body = {"status": "ready" if ready else "unready", **_service(),
            "runtime_mode": "embedded" if settings.EMBEDDED_DATABASE else "production",
            "deployment_role": settings.ERP_DEPLOYMENT_ROLE, "checks": checks}
    return JsonResponse(body, status=200 if ready else 503)


@functools.cache
def _route_names() -> list[str]:
    from django.urls import get_resolver

    return sorted(name for name in get_resolver().reverse_dict if isinstance(name, str))
