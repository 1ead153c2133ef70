"""The audit trail in the admin: read-only for everyone, with filters by source, operation, model and actor."""

import json

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from erp.audit.models import AuditRecord
from erp.audit.services import user_role_record, user_role_state

# django-auditlog registers its own admin for the log entry model; ours replaces it.
if admin.site.is_registered(AuditRecord):
    admin.site.unregister(AuditRecord)


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = ("timestamp", "actor_label", "source", "operation", "action", "object_link", "changes_short",
                    "remote_addr")
    list_filter = ("source", "operation", "action", ("content_type", admin.RelatedOnlyFieldListFilter),
                   ("actor", admin.RelatedOnlyFieldListFilter))
    search_fields = ("object_repr", "object_pk", "actor_name")
    date_hierarchy = "timestamp"
    list_select_related = ("content_type", "actor")
    fields = ("timestamp", "actor_label", "source", "remote_addr", "operation", "action", "object_link",
              "changes_table", "extra_json")
    readonly_fields = fields
    # Millions of records over a year: skip the unfiltered count on every page.
    show_full_result_count = False

    # Records are never editable, not even by a superuser; the retention job alone removes them.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("actor"), ordering="actor_name")
    def actor_label(self, record):
        return record.actor_name or "-"

    @admin.display(description=_("object"))
    def object_link(self, record):
        label = format_html("{} {}", record.content_type.name, record.object_repr)
        try:
            url = reverse(f"admin:{record.content_type.app_label}_{record.content_type.model}_change",
                          args=[record.object_pk])
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description=_("changes"))
    def changes_short(self, record):
        changes = record.changes or {}
        return "; ".join(f"{name}: {_short(old)} → {_short(new)}" for name, (old, new) in _pairs(changes)) or "-"

    @admin.display(description=_("changed fields"))
    def changes_table(self, record):
        changes = record.changes or {}
        if not changes:
            return "-"
        rows = format_html_join("", "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
                                ((name, _json(old), _json(new)) for name, (old, new) in _pairs(changes)))
        return format_html("<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
                           _("field"), _("before"), _("after"), rows)

    @admin.display(description=_("details"))
    def extra_json(self, record):
        return _json(record.additional_data) if record.additional_data else "-"


def _pairs(changes: dict):
    """(field, (before, after)); a many-to-many change (a user's groups) is stored by django-auditlog as
    {"type": "m2m", "operation": "add" / "delete", "objects": [...]}."""
    for name, change in changes.items():
        if isinstance(change, dict):
            objects = change.get("objects", [])
            yield name, (objects, None) if change.get("operation") == "delete" else (None, objects)
        else:
            yield name, tuple(change)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _short(value, limit: int = 40) -> str:
    text = _json(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


class RoleAuditedUserAdmin(UserAdmin):
    """Django's user admin; a change of a user's groups or staff flags leaves one audit record."""

    def save_model(self, request, obj, form, change):
        request._audit_role_before = user_role_state(user_id=obj.pk)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user_role_record(user=form.instance, before=getattr(request, "_audit_role_before", {}))


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, RoleAuditedUserAdmin)
