from django.urls import path
from rest_framework.routers import DefaultRouter

from sync.api import data_sync_views, viewsets
from sync.api.auth_views import TokenView

router = DefaultRouter()
router.register("sync-tasks", viewsets.SyncTaskViewSet, basename="sync-task")
router.register("catalog-files", viewsets.CatalogFileViewSet, basename="catalog-file")
router.register("templates", viewsets.FieldTemplateViewSet, basename="template")

urlpatterns = [
    path("auth/token", TokenView.as_view(), name="auth-token"),
    path("data-sync/single", data_sync_views.SyncSingleView.as_view(), name="data-sync-single"),
    path("data-sync/batch", data_sync_views.SyncBatchView.as_view(), name="data-sync-batch"),
    path("data-sync/batch-by-ids", data_sync_views.SyncBatchByIdsView.as_view(), name="data-sync-batch-by-ids"),
    path("data-sync/batch-all", data_sync_views.SyncBatchAllView.as_view(), name="data-sync-batch-all"),
    path("data-sync/progress/<str:task_id>", data_sync_views.ProgressView.as_view(), name="data-sync-progress"),
    path("data-sync/task-status/<str:task_id>", data_sync_views.TaskStatusView.as_view(), name="data-sync-task-status"),
    path("data-sync/cancel-task/<str:task_id>", data_sync_views.CancelTaskView.as_view(), name="data-sync-cancel-task"),
    path("data-sync/retry-task/<str:task_id>", data_sync_views.RetryTaskView.as_view(), name="data-sync-retry-task"),
    path("data-sync/user-task-count", data_sync_views.UserTaskCountView.as_view(), name="data-sync-user-task-count"),
    *router.urls,
]
