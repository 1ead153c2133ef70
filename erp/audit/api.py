"""GET /api/audit-log: the audit trail for staff, newest first, filtered like the admin list."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers

from erp.api.filters import IsoDateTimeFilter
from erp.api.schema import ERRORS, enveloped_page
from erp.audit.models import AuditRecord


# An object or null, said once: a JSONField that allows null is published as oneOf({}, null), which a null
# value matches twice.
@extend_schema_field({"type": ["object", "null"]})
class ObjectOrNullField(serializers.JSONField):
    pass


class AuditRecordSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="content_type.model", help_text="the changed object's model")
    app = serializers.CharField(source="content_type.app_label")
    changes = serializers.JSONField(help_text="{field: [before, after]}")
    additional_data = ObjectOrNullField(help_text="what else the action took (e.g. all_files of a retry)")

    class Meta:
        model = AuditRecord
        fields = ["id", "timestamp", "actor", "actor_name", "source", "remote_addr", "operation", "action", "app",
                  "model", "object_pk", "object_repr", "changes", "additional_data"]


class AuditRecordFilter(django_filters.FilterSet):
    model = django_filters.CharFilter(field_name="content_type__model")
    since = IsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")

    class Meta:
        model = AuditRecord
        fields = ["source", "operation", "actor", "object_pk", "model", "since"]


# 404: a page past the last one (DRF's page-number pagination).
@extend_schema(tags=["audit"], responses={200: enveloped_page(AuditRecordSerializer), **ERRORS(400, 401, 403, 404)})
class AuditRecordListView(generics.ListAPIView):
    """Who did what, when, from where (api, admin, command), with each changed field before and after;
    filter with ?source=, ?operation=, ?actor=, ?model=, ?object_pk=, ?since=."""

    permission_classes = [permissions.IsAdminUser]
    serializer_class = AuditRecordSerializer
    filterset_class = AuditRecordFilter
    ordering_fields = ["timestamp"]
    queryset = AuditRecord.objects.select_related("content_type").order_by("-timestamp", "-pk")
