"""The Celery app. Its configuration is the CELERY_* names in erp.settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

app = Celery("erp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A worker serves its own counters when ERP_WORKER_METRICS_PORT is set (erp/worker_metrics.py).
from erp import worker_metrics  # noqa: E402,F401
