"""Query filters and ordering of the viewsets' lists (django-filter)."""

import django_filters as df
from rest_framework.filters import OrderingFilter

from erp.api.filters import IsoDateTimeFilter

from sync.models import (CatalogFile, DataDomain, FieldTemplate, FileStatus, Granularity, Platform, SyncProgressTask,
                         TaskStatus, TaskType)


class StableOrderingFilter(OrderingFilter):
    """Adds the primary key as the last sort key: rows with equal values (same status, same priority)
    would otherwise come back in any order and move between pages."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not {"pk", "-pk", "id", "-id"} & set(ordering):
            ordering.append("-pk")
        return ordering


class SyncTaskFilter(df.FilterSet):
    status = df.ChoiceFilter(choices=TaskStatus.choices)
    task_type = df.ChoiceFilter(choices=TaskType.choices)
    user = df.CharFilter(field_name="user__username", help_text="username; only staff see other users' tasks")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte", help_text="inclusive")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt", help_text="exclusive")

    class Meta:
        model = SyncProgressTask
        fields = ["status", "task_type", "user", "created_after", "created_before"]


class CatalogFileFilter(df.FilterSet):
    status = df.ChoiceFilter(choices=FileStatus.choices)
    platform_code = df.ChoiceFilter(choices=Platform.choices)
    shop_id = df.CharFilter()
    data_domain = df.ChoiceFilter(choices=DataDomain.choices)
    granularity = df.ChoiceFilter(choices=Granularity.choices)
    first_seen_after = IsoDateTimeFilter(field_name="first_seen_at", lookup_expr="gte", help_text="inclusive")
    first_seen_before = IsoDateTimeFilter(field_name="first_seen_at", lookup_expr="lt", help_text="exclusive")

    class Meta:
        model = CatalogFile
        fields = ["status", "platform_code", "shop_id", "data_domain", "granularity", "first_seen_after",
                  "first_seen_before"]


class FieldTemplateFilter(df.FilterSet):
    platform_code = df.ChoiceFilter(choices=Platform.choices)
    data_domain = df.ChoiceFilter(choices=DataDomain.choices)

    class Meta:
        model = FieldTemplate
        fields = ["platform_code", "data_domain", "granularity", "is_active"]
