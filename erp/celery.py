"""The Celery app. Its configuration is the CELERY_* names in erp.settings. It imports nothing of the
project: each app wires its own worker hooks through Celery's signals (e.g. sync/worker_metrics.py)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

app = Celery("erp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
