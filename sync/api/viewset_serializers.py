"""Request and response shapes of the /api/sync-tasks/, /api/catalog-files/ and /api/templates/ viewsets."""

import json

from django.utils.translation import gettext_lazy as _
from django_celery_results.models import TaskResult
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sync.api.data_sync_serializers import MAX_BATCH_IDS, BatchSyncRequest, ProgressSerializer
from sync.ingest.locales import validate_number_locale
from sync.ingest.rows import DATE, DATETIME, DECIMAL, INT, PERCENT, TEXT
from sync.models import (CatalogFile, DataDomain, FieldTemplate, Granularity, Platform, QuarantinedRow, SyncPreview,
                         TaskType)
from sync.services.catalog import parse_period
from sync.services.uploads import UploadRejected, upload_check

FIELD_TYPES = (TEXT, INT, DECIMAL, PERCENT, DATE, DATETIME)
QUARANTINE_SHOWN = 100


# --- Sync tasks -------------------------------------------------------------------------------

class SyncTaskSerializer(ProgressSerializer):
    """A task in a list: the progress fields without the per-file detail."""

    class Meta(ProgressSerializer.Meta):
        fields = [f for f in ProgressSerializer.Meta.fields if f not in ("errors", "task_details")]


class QueuePlaceSerializer(serializers.Serializer):
    position = serializers.IntegerField(allow_null=True, help_text=_("1 = next to start; null when not waiting"))
    ahead = serializers.IntegerField()
    running = serializers.IntegerField()
    estimated_start = serializers.DateTimeField(allow_null=True)
    basis = serializers.CharField()


class CeleryResultSerializer(serializers.ModelSerializer):
    """The row django-celery-results keeps for the task id."""

    result = serializers.SerializerMethodField(help_text=_("the return value, or the exception for a failure"))

    class Meta:
        model = TaskResult
        fields = ["status", "result", "traceback", "task_name", "worker", "date_created", "date_done"]

    @extend_schema_field(OpenApiTypes.ANY)
    def get_result(self, row: TaskResult):
        if row.result is None or row.content_type != "application/json":
            return row.result
        try:
            return json.loads(row.result)
        except ValueError:
            return row.result


class SyncTaskDetailSerializer(ProgressSerializer):
    """`queue` and `celery_result` are set on the task by the view (task_queue_place, the TaskResult row)."""

    queue = QueuePlaceSerializer(read_only=True)
    celery_result = CeleryResultSerializer(read_only=True, allow_null=True,
                                           help_text=_("null until a worker stored a result"))

    class Meta(ProgressSerializer.Meta):
        fields = [*ProgressSerializer.Meta.fields, "file_ids", "run_file_ids", "parameters", "file_results",
                  "queue", "celery_result", "dispatched_at", "heartbeat_at", "updated_at"]


class SyncTaskCreateRequest(BatchSyncRequest):
    """One body for every task type: the seed endpoint's fields for that type, the rest ignored."""

    task_type = serializers.ChoiceField(TaskType.choices)
    file_id = serializers.IntegerField(min_value=1, required=False, help_text=_("single_file: the file"))
    file_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=MAX_BATCH_IDS, required=False,
        help_text=_("batch_by_ids: 1 to %(max)s catalog file ids") % {"max": MAX_BATCH_IDS})
    use_template_header_row = serializers.BooleanField(default=True)

    REQUIRED_BY_TYPE = {TaskType.SINGLE_FILE: "file_id", TaskType.BATCH_BY_IDS: "file_ids"}

    def validate(self, attrs):
        needed = self.REQUIRED_BY_TYPE.get(attrs["task_type"])
        if needed and needed not in attrs:
            raise serializers.ValidationError({needed: _("required for task_type %(type)s") % {
                "type": attrs["task_type"]}})
        return attrs


# --- Catalog files ----------------------------------------------------------------------------

class CatalogFileSerializer(serializers.ModelSerializer):
    template = serializers.StringRelatedField(allow_null=True, help_text=_("the template of the last sync"))

    class Meta:
        model = CatalogFile
        fields = [
            "id", "path", "file_name", "sha256", "size_bytes", "platform_code", "shop_id", "data_domain",
            "granularity", "period_start", "period_end", "status", "duplicate_of", "template", "rows_read",
            "rows_ingested", "rows_quarantined", "rows_skipped", "rows_corrected", "correction_of", "last_error",
            "number_locale", "encoding", "sheet_name", "first_seen_at", "last_synced_at", "updated_at",
        ]


class QuarantinedRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuarantinedRow
        fields = ["id", "source_row", "raw", "reasons", "created_at"]


class CatalogFileDetailSerializer(CatalogFileSerializer):
    """`quarantined_rows` is capped at QUARANTINE_SHOWN (lowest source rows first); the view sets
    `quarantine_sample` and `quarantine_total` on the file."""

    quarantined_rows = QuarantinedRowSerializer(many=True, read_only=True, source="quarantine_sample",
                                                help_text=_("the first %(n)s by source row") % {"n": QUARANTINE_SHOWN})
    quarantined_rows_total = serializers.IntegerField(read_only=True, source="quarantine_total")

    class Meta(CatalogFileSerializer.Meta):
        fields = [*CatalogFileSerializer.Meta.fields, "last_result", "quarantined_rows", "quarantined_rows_total"]


class CorrectionUploadRequest(serializers.Serializer):
    file = serializers.FileField(help_text=_("an error workbook (.xlsx) as downloaded, with cells fixed"))
    priority = serializers.IntegerField(min_value=1, max_value=10, default=5, help_text=_("1-10, 10 highest"))


class CatalogFileUploadRequest(serializers.Serializer):
    file = serializers.FileField(help_text=_("an export file (.xlsx .xlsm .xlsb .xls .ods .csv .tsv .txt)"))
    platform_code = serializers.ChoiceField(Platform.choices)
    shop_id = serializers.RegexField(r"^[\w][\w.\-]{0,99}$", help_text=_("letters, digits, _ . -"))
    data_domain = serializers.ChoiceField(DataDomain.choices)
    granularity = serializers.ChoiceField(Granularity.choices)
    period = serializers.CharField(required=False, help_text=_(
        "YYYYMMDD_YYYYMMDD or YYYY-MM-DD; default: read from the file name"))
    number_locale = serializers.CharField(required=False, allow_blank=True, max_length=20,
                                          validators=[validate_number_locale], help_text=_(
        "How this file writes numbers, e.g. id_ID; default: the template's or the shop's"))

    def validate_file(self, upload):
        try:
            upload_check(name=upload.name, size=upload.size)
        except UploadRejected as exc:
            raise serializers.ValidationError(exc.message) from exc
        return upload

    def validate_period(self, value):
        start, end = parse_period(value)
        if start is None or end < start:
            raise serializers.ValidationError(_("not a period: use YYYYMMDD_YYYYMMDD or YYYY-MM-DD"))
        return start, end


class SyncOptionsBody(serializers.Serializer):
    only_with_template = serializers.BooleanField(default=True)
    allow_quarantine = serializers.BooleanField(default=True)
    use_template_header_row = serializers.BooleanField(default=True)


class CatalogFileSyncRequest(serializers.Serializer):
    priority = serializers.IntegerField(min_value=1, max_value=10, required=False, allow_null=True, default=None,
                                        help_text=_("1-10, 10 highest; default 5; capped by role"))
    options = SyncOptionsBody(required=False)
    dry_run = serializers.BooleanField(default=False, help_text=_(
        "preview only: the worker runs each file's sync, writes nothing and stores a preview to approve"))


class SyncPreviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncPreview
        fields = ["id", "file", "status", "rows_new", "rows_changed", "rows_unchanged", "rows_quarantined",
                  "rows_skipped", "changes", "result", "first_date", "last_date", "created_by", "created_at",
                  "approved_at"]
        read_only_fields = fields


class CatalogFileRollbackRequest(serializers.Serializer):
    cascade = serializers.BooleanField(default=False, help_text=_(
        "Also roll back the later files that wrote some of this file's rows, newest first"))


class RollbackOutcomeSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.IntegerField(), help_text=_("Files rolled back, in order"))
    rows_deleted = serializers.IntegerField(help_text=_("Rows the files had inserted, deleted"))
    rows_restored = serializers.IntegerField(help_text=_("Rows the files had updated, put back as they were"))


# --- Templates --------------------------------------------------------------------------------

class FieldTemplateSerializer(serializers.ModelSerializer):
    granularity = serializers.ChoiceField([FieldTemplate.ANY_GRANULARITY, *Granularity.values],
                                          default=FieldTemplate.ANY_GRANULARITY)
    mapping = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(), allow_empty=False), allow_empty=False,
        help_text=_("{canonical field: [source header aliases]}"))
    types = serializers.DictField(child=serializers.ChoiceField(FIELD_TYPES), required=False,
                                  help_text=_("{mapped field: type}"))
    required_fields = serializers.ListField(child=serializers.CharField(), required=False)
    dedup_fields = serializers.ListField(child=serializers.CharField(), required=False)
    date_formats = serializers.ListField(child=serializers.CharField(), required=False)
    options = serializers.DictField(required=False)

    class Meta:
        model = FieldTemplate
        fields = [
            "id", "name", "platform_code", "data_domain", "granularity", "version", "is_active", "is_builtin",
            "header_row", "mapping", "types", "required_fields", "dedup_fields", "date_formats", "date_order",
            "number_locale", "date_from_period", "options", "on_new_column", "on_missing_field", "on_bad_value",
            "updated_at",
        ]
        read_only_fields = ["is_builtin", "updated_at"]

    def validate(self, attrs):
        """The template's consistency rule (FieldTemplate.consistency_errors), on a partial update against
        what the template keeps."""
        fields = ("mapping", "options", "types", "required_fields", "dedup_fields")
        candidate = FieldTemplate(**{name: attrs.get(name, getattr(self.instance, name, None)) for name in fields})
        if errors := candidate.consistency_errors():
            raise serializers.ValidationError(errors)
        return attrs
