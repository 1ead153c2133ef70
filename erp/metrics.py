"""/metrics: django-prometheus's request metrics and every counter of this process group (summed over the
gunicorn or celery worker processes in PROMETHEUS_MULTIPROC_DIR), plus the scrape-time collectors the apps
list in settings.METRICS_COLLECTORS (the sync's gauges, the cache's counters)."""

import ipaddress
import os

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.utils.module_loading import import_string
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess


def metrics_view(request):
    if not _allowed(request.META.get("REMOTE_ADDR", "")):
        return HttpResponseForbidden("metrics are not served to this address\n", content_type="text/plain")
    registry = process_registry()
    for collector in (_load(path) for path in settings.METRICS_COLLECTORS):
        registry.register(collector)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def process_registry() -> CollectorRegistry:
    """A fresh registry holding what this process group counted. In multiprocess mode the counters live in
    files, one per process, and the collector sums them; a registry is built per scrape, as collectors
    registered once on the default registry would be lost to the files (django-prometheus's own export
    view does the same)."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_DefaultRegistry())
    return registry


class _DefaultRegistry:
    """The process's own registry, for a single process (runserver, a worker without a metrics dir)."""

    def collect(self):
        return REGISTRY.collect()


def _load(path: str):
    """A dotted path to a collector class or factory (cache and rate-limit apps plug theirs in here)."""
    return import_string(path)()


def _allowed(address: str) -> bool:
    networks = settings.METRICS_ALLOWED_NETWORKS
    if not networks:
        return True
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(network, strict=False) for network in networks)
