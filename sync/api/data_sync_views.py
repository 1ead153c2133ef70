"""The submissions as this service's modern API answers them (202, queued, the queue place): the
/api/sync-tasks/ viewset submits through these views, and /api/data-sync/user-task-count is served here.
The predecessor's /api/data-sync/* contract is sync/api/predecessor/ (issue 15), over the same services."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from erp.api.envelope import respond
from erp.api.schema import ERRORS, enveloped
from sync.api.data_sync_serializers import (BatchAllSyncRequest, BatchByIdsSyncRequest, BatchSyncRequest,
                                            SingleFileSyncRequest, SubmissionSerializer, SyncOptionsSerializer,
                                            UserTaskCountSerializer)
from sync.ingest.engine import SyncOptions
from sync.models import SyncProgressTask, TaskType
from sync.selectors import task_queue_place
from sync.services.quota import quota_usage
from sync.services.submission import files_existing, files_matching
from sync.services.task_lifecycle import sync_task_create

SEED_TAG = "data-sync (predecessor endpoints)"


def submission_response(task: SyncProgressTask | None, *, total_files: int, missing=None, message: str = ""):
    place = task_queue_place(task) if task else None
    data = {
        "task_id": task and task.task_id,
        "status": task.status if task else "nothing_to_do",
        "priority": task and task.priority,
        "total_files": total_files,
        "queue_position": place and place.position,
        "estimated_start": place and place.estimated_start,
        "estimate_basis": place.basis if place else "",
        "fallback": bool(task and task.dispatch_error),
    }
    if missing is not None:
        data["missing_file_ids"] = missing
    payload = SubmissionSerializer(data).data
    if data["fallback"]:
        message = _("The broker is unreachable: the task is saved and will be dispatched when it is back.")
    code = status.HTTP_202_ACCEPTED if task else status.HTTP_200_OK
    return respond(payload, message=message or _("Sync task submitted."), status_code=code)


def submit_and_respond(*, user, task_type: str, data: dict, file_ids: list[int], missing=None):
    """sync_task_create and the 202 answer (200 without a task when there is nothing to sync); the seed
    endpoints and the sync-tasks viewset both submit through here."""
    if not file_ids:
        return submission_response(None, total_files=0, missing=missing,
                                   message=_("There are no pending files to sync."))
    options = SyncOptions.of(data)
    task = sync_task_create(user=user, task_type=task_type, file_ids=file_ids, priority=data["priority"],
                            options=options, parameters={k: v for k, v in data.items() if k != "file_ids"})
    return submission_response(task, total_files=len(file_ids), missing=missing)


class _Submit(APIView):
    request_serializer: type[SyncOptionsSerializer]
    task_type: str

    def post(self, request):
        params = self.request_serializer(data=request.data)
        params.is_valid(raise_exception=True)
        file_ids, missing = self.files(params.validated_data)
        return submit_and_respond(user=request.user, task_type=self.task_type, data=params.validated_data,
                                  file_ids=file_ids, missing=missing)

    def files(self, data) -> tuple[list[int], list[int] | None]:
        raise NotImplementedError


@extend_schema(tags=[SEED_TAG], request=SingleFileSyncRequest,
               responses={202: enveloped(SubmissionSerializer), **ERRORS(400, 401, 404, 409, 429)})
class SyncSingleView(_Submit):
    request_serializer = SingleFileSyncRequest
    task_type = TaskType.SINGLE_FILE

    def files(self, data):
        return [data["file_id"]], None  # a missing file is found out when it is queued (404)


# Batches take pending files only, so a file another task holds is never chosen (no 409 here).
@extend_schema(tags=[SEED_TAG], request=BatchSyncRequest,
               responses={202: enveloped(SubmissionSerializer),
                          200: OpenApiResponse(enveloped(SubmissionSerializer), description="no pending file"),
                          **ERRORS(400, 401, 429)})
class SyncBatchView(_Submit):
    request_serializer = BatchSyncRequest
    task_type = TaskType.BATCH

    def files(self, data):
        return files_matching(platform=data["platform"], domains=data["domains"],
                              granularities=data["granularities"], since_hours=data.get("since_hours"),
                              limit=data["limit"]), None


@extend_schema(tags=[SEED_TAG], request=BatchByIdsSyncRequest,
               responses={202: enveloped(SubmissionSerializer), **ERRORS(400, 401, 404, 409, 429)})
class SyncBatchByIdsView(_Submit):
    request_serializer = BatchByIdsSyncRequest
    task_type = TaskType.BATCH_BY_IDS

    def files(self, data):
        found, missing = files_existing(data["file_ids"])
        if not found:
            raise NotFound(_("None of the requested files exist: %(ids)s") % {"ids": missing[:50]})
        return found, missing


@extend_schema(tags=[SEED_TAG], request=BatchAllSyncRequest,
               responses={202: enveloped(SubmissionSerializer),
                          200: OpenApiResponse(enveloped(SubmissionSerializer), description="no pending file"),
                          **ERRORS(400, 401, 429)})
class SyncBatchAllView(_Submit):
    request_serializer = BatchAllSyncRequest
    task_type = TaskType.BATCH_ALL

    def files(self, data):
        return files_matching(), None


@extend_schema(tags=[SEED_TAG], responses={200: enveloped(UserTaskCountSerializer), **ERRORS(401)})
class UserTaskCountView(APIView):
    def get(self, request):
        usage = quota_usage(user=request.user)
        data = {"running": usage.running, "queued": usage.queued, "limit": usage.limit, "remaining": usage.remaining}
        return respond(UserTaskCountSerializer(data).data)
