"""The predecessor's request and response shapes. Responses are read-only serializers whose declared
fields document the schema and whose to_representation maps our rows to its vocabulary."""

from datetime import UTC

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import serializers

from sync.models import CatalogFile, FileStatus, SyncProgressTask, TaskStatus, TaskType
from sync.services.templates import template_resolve

# Our task types -> the predecessor's.
TASK_TYPES = {TaskType.SINGLE_FILE: "single_file", TaskType.BATCH: "bulk_ingest",
              TaskType.BATCH_BY_IDS: "batch_ingest", TaskType.BATCH_ALL: "batch_sync_all"}
# Our file statuses -> the predecessor's (a partial file is its partial_success).
FILE_STATUSES = {FileStatus.PARTIAL: "partial_success"}
LEGACY_FILE_FILTERS = {"partial_success": FileStatus.PARTIAL}


def task_status_legacy(task: SyncProgressTask, *, canonical: bool = False) -> str:
    """pending / processing (canonical: running) / completed / partial_success / failed / cancelled."""
    if task.status == TaskStatus.QUEUED:
        return "pending"
    if task.status == TaskStatus.PROCESSING:
        return "running" if canonical else "processing"
    if task.status == TaskStatus.FAILED and task.succeeded_files:
        return "partial_success"  # our rule fails a task with any failed file; some did sync
    return task.status


def statuses_for_filter(value: str) -> list[str] | None:
    """Our task statuses for a legacy or canonical status filter; None: matches nothing."""
    return {"pending": [TaskStatus.QUEUED], "queued": [TaskStatus.QUEUED], "processing": [TaskStatus.PROCESSING],
            "running": [TaskStatus.PROCESSING], "completed": [TaskStatus.COMPLETED], "success": [TaskStatus.COMPLETED],
            "failed": [TaskStatus.FAILED], "partial_success": [TaskStatus.FAILED],
            "cancelled": [TaskStatus.CANCELLED]}.get(value)


def iso_z(value) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value else None


def iso(value) -> str | None:
    return value.isoformat() if value else None


# --- Requests -----------------------------------------------------------------------------------------------


class _Options(serializers.Serializer):
    only_with_template = serializers.BooleanField(default=True)
    allow_quarantine = serializers.BooleanField(default=True)
    dry_run = serializers.BooleanField(default=False, help_text=_lazy(
        "preview only: the worker runs each file's sync, writes nothing and stores a preview to approve"))
    priority = serializers.IntegerField(min_value=1, max_value=10, required=False,
                                        help_text=_lazy("1-10, 10 highest; default 5, capped by role"))


class LegacySingleRequest(_Options):
    file_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    use_template_header_row = serializers.BooleanField(default=True)


class LegacyBatchRequest(_Options):
    platform = serializers.CharField(required=False, allow_null=True, default=None, max_length=50,
                                     help_text=_lazy("null or * for all platforms; an unknown one matches nothing"))
    domains = serializers.ListField(child=serializers.CharField(max_length=50), required=False, allow_null=True,
                                    default=None, max_length=50)
    granularities = serializers.ListField(child=serializers.CharField(max_length=50), required=False,
                                          allow_null=True, default=None, max_length=50)
    since_hours = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0,
                                           max_value=10**6, help_text=_lazy("0 or null: no time filter"))
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)


class LegacyBatchByIdsRequest(_Options):
    file_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
                                     min_length=1, max_length=1000)
    use_template_header_row = serializers.BooleanField(default=True)


class LegacyFilesQuery(serializers.Serializer):
    platform = serializers.CharField(required=False, max_length=50)
    domain = serializers.CharField(required=False, max_length=50)
    granularity = serializers.CharField(required=False, max_length=50)
    sub_domain = serializers.CharField(required=False, max_length=50,
                                       help_text=_lazy("accepted; this service's files have no sub-domain"))
    status = serializers.CharField(required=False, max_length=50)
    page = serializers.IntegerField(min_value=1, max_value=10**6, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=200, default=50)
    limit = serializers.IntegerField(min_value=1, max_value=1000, required=False,
                                     help_text=_lazy("deprecated: the first N files, overrides paging"))
    collection_task_id = serializers.CharField(required=False, max_length=100,
                                               help_text=_lazy("accepted; files here are not tied to a collection"))


class LegacyTasksQuery(serializers.Serializer):
    status = serializers.CharField(required=False, max_length=50)
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)


class LegacyDiagnosticsQuery(serializers.Serializer):
    hours = serializers.IntegerField(min_value=1, max_value=24 * 365, default=24)


# --- Responses ----------------------------------------------------------------------------------------------


class LegacySingleSubmitted(serializers.Serializer):
    task_id = serializers.CharField(help_text="single_file_<file_id>_<8 hex>")
    celery_task_id = serializers.CharField()
    file_id = serializers.IntegerField()
    file_name = serializers.CharField()
    status = serializers.CharField(default="pending")
    message = serializers.CharField()
    fallback = serializers.BooleanField(required=False, help_text="the broker was down: dispatched when it is back")


class LegacyBatchSubmitted(serializers.Serializer):
    task_id = serializers.CharField(help_text="batch_<8 hex> or batch_ids_<8 hex>")
    celery_task_id = serializers.CharField(required=False)
    total_files = serializers.IntegerField()
    processed_files = serializers.IntegerField()
    missing_file_ids = serializers.ListField(child=serializers.IntegerField(), allow_null=True, required=False)
    fallback = serializers.BooleanField(required=False)


class LegacyBatchAllSubmitted(serializers.Serializer):
    task_id = serializers.CharField(allow_null=True, help_text="batch_all_<8 hex>; null when nothing to sync")
    celery_task_id = serializers.CharField(required=False)
    file_count = serializers.IntegerField()
    message = serializers.CharField(required=False)
    fallback = serializers.BooleanField(required=False)


class LegacyTimedMessage(serializers.Serializer):
    time = serializers.CharField(allow_null=True)
    message = serializers.CharField()
    file_name = serializers.CharField(allow_null=True)


class LegacyProgressSerializer(serializers.Serializer):
    """A task in the predecessor's progress vocabulary (PREDECESSOR_API.md 5.5). A finished task accounts for
    every file: those a cancel or a failure left unsynced count as skipped, so processed_files reaches
    total_files and the page stops polling."""

    task_id = serializers.CharField()
    task_type = serializers.CharField(help_text="single_file, bulk_ingest, batch_ingest or batch_sync_all")
    trigger_source = serializers.CharField(help_text="manual or auto_ingest")
    status = serializers.CharField(help_text="pending, processing, completed, failed, partial_success or cancelled; "
                                             "in the history the canonical value (running for processing)")
    canonical_status = serializers.CharField()
    total_files = serializers.IntegerField()
    processed_files = serializers.IntegerField()
    success_files = serializers.IntegerField()
    failed_files = serializers.IntegerField()
    skipped_files = serializers.IntegerField()
    blocked_files = serializers.IntegerField()
    current_file = serializers.CharField(allow_blank=True)
    current_item = serializers.CharField(allow_null=True)
    progress_percent = serializers.FloatField()
    file_progress = serializers.FloatField(help_text="percent of the files done (as the predecessor)")
    row_progress = serializers.FloatField(help_text="percent of the current file's rows")
    total_rows = serializers.IntegerField()
    processed_rows = serializers.IntegerField()
    valid_rows = serializers.IntegerField()
    error_rows = serializers.IntegerField()
    quarantined_rows = serializers.IntegerField()
    errors = LegacyTimedMessage(many=True)
    warnings = LegacyTimedMessage(many=True)
    message = serializers.CharField(allow_null=True)
    error_summary = serializers.CharField(allow_null=True)
    task_details = serializers.JSONField()
    start_time = serializers.CharField()
    end_time = serializers.CharField(allow_null=True)
    updated_at = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    heartbeat_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, task: SyncProgressTask) -> dict:
        canonical = self.context.get("canonical", False)
        finished = task.status not in SyncProgressTask.ACTIVE_STATUSES
        unsynced = max(task.total_files - task.processed_files, 0) if finished else 0
        processed = task.processed_files + unsynced
        percent = round(100.0 * processed / task.total_files, 2) if task.total_files else (100.0 if finished else 0.0)
        errors = [_timed(entry, task.finished_at or task.updated_at) for entry in task.errors]
        started = task.started_at or (task.created_at if canonical else None)
        return {
            "task_id": task.task_id, "task_type": TASK_TYPES.get(task.task_type, task.task_type),
            "trigger_source": "manual" if task.user_id else "auto_ingest",
            "status": task_status_legacy(task, canonical=canonical),
            "canonical_status": task_status_legacy(task, canonical=True),
            "total_files": task.total_files, "processed_files": processed,
            "success_files": task.succeeded_files, "failed_files": task.failed_files,
            "skipped_files": task.skipped_files + unsynced, "blocked_files": 0,
            "current_file": task.current_file, "current_item": task.current_file or None,
            "progress_percent": percent, "file_progress": percent,
            "row_progress": 100.0 if finished and task.rows_read else round(task.file_progress, 2),
            "total_rows": task.rows_read, "processed_rows": task.rows_read, "valid_rows": task.rows_ingested,
            "error_rows": 0, "quarantined_rows": task.rows_quarantined,
            "errors": errors, "warnings": [],
            "message": _message(task, unsynced), "error_summary": _error_summary(task),
            "task_details": {**task.task_details, "priority": task.priority, "submission_kwargs": task.parameters,
                             "rows_skipped": task.rows_skipped, "attempts": task.attempts,
                             "failed_files": [r for r in task.file_results if r.get("status") == FileStatus.FAILED],
                             "skipped_files": [r for r in task.file_results if r.get("status") == FileStatus.SKIPPED]},
            "start_time": iso_z(task.started_at or task.created_at), "end_time": iso_z(task.finished_at),
            "updated_at": iso_z(task.updated_at), "started_at": iso(started), "finished_at": iso(task.finished_at),
            "heartbeat_at": iso(task.heartbeat_at or (task.updated_at if canonical else None)),
        }


def _timed(entry, when) -> dict:
    text = str(entry)
    file_name, _sep, message = text.partition(": ") if ": " in text else (None, "", text)
    return {"time": iso(when), "message": message, "file_name": file_name}


def _message(task: SyncProgressTask, unsynced: int) -> str | None:
    if task.errors:
        return str(task.errors[-1])
    if task.status == TaskStatus.CANCELLED:
        return _("Cancelled; %(count)s files were not synced.") % {"count": unsynced}
    if task.status == TaskStatus.COMPLETED:
        return _("Synced %(done)s of %(total)s files.") % {"done": task.succeeded_files, "total": task.total_files}
    return None


def _error_summary(task: SyncProgressTask) -> str | None:
    if not task.failed_files:
        return None
    return _("%(failed)s of %(total)s files failed.") % {"failed": task.failed_files, "total": task.total_files}


class LegacyFileSerializer(serializers.Serializer):
    """A catalog file with the predecessor's row fields; those this service has no notion of are null or
    empty (meta files, accounts, semantic contracts)."""

    id = serializers.IntegerField()
    file_name = serializers.CharField()
    status = serializers.CharField()
    file_size = serializers.IntegerField()
    file_path = serializers.CharField()
    collected_at = serializers.DateTimeField()
    platform = serializers.CharField(allow_blank=True)
    business_platform = serializers.CharField(allow_blank=True)
    collection_platform = serializers.CharField(allow_blank=True)
    domain = serializers.CharField(allow_blank=True)
    granularity = serializers.CharField(allow_blank=True)
    sub_domain = serializers.CharField(allow_null=True)
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    account = serializers.CharField(allow_null=True)
    shop_id = serializers.CharField(allow_blank=True)
    main_account_id = serializers.CharField(allow_null=True)
    shop_account_id = serializers.CharField(allow_null=True)
    store_name = serializers.CharField(allow_null=True)
    platform_shop_id = serializers.CharField(allow_blank=True)
    meta_file_path = serializers.CharField(allow_null=True)
    meta_exists = serializers.BooleanField()
    catalog_registered = serializers.BooleanField()
    has_template = serializers.BooleanField()
    template_status = serializers.CharField()
    governance_status = serializers.CharField()
    template_update_required = serializers.BooleanField()
    update_reason = serializers.CharField(allow_null=True)
    template_name = serializers.CharField(allow_null=True)
    template_header_row = serializers.IntegerField(allow_null=True)
    shadow_compare = serializers.JSONField(help_text="null when not available")
    semantic_contract_status = serializers.CharField()
    missing_required_keys = serializers.ListField(child=serializers.CharField())
    missing_optional_keys = serializers.ListField(child=serializers.CharField())
    resolved_required_keys = serializers.ListField(child=serializers.CharField())
    resolved_optional_keys = serializers.ListField(child=serializers.CharField())
    extra_raw_fields = serializers.ListField(child=serializers.CharField())
    impact_descriptions = serializers.ListField(child=serializers.CharField())
    semantic_anomaly_type = serializers.CharField(allow_null=True)
    semantic_repair_action = serializers.CharField(allow_null=True)

    def to_representation(self, file: CatalogFile) -> dict:
        template = file.template or template_resolve(file=file)
        mapped = (template and template.mapping) or {}
        required = list((template and template.required_fields) or [])
        known = bool(file.platform_code and file.data_domain)
        return {
            "id": file.pk, "file_name": file.file_name, "status": FILE_STATUSES.get(file.status, file.status),
            "file_size": file.size_bytes, "file_path": file.path, "collected_at": iso(file.first_seen_at),
            "platform": file.platform_code, "business_platform": file.platform_code,
            "collection_platform": file.platform_code, "domain": file.data_domain, "granularity": file.granularity,
            "sub_domain": None, "date_from": iso(file.period_start), "date_to": iso(file.period_end),
            "account": None, "shop_id": file.shop_id, "main_account_id": None, "shop_account_id": None,
            "store_name": None, "platform_shop_id": file.shop_id, "meta_file_path": None, "meta_exists": False,
            "catalog_registered": True, "has_template": template is not None,
            "template_status": "has_template" if template else "no_template",
            "governance_status": "ready" if template else ("no_template" if known else "unrecognised"),
            "template_update_required": False, "update_reason": None,
            "template_name": template and str(template), "template_header_row": template and template.header_row,
            "shadow_compare": None, "semantic_contract_status": "valid" if known else "invalid",
            "missing_required_keys": [], "missing_optional_keys": [],
            "resolved_required_keys": required, "resolved_optional_keys": [k for k in mapped if k not in required],
            "extra_raw_fields": [], "impact_descriptions": [],
            "semantic_anomaly_type": None if known else "unrecognised_path",
            "semantic_repair_action": None if known else _("Move the file under <platform>/<shop>/<domain>/."),
        }


class LegacyFileDetailSerializer(LegacyFileSerializer):
    rows_read = serializers.IntegerField()
    rows_ingested = serializers.IntegerField()
    rows_quarantined = serializers.IntegerField()
    rows_skipped = serializers.IntegerField()
    last_error = serializers.CharField(allow_blank=True)
    last_synced_at = serializers.DateTimeField(allow_null=True)
    last_result = serializers.JSONField()

    def to_representation(self, file: CatalogFile) -> dict:
        return {**super().to_representation(file), "rows_read": file.rows_read, "rows_ingested": file.rows_ingested,
                "rows_quarantined": file.rows_quarantined, "rows_skipped": file.rows_skipped,
                "last_error": file.last_error, "last_synced_at": iso(file.last_synced_at),
                "last_result": file.last_result}


class LegacyFilePage(serializers.Serializer):
    files = LegacyFileSerializer(many=True)
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    total_pages = serializers.IntegerField()
    hidden_semantic_invalid_count = serializers.IntegerField()
    raw_unregistered_hint = serializers.CharField(allow_null=True)


class LegacyCeleryTaskStatus(serializers.Serializer):
    celery_task_id = serializers.CharField()
    state = serializers.CharField(help_text="PENDING, STARTED, SUCCESS, FAILURE, REVOKED or RETRY")
    ready = serializers.BooleanField()
    successful = serializers.BooleanField(allow_null=True)
    result = serializers.JSONField(help_text="null when not available")
    traceback = serializers.CharField(allow_null=True)
    info = serializers.JSONField(help_text="null when not available")


class LegacyCancelTaskResponse(serializers.Serializer):
    celery_task_id = serializers.CharField()
    message = serializers.CharField()
    revoked = serializers.BooleanField()


class LegacyRetryTaskResponse(serializers.Serializer):
    original_celery_task_id = serializers.CharField()
    new_celery_task_id = serializers.CharField(allow_null=True, help_text="the same id: the task runs again under it")
    new_task_id = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class LegacyGovernanceStats(serializers.Serializer):
    total_files = serializers.IntegerField()
    ready_to_sync_count = serializers.IntegerField()
    pending_count = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    no_template_count = serializers.IntegerField()
    template_count = serializers.IntegerField()
    error_summary = serializers.DictField(child=serializers.IntegerField())
    stats_stale = serializers.BooleanField()


class LegacyDiagnostics(serializers.Serializer):
    hours = serializers.IntegerField()
    official_unregistered_count = serializers.IntegerField()
    unregistered_raw_candidates = serializers.ListField(child=serializers.CharField())
    semantic_invalid_count = serializers.IntegerField()
    recent_files = serializers.IntegerField()
    recent_failed = serializers.IntegerField()


class LegacyRefreshResult(serializers.Serializer):
    seen = serializers.IntegerField()
    registered = serializers.IntegerField()
    skipped = serializers.IntegerField()
    new_file_ids = serializers.ListField(child=serializers.IntegerField())
    changed = serializers.IntegerField()
    unrecognised = serializers.ListField(child=serializers.CharField())


class LegacyPreviewRequest(serializers.Serializer):
    file_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    header_row = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True, default=None,
                                          help_text=_lazy("1-based header row; null: the template's, else detected"))


class LegacyPreview(serializers.Serializer):
    file_id = serializers.IntegerField()
    file_name = serializers.CharField()
    header_row = serializers.IntegerField(help_text="1-based")
    headers = serializers.ListField(child=serializers.CharField())
    field_columns = serializers.DictField(child=serializers.IntegerField())
    missing_fields = serializers.ListField(child=serializers.CharField())
    unmapped_columns = serializers.ListField(child=serializers.CharField())
    sample_data = serializers.ListField(child=serializers.DictField())
    total_rows_previewed = serializers.IntegerField()
