from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from erp.health import health, health_live, health_ready, healthz, readyz
from erp.metrics import metrics_view
from erp.views import landing

urlpatterns = [
    path("", landing, name="landing"),
    # Browsers ask every site for /favicon.ico; one answer instead of a 404 in each page's log.
    path("favicon.ico", RedirectView.as_view(url=static("erp/favicon.svg"), permanent=True)),
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
    path("api/", include("erp.audit.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI and ReDoc load their scripts from drf-spectacular-sidecar's static files (no CDN).
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", include("sync.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
