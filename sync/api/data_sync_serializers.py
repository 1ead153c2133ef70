"""Request and response shapes of the sync API (the predecessor's fields kept)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from sync.models import DataDomain, Granularity, Platform, SyncProgressTask

MAX_BATCH_IDS = 1000
DEFAULT_BATCH_LIMIT = 100
MAX_BATCH_LIMIT = 1000


class SyncOptionsSerializer(serializers.Serializer):
    priority = serializers.IntegerField(
        min_value=1, max_value=10, required=False, allow_null=True, default=None,
        help_text=_("1-10, 10 highest; default 5 for one file, lower for batches; capped by role"))
    only_with_template = serializers.BooleanField(default=True)
    allow_quarantine = serializers.BooleanField(default=True)
    dry_run = serializers.BooleanField(default=False, help_text=_(
        "preview only: the worker runs each file's sync, writes nothing and stores a preview to approve"))


class SingleFileSyncRequest(SyncOptionsSerializer):
    file_id = serializers.IntegerField(min_value=1)
    use_template_header_row = serializers.BooleanField(default=True)


class BatchSyncRequest(SyncOptionsSerializer):
    platform = serializers.CharField(default="*", help_text=_("platform code, or * for all"))
    domains = serializers.ListField(child=serializers.ChoiceField(DataDomain.values), default=list)
    granularities = serializers.ListField(child=serializers.ChoiceField(Granularity.values), default=list)
    since_hours = serializers.IntegerField(min_value=1, required=False, allow_null=True,
                                           help_text=_("only files first seen in the last N hours"))
    limit = serializers.IntegerField(min_value=1, max_value=MAX_BATCH_LIMIT, default=DEFAULT_BATCH_LIMIT)

    def validate_platform(self, value):
        if value != "*" and value not in Platform.values:
            raise serializers.ValidationError(
                _("unknown platform %(value)s; one of %(known)s or *") % {"value": value, "known": Platform.values})
        return value


class BatchByIdsSyncRequest(SyncOptionsSerializer):
    file_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False,
                                     max_length=MAX_BATCH_IDS,
                                     help_text=_("1 to %(max)s catalog file ids") % {"max": MAX_BATCH_IDS})
    use_template_header_row = serializers.BooleanField(default=True)


class BatchAllSyncRequest(SyncOptionsSerializer):
    pass


class RetryRequest(serializers.Serializer):
    all_files = serializers.BooleanField(default=False, help_text=_("also files already ingested"))


class SubmissionSerializer(serializers.Serializer):
    """202 answer of every submission."""

    task_id = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    priority = serializers.IntegerField(allow_null=True)
    total_files = serializers.IntegerField()
    missing_file_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    queue_position = serializers.IntegerField(allow_null=True)
    estimated_start = serializers.DateTimeField(allow_null=True)
    estimate_basis = serializers.CharField()
    fallback = serializers.BooleanField(
        help_text=_("true when the broker was unreachable: the task is saved and dispatched once it is back"))


class ProgressSerializer(serializers.ModelSerializer):
    """The predecessor's progress fields plus row counts."""

    user = serializers.CharField(source="user.username", allow_null=True, default=None)

    class Meta:
        model = SyncProgressTask
        fields = [
            "task_id", "task_type", "user", "status", "priority", "total_files", "processed_files",
            "succeeded_files", "failed_files", "skipped_files", "current_file", "file_progress",
            "rows_read", "rows_ingested", "rows_quarantined", "rows_skipped", "errors", "task_details",
            "attempts", "cancel_requested", "created_at", "started_at", "finished_at",
        ]


class TaskStatusSerializer(serializers.Serializer):
    task_id = serializers.CharField()
    status = serializers.CharField(help_text=_("our status"))
    celery_state = serializers.CharField(help_text=_("Celery's state from the result backend"))
    celery_result = serializers.JSONField(help_text=_("the task's return value, or the error text"))
    queue_position = serializers.IntegerField(allow_null=True)
    estimated_start = serializers.DateTimeField(allow_null=True)


class UserTaskCountSerializer(serializers.Serializer):
    running = serializers.IntegerField()
    queued = serializers.IntegerField()
    limit = serializers.IntegerField()
    remaining = serializers.IntegerField()
