from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from erp.health import healthz, readyz
from erp.metrics import metrics_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("sync.api.urls")),
    path("api/", include("ratelimit.api.urls")),
    path("api/", include("cache.api.urls")),  # the cache layer: cached reads and cache stats
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
]
