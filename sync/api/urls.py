from django.urls import include, path
from rest_framework.routers import DefaultRouter

from sync.api import viewsets
from sync.api.auth_views import TokenView

router = DefaultRouter()
router.register("sync-tasks", viewsets.SyncTaskViewSet, basename="sync-task")
router.register("catalog-files", viewsets.CatalogFileViewSet, basename="catalog-file")
router.register("templates", viewsets.FieldTemplateViewSet, basename="template")
router.register("previews", viewsets.SyncPreviewViewSet, basename="preview")

urlpatterns = [
    path("auth/token", TokenView.as_view(), name="auth-token"),
    path("", include("sync.api.predecessor.urls")),
    *router.urls,
]
