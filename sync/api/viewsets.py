"""DRF viewsets for sync tasks, catalog files and field templates; they submit work through the same
services as the seed endpoints and answer in the same envelope."""

from dataclasses import asdict
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django_celery_results.models import TaskResult
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from erp.api.envelope import respond
from erp.api.schema import ERRORS, enveloped, enveloped_page
from sync.api import data_sync_views
from sync.api.data_sync_serializers import RetryRequest, SubmissionSerializer
from sync.api.filters import CatalogFileFilter, FieldTemplateFilter, StableOrderingFilter, SyncTaskFilter
from sync.api.viewset_serializers import (QUARANTINE_SHOWN, CatalogFileDetailSerializer, CatalogFileRollbackRequest,
                                          CatalogFileSerializer, CatalogFileSyncRequest, CatalogFileUploadRequest,
                                          CorrectionUploadRequest,
                                          FieldTemplateSerializer, RollbackOutcomeSerializer, SyncTaskCreateRequest,
                                          SyncPreviewSerializer, SyncTaskDetailSerializer, SyncTaskSerializer)
from sync.ingest.engine import SyncOptions
from sync.models import CatalogFile, FieldTemplate, SyncPreview, SyncProgressTask, TaskStatus, TaskType
from sync.selectors import task_queue_place, tasks_visible_to
from sync.services.error_workbooks import (XLSX_TYPE, corrections_catalog, error_workbook, error_workbook_name,
                                           task_files_with_quarantine)
from sync.services.previews import file_preview, preview_approve
from sync.services.rollback import file_rollback
from sync.services.task_lifecycle import sync_task_cancel, sync_task_retry
from sync.services.uploads import catalog_upload

# The seed endpoint of each task type: its request serializer says which fields the type takes and its
# files() chooses the files, so both ways of submitting pick the same files.
SEED_SUBMIT_VIEWS = {
    TaskType.SINGLE_FILE: data_sync_views.SyncSingleView,
    TaskType.BATCH: data_sync_views.SyncBatchView,
    TaskType.BATCH_BY_IDS: data_sync_views.SyncBatchByIdsView,
    TaskType.BATCH_ALL: data_sync_views.SyncBatchAllView,
}
SUBMITTED = {202: enveloped(SubmissionSerializer),
             200: OpenApiResponse(enveloped(SubmissionSerializer), description="no pending file: no task")}
WORKBOOK = {(200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description=(
    "the quarantined rows as the source had them, a reasons column, the offending cells highlighted and a "
    "hidden sheet naming the source file"))}


def workbook_response(files: list[CatalogFile], *, task_id: str = "") -> HttpResponse:
    response = HttpResponse(error_workbook(files=files), content_type=XLSX_TYPE)
    name = error_workbook_name(files, task_id=task_id)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


class _Listed:
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]


@extend_schema_view(
    list=extend_schema(summary="The caller's sync tasks (staff: everyone's)",
                       responses={200: enveloped_page(SyncTaskSerializer),
                                  **ERRORS(400, 401, 404)}),
    retrieve=extend_schema(summary="One task with per-file results, queue place and Celery result",
                           responses={200: enveloped(SyncTaskDetailSerializer), **ERRORS(401, 404)}),
    create=extend_schema(summary="Submit a sync task", request=SyncTaskCreateRequest,
                         responses={**SUBMITTED, **ERRORS(400, 401, 404, 409, 429)}),
    cancel=extend_schema(summary="Cancel a queued or running task", request=None,
                         responses={200: enveloped(SyncTaskSerializer), **ERRORS(401, 404, 409)}),
    retry=extend_schema(summary="Run a failed or cancelled task again", request=RetryRequest,
                        responses={202: enveloped(SubmissionSerializer), **ERRORS(400, 401, 404, 409, 429)}),
    error_workbook=extend_schema(summary="The quarantined rows of the task's files as an xlsx to fix and upload back",
                                 responses={**WORKBOOK, **ERRORS(401, 404)}),
)
@extend_schema(tags=["sync-tasks"])
class SyncTaskViewSet(_Listed, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = SyncTaskSerializer
    lookup_field = "task_id"
    filterset_class = SyncTaskFilter
    ordering_fields = ["created_at", "priority", "status"]
    ordering = ["-created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return SyncProgressTask.objects.none()
        # Someone else's task is then a 404 like a missing one, so ids cannot be probed.
        return tasks_visible_to(self.request.user)

    def retrieve(self, request, task_id: str):
        task = self.get_object()
        task.queue = task_queue_place(task)
        task.celery_result = TaskResult.objects.filter(task_id=task.task_id).first()
        return respond(SyncTaskDetailSerializer(task).data)

    def create(self, request):
        params = SyncTaskCreateRequest(data=request.data)
        params.is_valid(raise_exception=True)
        seed = SEED_SUBMIT_VIEWS[params.validated_data["task_type"]]
        taken = seed.request_serializer().fields
        data = {k: v for k, v in params.validated_data.items() if k in taken}
        file_ids, missing = seed().files(data)
        return data_sync_views.submit_and_respond(user=request.user, task_type=seed.task_type, data=data,
                                             file_ids=file_ids, missing=missing)

    @action(detail=True, methods=["post"])
    def cancel(self, request, task_id: str):
        task = sync_task_cancel(task=self.get_object())
        message = _("Task cancelled.") if task.status == TaskStatus.CANCELLED else _(
            "Cancel requested: the task stops after the file it is syncing.")
        return respond(SyncTaskSerializer(task).data, message=message)

    @action(detail=True, methods=["post"])
    def retry(self, request, task_id: str):
        params = RetryRequest(data=request.data)
        params.is_valid(raise_exception=True)
        task = sync_task_retry(task=self.get_object(), all_files=params.validated_data["all_files"])
        return data_sync_views.submission_response(task, total_files=task.total_files, message=_("Task queued again."))

    @action(detail=True, methods=["get"], url_path="error-workbook")
    def error_workbook(self, request, task_id: str):
        task = self.get_object()
        return workbook_response(task_files_with_quarantine(task.file_ids), task_id=task.task_id)


@extend_schema_view(
    list=extend_schema(summary="Catalogued export files",
                       responses={200: enveloped_page(CatalogFileSerializer), **ERRORS(400, 401, 404)}),
    retrieve=extend_schema(summary="One file with its first quarantined rows",
                           responses={200: enveloped(CatalogFileDetailSerializer), **ERRORS(401, 404)}),
    create=extend_schema(
        summary="Upload an export file into the inbox and catalog it",
        request={"multipart/form-data": CatalogFileUploadRequest},
        responses={201: enveloped(CatalogFileSerializer),
                   200: OpenApiResponse(enveloped(CatalogFileSerializer),
                                        description="identical content already catalogued: stored as a skipped "
                                                    "duplicate, `duplicate_of` names the original"),
                   **ERRORS(400, 401)}),
    sync=extend_schema(summary="Submit a sync task for this file", request=CatalogFileSyncRequest,
                       responses={202: enveloped(SubmissionSerializer), **ERRORS(400, 401, 404, 409, 429)}),
    preview=extend_schema(summary="Preview this file's sync: run it, write nothing, keep what it would write",
                          request=None, responses={201: enveloped(SyncPreviewSerializer), **ERRORS(401, 404)}),
    error_workbook=extend_schema(summary="This file's quarantined rows (and its corrections') as an xlsx to fix",
                                 responses={**WORKBOOK, **ERRORS(401, 404)}),
    corrections=extend_schema(
        summary="Upload an error workbook back: each sheet becomes a correction of its file, synced at once",
        request={"multipart/form-data": CorrectionUploadRequest},
        responses={202: enveloped(SubmissionSerializer), **ERRORS(400, 401, 429)}),
    rollback=extend_schema(summary="Staff: restore the fact tables to what they were before this file",
                           request=CatalogFileRollbackRequest,
                           responses={200: enveloped(RollbackOutcomeSerializer), **ERRORS(400, 401, 403, 404, 409)}),
)
@extend_schema(tags=["catalog-files"])
class CatalogFileViewSet(_Listed, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Shared company data: every authenticated user may list, upload and sync."""

    queryset = CatalogFile.objects.select_related("template")
    serializer_class = CatalogFileSerializer
    filterset_class = CatalogFileFilter
    ordering_fields = ["first_seen_at", "last_synced_at", "file_name", "size_bytes", "status", "id"]
    ordering = ["-first_seen_at"]

    def retrieve(self, request, pk):
        file = self.get_object()
        rows = file.quarantined_rows.open().order_by("source_row", "pk")
        file.quarantine_sample = rows[:QUARANTINE_SHOWN]
        file.quarantine_total = rows.count()
        return respond(CatalogFileDetailSerializer(file).data)

    def create(self, request):
        params = CatalogFileUploadRequest(data=request.data)
        params.is_valid(raise_exception=True)
        fields = dict(params.validated_data)
        result = catalog_upload(upload=fields.pop("file"), **fields)
        data = CatalogFileSerializer(result.file).data
        if result.duplicate_of:
            return respond(data, message=_("Identical content is already catalogued as %(path)s; this copy is "
                                           "skipped.") % {"path": result.duplicate_of.path})
        return respond(data, message=_("File stored and catalogued."), status_code=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], parser_classes=[JSONParser])  # `options` is a nested object
    def sync(self, request, pk):
        file = self.get_object()
        params = CatalogFileSyncRequest(data=request.data)
        params.is_valid(raise_exception=True)
        options = {**asdict(SyncOptions()), **params.validated_data.get("options", {})}
        data = {"file_id": file.pk, "priority": params.validated_data["priority"],
                "dry_run": params.validated_data["dry_run"], **options}
        return data_sync_views.submit_and_respond(user=request.user, task_type=TaskType.SINGLE_FILE, data=data,
                                             file_ids=[file.pk])

    @action(detail=True, methods=["post"])
    def preview(self, request, pk):
        preview = file_preview(file_id=self.get_object().pk, user=request.user)
        return respond(SyncPreviewSerializer(preview).data, message=_("Preview stored: approve it to write it."),
                       status_code=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"], url_path="error-workbook")
    def error_workbook(self, request, pk):
        return workbook_response([self.get_object()])

    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def corrections(self, request):
        params = CorrectionUploadRequest(data=request.data)
        params.is_valid(raise_exception=True)
        files = corrections_catalog(upload=params.validated_data["file"])
        data = {"file_ids": [f.pk for f in files], "priority": params.validated_data["priority"],
                **asdict(SyncOptions())}
        return data_sync_views.submit_and_respond(user=request.user, task_type=TaskType.BATCH_BY_IDS, data=data,
                                                  file_ids=data["file_ids"])

    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAdminUser])
    def rollback(self, request, pk):
        file = self.get_object()
        params = CatalogFileRollbackRequest(data=request.data)
        params.is_valid(raise_exception=True)
        outcome = file_rollback(file_id=file.pk, cascade=params.validated_data["cascade"])
        return respond(RollbackOutcomeSerializer(outcome.as_dict()).data,
                       message=_("Rolled back %(count)d file(s).") % {"count": len(outcome.files)})


@extend_schema_view(
    list=extend_schema(summary="Sync previews, newest first", responses={200: enveloped_page(SyncPreviewSerializer),
                                                                        **ERRORS(400, 401, 404)}),
    retrieve=extend_schema(summary="One preview: counts, a sample of changes, the sync's decisions",
                           responses={200: enveloped(SyncPreviewSerializer), **ERRORS(401, 404)}),
    approve=extend_schema(summary="Write what the preview showed, unless the file or its rows changed since",
                          request=None, responses={200: enveloped(SyncPreviewSerializer), **ERRORS(401, 404, 409)}),
)
@extend_schema(tags=["previews"])
class SyncPreviewViewSet(_Listed, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Shared company data, as the catalog files they preview."""

    queryset = SyncPreview.objects.all()
    serializer_class = SyncPreviewSerializer
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at"]

    def retrieve(self, request, pk):
        return respond(SyncPreviewSerializer(self.get_object()).data)

    @action(detail=True, methods=["post"])
    def approve(self, request, pk):
        preview = preview_approve(preview_id=self.get_object().pk)
        return respond(SyncPreviewSerializer(preview).data, message=_("Preview approved: the file is synced."))


class IsStaffOrReadOnly(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or request.user.is_staff


TEMPLATE = enveloped(FieldTemplateSerializer)


@extend_schema_view(
    list=extend_schema(summary="Field templates",
                       responses={200: enveloped_page(FieldTemplateSerializer), **ERRORS(400, 401, 404)}),
    retrieve=extend_schema(responses={200: TEMPLATE, **ERRORS(401, 404)}),
    create=extend_schema(summary="Create a template (staff)", responses={201: TEMPLATE, **ERRORS(400, 401, 403)}),
    update=extend_schema(summary="Replace a template (staff)", responses={200: TEMPLATE, **ERRORS(400, 401, 403, 404)}),
    partial_update=extend_schema(summary="Change a template (staff)",
                                 responses={200: TEMPLATE, **ERRORS(400, 401, 403, 404)}),
    destroy=extend_schema(summary="Delete a template (staff)",
                          responses={200: OpenApiResponse(TEMPLATE, description="the deleted template"),
                                     **ERRORS(401, 403, 404)}),
)
@extend_schema(tags=["templates"])
class FieldTemplateViewSet(_Listed, viewsets.ModelViewSet):
    queryset = FieldTemplate.objects.all()
    serializer_class = FieldTemplateSerializer
    parser_classes = [JSONParser]  # mapping, types and options are nested objects
    permission_classes = [permissions.IsAuthenticated, IsStaffOrReadOnly]
    filterset_class = FieldTemplateFilter
    ordering_fields = ["platform_code", "data_domain", "name", "version", "updated_at", "id"]
    ordering = ["platform_code", "data_domain", "granularity", "-version"]

    def destroy(self, request, pk):
        # 200 with the template rather than 204: the envelope renderer gives every success a body.
        template = self.get_object()
        data = self.get_serializer(template).data
        template.delete()
        return respond(data, message=_("Template deleted."))
