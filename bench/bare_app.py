"""Bench-only WSGI module: erp's application plus one bare submit view, served by the same gunicorn.

    python -m gunicorn bench.bare_app:application ...

POST /bench/bare-submit {"file_id": N} does the least a submission can do: one INSERT of a single_file
SyncProgressTask row and one send_task of sync.tasks.sync_single_file, then answers 202 with the task id.
No authentication, quota, priority policy, queue-position estimate, serializer or envelope: it is the
floor our POST /api/data-sync/single is compared with. Never mounted outside the bench.
"""

import json
import uuid

from erp.wsgi import application  # noqa: F401  (the WSGI entry point; also runs django.setup())

from django.http import JsonResponse  # noqa: E402
from django.urls import clear_url_caches, path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

import erp.urls  # noqa: E402
from erp.celery import app as celery_app  # noqa: E402
from sync.models import SyncProgressTask, TaskType  # noqa: E402

BARE_PATH = "bench/bare-submit"
SYNC_TASK_NAME = "sync.tasks.sync_single_file"


@csrf_exempt
def bare_submit(request):
    file_id = int(json.loads(request.body)["file_id"])
    task_id = str(uuid.uuid4())
    SyncProgressTask.objects.create(task_id=task_id, task_type=TaskType.SINGLE_FILE, file_ids=[file_id],
                                    run_file_ids=[file_id], total_files=1)
    celery_app.send_task(SYNC_TASK_NAME, kwargs={"task_id": task_id}, task_id=task_id)
    return JsonResponse({"task_id": task_id}, status=202)


erp.urls.urlpatterns.append(path(BARE_PATH, bare_submit, name="bench-bare-submit"))
clear_url_caches()
