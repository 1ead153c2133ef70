"""GET /api/audit-log: the audit trail for staff, newest first, filtered like the admin list."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers

from audit.models import AuditRecord
from erp.api.schema import ERRORS, enveloped_page


class AuditRecordSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="content_type.model", help_text="the changed object's model")
    app = serializers.CharField(source="content_type.app_label")
    changes = serializers.JSONField(help_text="{field: [before, after]}")

    class Meta:
        model = AuditRecord
        fields = ["id", "timestamp", "actor", "actor_name", "source", "remote_addr", "operation", "action", "app",
                  "model", "object_pk", "object_repr", "changes", "additional_data"]


class AuditRecordFilter(django_filters.FilterSet):
    model = django_filters.CharFilter(field_name="content_type__model")
    since = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")

    class Meta:
        model = AuditRecord
        fields = ["source", "operation", "actor", "object_pk", "model", "since"]


@extend_schema(tags=["audit"], responses={200: enveloped_page(AuditRecordSerializer), **ERRORS(400, 401, 403)})
class AuditRecordListView(generics.ListAPIView):
    """Who did what, when, from where (api, admin, command), with each changed field before and after;
    filter with ?source=, ?operation=, ?actor=, ?model=, ?object_pk=, ?since=."""

    permission_classes = [permissions.IsAdminUser]
    serializer_class = AuditRecordSerializer
    filterset_class = AuditRecordFilter
    ordering_fields = ["timestamp"]
    queryset = AuditRecord.objects.select_related("content_type").order_by("-timestamp", "-pk")
