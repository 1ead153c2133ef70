from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from erp.health import health, health_live, health_ready, healthz, readyz
from erp.metrics import metrics_view

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    # Where the predecessor's clients look (PREDECESSOR_API.md 6).
    path("health", health, name="health"),
    path("api/health", health, name="api-health"),
    path("healthz/live", health_live, name="health-live"),
    path("api/healthz/live", health_live, name="api-health-live"),
    path("healthz/ready", health_ready, name="health-ready"),
    path("api/healthz/ready", health_ready, name="api-health-ready"),
    path("api/", include("erp.auth.urls")),
    # Few fixed paths before the sync router's many patterns: a cached read should not pay for trying
    # them all (about 0.4 ms a request).
    path("api/", include("cache.api.urls")),  # the cache layer: cached reads and cache stats
    path("api/", include("ratelimit.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/", include("sync.api.urls")),
    path("admin/", admin.site.urls),
]
