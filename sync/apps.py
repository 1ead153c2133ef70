from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = _("Data sync")

    def ready(self):
        # A worker serves the sync's counters on ERP_WORKER_METRICS_PORT; the hooks are Celery signals,
        # so the Celery app itself needs to know nothing of them.
        from sync import worker_metrics  # noqa: F401
