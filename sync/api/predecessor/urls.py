from django.urls import path, re_path

from sync.api import data_sync_views
from sync.api.predecessor import views

urlpatterns = [
    path("data-sync/single", views.SingleView.as_view(), name="data-sync-single"),
    path("data-sync/batch", views.BatchView.as_view(), name="data-sync-batch"),
    path("data-sync/batch-by-ids", views.BatchByIdsView.as_view(), name="data-sync-batch-by-ids"),
    path("data-sync/batch-all", views.BatchAllView.as_view(), name="data-sync-batch-all"),
    path("data-sync/progress/<str:task_id>", views.ProgressView.as_view(), name="data-sync-progress"),
    path("data-sync/tasks", views.TasksView.as_view(), name="data-sync-tasks"),
    path("data-sync/task-status/<str:celery_task_id>", views.TaskStatusView.as_view(), name="data-sync-task-status"),
    path("data-sync/cancel-task/<str:celery_task_id>", views.CancelTaskView.as_view(), name="data-sync-cancel-task"),
    path("data-sync/retry-task/<str:celery_task_id>", views.RetryTaskView.as_view(), name="data-sync-retry-task"),
    # This service's own (not the predecessor's): the caller's quota.
    path("data-sync/user-task-count", data_sync_views.UserTaskCountView.as_view(), name="data-sync-user-task-count"),
    path("data-sync/files", views.FilesView.as_view(), name="data-sync-files"),
    path("data-sync/files/refresh", views.FilesRefreshView.as_view(), name="data-sync-files-refresh"),
    path("data-sync/files/diagnostics", views.FilesDiagnosticsView.as_view(), name="data-sync-files-diagnostics"),
    path("data-sync/files/<int:file_id>", views.FileDetailView.as_view(), name="data-sync-file"),
    path("data-sync/governance/stats", views.GovernanceStatsView.as_view(), name="data-sync-governance-stats"),
    path("data-sync/preview", views.PreviewView.as_view(), name="data-sync-preview"),
    re_path(r"^data-sync/", views.NotProvidedView.as_view(), name="data-sync-not-provided"),
]
