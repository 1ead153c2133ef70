"""Thin views of the predecessor's /api/data-sync/* contract over the same services as the modern API:
sync_task_create / cancel / retry, the selectors, catalog_scan. Only the shapes differ."""

import math
import secrets

from celery.result import AsyncResult
from django.conf import settings
from django.db import IntegrityError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions

from erp.api.predecessor import (DATA_NOT_FOUND, FILE_NOT_FOUND, LEGACY_ERRORS, PARAMETER_INVALID, LegacyAPIView,
                                 LegacyError, legacy_enveloped, legacy_respond)
from sync.api.predecessor import serializers as s
from sync.ingest.engine import SyncOptions, file_preview
from sync.models import CatalogFile, FileStatus, SyncProgressTask, TaskStatus, TaskType
from sync.selectors import (catalog_diagnostics, catalog_files_listed, catalog_governance_stats, tasks_history,
                            tasks_visible_to)
from sync.services.catalog import catalog_scan
from sync.services.submission import files_existing, files_matching
from sync.services.task_lifecycle import sync_task_cancel, sync_task_create, sync_task_retry
from sync.services.templates import template_resolve

TAG = "data-sync (predecessor contract)"
ID_ATTEMPTS = 3  # an 8-hex suffix can collide with a kept task's id: drawn again


def _submit(request, *, task_type: str, prefix: str, file_ids: list[int], data: dict) -> SyncProgressTask:
    """sync_task_create under the predecessor's readable task id, which is also the Celery id."""
    options = SyncOptions.of(data)
    for attempt in range(ID_ATTEMPTS):
        task_id = f"{prefix}_{secrets.token_hex(4)}"
        try:
            return sync_task_create(user=request.user, task_type=task_type, file_ids=file_ids,
                                    priority=data.get("priority"), options=options, task_id=task_id,
                                    parameters={k: v for k, v in data.items() if k != "file_ids"})
        except IntegrityError:
            if attempt + 1 == ID_ATTEMPTS or not SyncProgressTask.objects.filter(task_id=task_id).exists():
                raise
    raise AssertionError("unreachable")


def _dispatch_fields(task: SyncProgressTask) -> dict:
    fields = {"celery_task_id": task.task_id}
    if task.dispatch_error:  # the broker was down: saved, published by the deferred dispatch
        fields["fallback"] = True
    return fields


@extend_schema(tags=[TAG], request=s.LegacySingleRequest,
               responses={200: legacy_enveloped(s.LegacySingleSubmitted, with_message=True),
                          **LEGACY_ERRORS(400, 401, 404, 409, 429)})
class SingleView(LegacyAPIView):
    def post(self, request):
        params = s.LegacySingleRequest(data=request.data)
        params.is_valid(raise_exception=True)
        file = CatalogFile.objects.filter(pk=params.validated_data["file_id"]).only("pk", "file_name").first()
        if file is None:
            raise LegacyError(_("File does not exist"), http_status=404, code=FILE_NOT_FOUND)
        task = _submit(request, task_type=TaskType.SINGLE_FILE, prefix=f"single_file_{file.pk}", file_ids=[file.pk],
                       data=params.validated_data)
        data = {"task_id": task.task_id, **_dispatch_fields(task), "file_id": file.pk, "file_name": file.file_name,
                "status": "pending", "message": _("Sync task submitted, processing in the background")}
        return legacy_respond(data, message=_("Sync task submitted"))


@extend_schema(tags=[TAG], request=s.LegacyBatchRequest,
               responses={200: legacy_enveloped(s.LegacyBatchSubmitted, with_message=True), **LEGACY_ERRORS(400, 401, 429)})
class BatchView(LegacyAPIView):
    def post(self, request):
        params = s.LegacyBatchRequest(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        file_ids = files_matching(platform=data["platform"] or "*", domains=data["domains"] or (),
                                  granularities=data["granularities"] or (), since_hours=data["since_hours"] or None,
                                  limit=data["limit"])
        if not file_ids:
            return legacy_respond({"task_id": f"batch_{secrets.token_hex(4)}", "total_files": 0, "processed_files": 0},
                                  message=_("There are no pending files to sync."))
        task = _submit(request, task_type=TaskType.BATCH, prefix="batch", file_ids=file_ids, data=data)
        return legacy_respond({"task_id": task.task_id, **_dispatch_fields(task), "total_files": len(file_ids),
                               "processed_files": 0},
                              message=_("Batch sync submitted, processing %(count)s files") % {"count": len(file_ids)})


@extend_schema(tags=[TAG], request=s.LegacyBatchByIdsRequest,
               responses={200: legacy_enveloped(s.LegacyBatchSubmitted, with_message=True),
                          **LEGACY_ERRORS(400, 401, 404, 409, 429)})
class BatchByIdsView(LegacyAPIView):
    def post(self, request):
        params = s.LegacyBatchByIdsRequest(data=request.data)
        params.is_valid(raise_exception=True)
        found, missing = files_existing(params.validated_data["file_ids"])
        if not found:
            raise LegacyError(_("No valid files found"), http_status=404, code=DATA_NOT_FOUND, detail={"missing": missing[:50]})
        task = _submit(request, task_type=TaskType.BATCH_BY_IDS, prefix="batch_ids", file_ids=found,
                       data=params.validated_data)
        return legacy_respond({"task_id": task.task_id, **_dispatch_fields(task), "total_files": len(found),
                               "processed_files": 0, "missing_file_ids": missing or None},
                              message=_("Batch sync submitted, processing %(count)s files") % {"count": len(found)})


@extend_schema(tags=[TAG], request=None,
               responses={200: legacy_enveloped(s.LegacyBatchAllSubmitted, with_message=True), **LEGACY_ERRORS(401, 409, 429)})
class BatchAllView(LegacyAPIView):
    def post(self, request):
        file_ids = files_matching()  # the body is ignored, as the predecessor did
        if not file_ids:
            return legacy_respond({"task_id": None, "file_count": 0},
                                  message=_("No pending files with a template were found"))
        task = _submit(request, task_type=TaskType.BATCH_ALL, prefix="batch_all", file_ids=file_ids, data={})
        message = _("Batch sync of %(count)s files started") % {"count": len(file_ids)}
        return legacy_respond({"task_id": task.task_id, **_dispatch_fields(task), "file_count": len(file_ids),
                               "message": message}, message=message)


class _OneTask(LegacyAPIView):
    def task(self, task_id: str) -> SyncProgressTask:
        """Another user's task is answered like a missing one, so ids cannot be probed."""
        task = tasks_visible_to(self.request.user).filter(task_id=task_id).first()
        if task is None:
            raise LegacyError(_("Task %(task)s does not exist") % {"task": task_id[:100]}, http_status=404,
                              code=FILE_NOT_FOUND)
        return task


@extend_schema(tags=[TAG], responses={200: legacy_enveloped(s.LegacyProgressSerializer), **LEGACY_ERRORS(401, 404)})
class ProgressView(_OneTask):
    def get(self, request, task_id: str):
        return legacy_respond(s.LegacyProgressSerializer(self.task(task_id)).data)


@extend_schema(tags=[TAG], parameters=[OpenApiParameter("status", str, description="legacy or canonical status"),
                                       OpenApiParameter("limit", int, description="1-1000, default 100")],
               responses={200: legacy_enveloped(s.LegacyProgressSerializer, many=True), **LEGACY_ERRORS(400, 401)})
class TasksView(LegacyAPIView):
    def get(self, request):
        params = s.LegacyTasksQuery(data=request.query_params)
        params.is_valid(raise_exception=True)
        status = params.validated_data.get("status")
        statuses = None if not status else (s.statuses_for_filter(status) or [])
        tasks = tasks_history(user=request.user, statuses=statuses, limit=params.validated_data["limit"])
        return legacy_respond(s.LegacyProgressSerializer(tasks, many=True, context={"canonical": True}).data)


@extend_schema(tags=[TAG], responses={200: s.LegacyCeleryTaskStatus, **LEGACY_ERRORS(401)})
class TaskStatusView(LegacyAPIView):
    """Celery's view of a task, bare (the scripts read it top-level). Our row decides where Celery cannot
    know: queued or cancelled. An unknown id, or another user's, reads PENDING as Celery answers it."""

    def get(self, request, celery_task_id: str):
        task = tasks_visible_to(request.user).filter(task_id=celery_task_id).first()
        return legacy_respond(_celery_status(celery_task_id, task), bare=True)


def _celery_status(celery_id: str, task: SyncProgressTask | None) -> dict:
    if task is None:
        state, result = "PENDING", None
    elif task.status == TaskStatus.CANCELLED:
        state, result = "REVOKED", None
    elif task.status == TaskStatus.QUEUED:  # also a retried task, whose stored result is the last run's
        state, result = "PENDING", None
    else:
        result = AsyncResult(celery_id)
        state = result.state
        if task.status == TaskStatus.PROCESSING and state in ("PENDING", "SUCCESS", "FAILURE"):
            state = "STARTED"  # running again, or its result not stored yet
    ready = state in ("SUCCESS", "FAILURE", "REVOKED")
    successful = None if not ready else state == "SUCCESS"
    value = result.result if result is not None and ready else None
    info = None
    if isinstance(value, BaseException):
        info = {"error": str(value), "error_type": type(value).__name__}
    elif isinstance(value, dict):
        info = value
    elif value is not None:
        info = {"value": value}
    return {"celery_task_id": celery_id, "state": state, "ready": ready, "successful": successful,
            "result": value if state == "SUCCESS" else None,
            "traceback": result.traceback if result is not None and state == "FAILURE" else None, "info": info}


@extend_schema(tags=[TAG], request=None, responses={200: s.LegacyCancelTaskResponse, **LEGACY_ERRORS(400, 401, 404)})
class CancelTaskView(_OneTask):
    """DELETE as the predecessor; POST kept for this service's earlier clients. Cancels through
    sync_task_cancel: a queued task at once, a running one after the file it is syncing."""

    def delete(self, request, celery_task_id: str):
        task = self.task(celery_task_id)
        if task.status not in SyncProgressTask.ACTIVE_STATUSES:
            state = _celery_status(celery_task_id, task)["state"]
            raise LegacyError(_("Cannot cancel a finished task (current state: %(state)s)") % {"state": state},
                              http_status=400, code=PARAMETER_INVALID)
        task = sync_task_cancel(task=task)
        revoked = task.status == TaskStatus.CANCELLED
        message = _("Task revoked") if revoked else _("Revoke request sent: the task stops after the file it is syncing")
        return legacy_respond({"celery_task_id": celery_task_id, "message": message, "revoked": revoked}, bare=True)

    post = delete


@extend_schema(tags=[TAG], request=None, responses={200: s.LegacyRetryTaskResponse, **LEGACY_ERRORS(400, 401, 404, 429)})
class RetryTaskView(_OneTask):
    """Really retries (the predecessor's was a stub): sync_task_retry runs the files not synced yet again
    under the same id."""

    def post(self, request, celery_task_id: str):
        task = self.task(celery_task_id)
        if task.status not in (TaskStatus.FAILED, TaskStatus.CANCELLED):
            raise LegacyError(_("Only failed or cancelled tasks can be retried (current status: %(status)s)")
                              % {"status": s.task_status_legacy(task)}, http_status=400, code=PARAMETER_INVALID)
        task = sync_task_retry(task=task)
        return legacy_respond({"original_celery_task_id": celery_task_id, "new_celery_task_id": task.task_id,
                               "new_task_id": task.task_id, "message": _("Task queued again.")}, bare=True)


@extend_schema(tags=[TAG], parameters=[s.LegacyFilesQuery], responses={200: legacy_enveloped(s.LegacyFilePage), **LEGACY_ERRORS(400, 401)})
class FilesView(LegacyAPIView):
    def get(self, request):
        params = s.LegacyFilesQuery(data=request.query_params)
        params.is_valid(raise_exception=True)
        q = params.validated_data
        status = q.get("status")
        statuses = None if not status else [s.LEGACY_FILE_FILTERS.get(status, status)]
        if statuses and statuses[0] not in FileStatus.values:
            statuses = []  # a status this service does not have (quarantined, needs_shop): none
        files = catalog_files_listed(platform=q.get("platform", ""), domain=q.get("domain", ""),
                                     granularity=q.get("granularity", ""), statuses=statuses)
        if q.get("sub_domain"):
            files = files.none()
        total = files.count()
        page, size = (1, q["limit"]) if q.get("limit") else (q["page"], q["page_size"])
        rows = files[(page - 1) * size: page * size]
        return legacy_respond({"files": s.LegacyFileSerializer(rows, many=True).data, "total": total, "page": page,
                               "page_size": size, "total_pages": math.ceil(total / size) if total else 0,
                               "hidden_semantic_invalid_count": 0, "raw_unregistered_hint": None})


class FileDetailView(LegacyAPIView):
    @extend_schema(tags=[TAG], operation_id="data_sync_file_detail",
                   responses={200: legacy_enveloped(s.LegacyFileDetailSerializer), **LEGACY_ERRORS(401, 404)})
    def get(self, request, file_id: int):
        file = CatalogFile.objects.select_related("template").filter(pk=file_id).first()
        if file is None:
            raise LegacyError(_("File does not exist"), http_status=404, code=FILE_NOT_FOUND)
        return legacy_respond(s.LegacyFileDetailSerializer(file).data)


@extend_schema(tags=[TAG], request=None, responses={200: legacy_enveloped(s.LegacyRefreshResult, with_message=True),
                                                     **LEGACY_ERRORS(401, 403)})
class FilesRefreshView(LegacyAPIView):
    """A scan of the inbox (catalog_scan, as the beat job runs it); staff only, as it writes the catalog."""

    permission_classes = [permissions.IsAdminUser]

    def post(self, request):
        report = catalog_scan(inbox=settings.ERP_INBOX_DIR)
        new_ids = list(CatalogFile.objects.filter(path__in=report.new).values_list("pk", flat=True))
        seen = len(report.new) + len(report.changed) + report.unchanged + len(report.duplicates) + len(report.unrecognised)
        data = {"seen": seen, "registered": len(report.new) + len(report.changed),
                "skipped": report.unchanged + len(report.duplicates), "new_file_ids": new_ids,
                "changed": len(report.changed), "unrecognised": report.unrecognised[:50]}
        return legacy_respond(data, message=report.summary())


@extend_schema(tags=[TAG], parameters=[s.LegacyDiagnosticsQuery],
               responses={200: legacy_enveloped(s.LegacyDiagnostics), **LEGACY_ERRORS(400, 401)})
class FilesDiagnosticsView(LegacyAPIView):
    def get(self, request):
        params = s.LegacyDiagnosticsQuery(data=request.query_params)
        params.is_valid(raise_exception=True)
        return legacy_respond(catalog_diagnostics(hours=params.validated_data["hours"]))


@extend_schema(tags=[TAG], responses={200: legacy_enveloped(s.LegacyGovernanceStats), **LEGACY_ERRORS(401)})
class GovernanceStatsView(LegacyAPIView):
    def get(self, request):
        return legacy_respond(catalog_governance_stats())


class NotProvidedView(LegacyAPIView):
    """The wider ERP's data-sync endpoints this service does not have (cleanup-database, loss analysis,
    mapping quality, ...): a JSON 404 in the envelope, never an HTML page."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    schema = None

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise LegacyError(_("Not found: this service does not provide %(path)s") % {"path": request.path[:200]},
                          http_status=404, code=FILE_NOT_FOUND)

    get = post = put = patch = delete = http_method_not_allowed


PREVIEW_ROWS = 20


@extend_schema(tags=[TAG], request=s.LegacyPreviewRequest,
               responses={200: legacy_enveloped(s.LegacyPreview), **LEGACY_ERRORS(400, 401, 404)})
class PreviewView(LegacyAPIView):
    """The file's header as the sync would read it (the engine's reader and the file's template) and its
    first rows; nothing is written."""

    def post(self, request):
        params = s.LegacyPreviewRequest(data=request.data)
        params.is_valid(raise_exception=True)
        file = CatalogFile.objects.filter(pk=params.validated_data["file_id"]).first()
        if file is None:
            raise LegacyError(_("File does not exist"), http_status=404, code=FILE_NOT_FOUND)
        template = file.template or template_resolve(file=file)
        if template is None:
            raise LegacyError(_("No active template for this file's platform and domain"), http_status=400,
                              code=PARAMETER_INVALID)
        header_row = params.validated_data["header_row"] or template.header_row  # 1-based, as the templates
        header, rows = file_preview(file=file, template=template, header_row=header_row and header_row - 1,
                                    rows=PREVIEW_ROWS)
        names = [h or f"column_{i}" for i, h in enumerate(header.headers)]
        return legacy_respond({
            "file_id": file.pk, "file_name": file.file_name, "header_row": header.row_index + 1, "headers": names,
            "field_columns": header.field_columns, "missing_fields": header.missing_fields,
            "unmapped_columns": header.unmapped_columns,
            "sample_data": [dict(zip(names, row, strict=False)) for row in rows], "total_rows_previewed": len(rows)})
