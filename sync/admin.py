"""Admin for operators: every sync task and file with cancel / retry / sync actions that call the
services, templates and accounts to edit, and read-only browsing of the fact tables and the quarantine."""

import json
from urllib.parse import quote

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.contrib import admin, messages
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from erp.errors import ApplicationError
from sync import models
from sync.ingest.engine import SyncOptions
from sync.ingest.unmapped import unmapped_cells_of
from sync.models import FileStatus, TaskStatus, TaskType
from sync.services.drift import drift_accept
from sync.services.file_runs import BUSY_FILE_STATUSES
from sync.services.error_workbooks import XLSX_TYPE, corrections_catalog, error_workbook, error_workbook_name, \
    task_files_with_quarantine
from sync.services.previews import file_preview, preview_approve
from sync.services.rollback import file_rollback
from sync.services.task_lifecycle import sync_task_cancel, sync_task_create, sync_task_retry

# A message lists at most this many tasks or files by name; the counts cover all of them.
MAX_LISTED = 50
# Files synced from the admin wait at the API's default priority.
ADMIN_SYNC_PRIORITY = 5
# Task and file statuses share their values (queued, processing, failed).
STATUS_COLOURS = {
    "pending": "#777", "queued": "#777", "processing": "#2a6ebb", "completed": "#2e7d32", "ingested": "#2e7d32",
    "partial": "#9e7700", "skipped": "#777", "failed": "#c62828", "cancelled": "#ef6c00", "rolled_back": "#6a1b9a",
    "approved": "#2e7d32", "stale": "#777", "accepted": "#2e7d32",
}
FILE_STATUS_LABELS = dict(FileStatus.choices)
LINE_BREAK = mark_safe("<br>")
RESULT_COLUMNS = (_("file"), _("status"), _("template"), _("rows read"), _("ingested"), _("quarantined"),
                  _("skipped"), _("error or reasons"))
# Short reasons by the services' error codes: a message line already names the task and its status,
# which the services' own messages would repeat.
REFUSALS = {
    "task_not_cancellable": _("only a queued or running task can be cancelled"),
    "task_not_retryable": _("only a failed or cancelled task can be retried"),
    "nothing_to_retry": _("every file of the task is already ingested"),
    "task_state_changed": _("the task changed state meanwhile"),
    "quota_exceeded": _("the user already has the maximum number of queued or running tasks"),
    "file_busy": _("a file is already queued or being synced by another task"),
    "drift_already_accepted": _("its proposals were accepted already"),
    "drift_without_proposal": _("it has no proposal to accept"),
}


def refusal(exc: ApplicationError) -> str:
    return str(REFUSALS.get(exc.code, exc.message))


def status_badge(status: str, label: str):
    # Labels are not wrapped in models.py yet; the catalog translates them under the same msgids.
    return format_html('<b style="color:{};white-space:nowrap">{}</b>', STATUS_COLOURS.get(status, "inherit"),
                       gettext(label))


def pretty_json(value):
    return format_html('<pre style="white-space:pre-wrap;margin:0">{}</pre>',
                       json.dumps(value, indent=2, ensure_ascii=False, default=str))


def fieldset_names(fieldsets) -> list[str]:
    return [name for _title, spec in fieldsets for group in spec["fields"]
            for name in (group if isinstance(group, tuple) else (group,))]


def change_link(obj, text=None):
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text or obj)


def workbook_download(modeladmin, request, files, *, task_id: str = ""):
    """The error workbook as the action's response, or a message when no file has quarantined rows."""
    try:
        content = error_workbook(files=files)
    except ApplicationError as exc:
        modeladmin.message_user(request, exc.message, messages.WARNING)
        return None
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(error_workbook_name(files, task_id=task_id))}"
    return response


def report(modeladmin, request, summary: str, lines: list, *, warn: bool):
    """One message per action: the counts, then what happened to each row (the first MAX_LISTED)."""
    more = len(lines) - MAX_LISTED
    items = format_html_join("", "<li>{}</li>", ((line,) for line in lines[:MAX_LISTED]))
    tail = format_html("<li>{}</li>", gettext("and %(count)d more") % {"count": more}) if more > 0 else ""
    modeladmin.message_user(request, format_html("{}<ul>{}{}</ul>", summary, items, tail),
                            messages.WARNING if warn else messages.SUCCESS)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the sync writes: operators browse them here, and change them only through the services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.PlatformAccount)
class PlatformAccountAdmin(admin.ModelAdmin):
    list_display = ("platform_code", "shop_id", "shop_name", "region", "timezone", "number_locale", "enabled",
                    "last_collected_at")
    list_filter = ("platform_code", "enabled", "region")
    search_fields = ("shop_id", "shop_name")
    ordering = ("platform_code", "shop_id")


@admin.register(models.ComponentVersion)
class ComponentVersionAdmin(admin.ModelAdmin):
    list_display = ("component_name", "platform_code", "version", "is_active", "released_at")
    list_filter = ("platform_code", "is_active")
    search_fields = ("component_name", "version")
    ordering = ("component_name", "-released_at")


@admin.register(models.FieldTemplate)
class FieldTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "platform_code", "data_domain", "granularity", "version", "is_active", "is_builtin",
                    "header_row", "updated_at")
    list_filter = ("platform_code", "data_domain", "granularity", "is_active", "is_builtin", "on_new_column",
                   "on_missing_field", "on_bad_value")
    search_fields = ("name",)
    ordering = ("platform_code", "data_domain", "granularity", "-version")
    readonly_fields = ("updated_at",)


@admin.register(models.SyncProgressTask)
class SyncProgressTaskAdmin(ReadOnlyAdmin):
    list_display = ("task_id", "task_type", "user", "priority", "status_label", "progress", "rows_ingested",
                    "rows_quarantined", "created_at")
    list_filter = ("status", "task_type", "priority", ("user", admin.RelatedOnlyFieldListFilter))
    search_fields = ("task_id", "user__username")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    actions = ("cancel_selected", "retry_selected", "error_workbook_selected")
    fieldsets = (
        (None, {"fields": ("task_id", "task_type", "user", "priority", "status_label", "cancel_requested",
                           "attempts")}),
        (_("Progress"), {"fields": ("progress", ("succeeded_files", "failed_files", "skipped_files"),
                                    "current_file", "file_progress",
                                    ("rows_read", "rows_ingested", "rows_quarantined", "rows_skipped"))}),
        (_("Files and errors"), {"fields": ("file_results_table", "errors_list")}),
        (_("Details"), {"fields": ("parameters_json", "task_details_json", "file_ids_json")}),
        (_("Times"), {"fields": ("created_at", "dispatched_at", "started_at", "heartbeat_at", "finished_at")}),
    )
    readonly_fields = fieldset_names(fieldsets)

    def has_operate_permission(self, request):
        """Cancel and retry need the change permission; the form itself stays read-only, because the
        worker owns the row and a save would write stale counters over its progress."""
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, task):
        badge = status_badge(task.status, task.get_status_display())
        if task.cancel_requested and task.status == TaskStatus.PROCESSING:
            return format_html("{} ({})", badge, gettext("cancel requested"))
        return badge

    @admin.display(description=_("progress"), ordering="processed_files")
    def progress(self, task):
        return format_html('<progress class="sync-progress" max="{}" value="{}" title="{}/{}"></progress> {}/{}',
                           max(task.total_files, 1), task.processed_files, task.processed_files, task.total_files,
                           task.processed_files, task.total_files)

    @admin.display(description=_("per-file results"))
    def file_results_table(self, task):
        if not task.file_results:
            return "-"
        head = format_html_join("", "<th>{}</th>", ((title,) for title in RESULT_COLUMNS))
        rows = format_html_join("", "<tr>" + "<td>{}</td>" * len(RESULT_COLUMNS) + "</tr>",
                                map(_result_cells, task.file_results))
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, rows)

    @admin.display(description=_("errors"))
    def errors_list(self, task):
        if not task.errors:
            return "-"
        return format_html("<ul>{}</ul>", format_html_join("", "<li><code>{}</code></li>", ((e,) for e in task.errors)))

    @admin.display(description=_("parameters"))
    def parameters_json(self, task):
        return pretty_json(task.parameters)

    @admin.display(description=_("details and quality check"))
    def task_details_json(self, task):
        return pretty_json(task.task_details)

    @admin.display(description=_("file ids"))
    def file_ids_json(self, task):
        return ", ".join(map(str, task.file_ids)) or "-"

    @admin.action(description=_("Cancel selected tasks"), permissions=["operate"])
    def cancel_selected(self, request, queryset):
        lines, counts = [], {"cancelled": 0, "requested": 0, "refused": 0}
        for task in queryset.order_by("pk"):
            try:
                task = sync_task_cancel(task=task)
            except ApplicationError as exc:
                counts["refused"] += 1
                lines.append(self._refused(task, exc))
                continue
            if task.status == TaskStatus.CANCELLED:
                counts["cancelled"] += 1
                lines.append(format_html("{}: {}", change_link(task, task.task_id), gettext("cancelled")))
            else:
                counts["requested"] += 1
                lines.append(format_html("{}: {}", change_link(task, task.task_id),
                                         gettext("cancel requested: it stops after the file it is syncing")))
        summary = gettext("Cancelled: %(cancelled)d, cancel requested: %(requested)d, refused: %(refused)d.") % counts
        report(self, request, summary, lines, warn=bool(counts["refused"]))

    @admin.action(description=_("Retry selected tasks"), permissions=["operate"])
    def retry_selected(self, request, queryset):
        lines, counts = [], {"retried": 0, "refused": 0}
        for task in queryset.order_by("pk"):
            try:
                task = sync_task_retry(task=task)
            except ApplicationError as exc:
                counts["refused"] += 1
                lines.append(self._refused(task, exc))
                continue
            counts["retried"] += 1
            lines.append(format_html("{}: {}", change_link(task, task.task_id), ngettext(
                "queued again with %(count)d file", "queued again with %(count)d files", task.total_files)
                % {"count": task.total_files}))
        summary = gettext("Queued again: %(retried)d, refused: %(refused)d.") % counts
        report(self, request, summary, lines, warn=bool(counts["refused"]))

    @admin.action(description=_("Download the error workbook of selected tasks"))
    def error_workbook_selected(self, request, queryset):
        tasks = list(queryset.order_by("pk"))
        file_ids = list(dict.fromkeys(i for task in tasks for i in task.file_ids))
        return workbook_download(self, request, task_files_with_quarantine(file_ids),
                                 task_id=tasks[0].task_id if len(tasks) == 1 else "")

    def _refused(self, task, exc: ApplicationError):
        return format_html("{}: {}", change_link(task, task.task_id), gettext("refused (%(status)s): %(reason)s") % {
            "status": gettext(task.get_status_display()), "reason": refusal(exc)})


def _result_cells(result: dict) -> tuple:
    """One file's result (FileSyncResult.as_dict) as the cells of RESULT_COLUMNS."""
    status = result.get("status", "")
    if result.get("error"):
        problems = format_html("<code>{}</code>", result["error"])
    else:
        reasons = {**result.get("quarantine_reasons", {}), **result.get("skipped_reasons", {})}
        problems = ", ".join(f"{reason} x{count}" for reason, count in reasons.items()) or "-"
    badge = status_badge(status, FILE_STATUS_LABELS.get(status, status))
    counts = [result.get(name, 0) for name in ("rows_read", "rows_ingested", "rows_quarantined", "rows_skipped")]
    return (result.get("file_name", result.get("file_id")), badge, result.get("template", ""), *counts, problems)


@admin.register(models.CatalogFile)
class CatalogFileAdmin(ReadOnlyAdmin):
    list_display = ("file_name", "platform_code", "shop_id", "data_domain", "granularity", "period_start",
                    "status_label", "rows_read", "rows_ingested", "quarantined_rows", "last_synced_at")
    list_filter = ("status", "platform_code", "data_domain", "granularity")
    search_fields = ("path", "file_name", "shop_id", "sha256")
    date_hierarchy = "first_seen_at"
    actions = ("sync_selected", "preview_selected", "roll_back_selected", "error_workbook_selected")
    change_list_template = "admin/sync/catalogfile/change_list.html"
    fieldsets = (
        (None, {"fields": ("path", "file_name", "status_label", "template", "duplicate_of", "correction_of")}),
        (_("Classification"), {"fields": ("platform_code", "shop_id", "data_domain", "granularity",
                                          ("period_start", "period_end"))}),
        (_("Last sync"), {"fields": (("rows_read", "rows_ingested", "rows_skipped"), ("quarantined_rows", "rows_corrected"),
                                     ("encoding", "sheet_name", "number_locale"), "last_error", "drift_summary",
                                     "last_result_json", "last_synced_at")}),
        (_("File"), {"fields": ("sha256", "size_bytes", "mtime_ns", "first_seen_at", "updated_at")}),
    )
    readonly_fields = fieldset_names(fieldsets)

    def has_sync_permission(self, request):
        """Submitting files is what operators with the change permission may do to a file."""
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, file):
        return status_badge(file.status, file.get_status_display())

    @admin.display(description=_("quarantined rows"), ordering="rows_quarantined")
    def quarantined_rows(self, file):
        if not file.rows_quarantined:
            return 0
        url = reverse("admin:sync_quarantinedrow_changelist")
        return format_html('<a href="{}?file__id__exact={}&corrected_by__isempty=1">{}</a>', url, file.pk,
                           file.rows_quarantined)

    @admin.display(description=_("last result"))
    def last_result_json(self, file):
        return pretty_json(file.last_result)

    def get_urls(self):
        return [path("corrections/", self.admin_site.admin_view(self.corrections_view), name="sync_catalogfile_corrections"),
                *super().get_urls()]

    def corrections_view(self, request):
        """Upload an error workbook back: a correction per sheet, synced in one task."""
        if not self.has_sync_permission(request):
            return HttpResponseRedirect(reverse("admin:sync_catalogfile_changelist"))
        form = CorrectionUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                files = corrections_catalog(upload=form.cleaned_data["file"])
                task = sync_task_create(user=request.user, task_type=TaskType.BATCH_BY_IDS,
                                        file_ids=[f.pk for f in files], priority=ADMIN_SYNC_PRIORITY,
                                        options=SyncOptions(), parameters={"source": "admin", "corrections": True})
            except ApplicationError as exc:
                form.add_error("file", exc.message)
            else:
                lines = [format_html("{}: {}", change_link(f, f.file_name), gettext("corrects %(file)s") % {
                    "file": f.correction_of.file_name}) for f in files]
                report(self, request, format_html("{} {}", gettext("Correction sync task queued:"),
                                                  change_link(task, task.task_id)), lines, warn=False)
                return HttpResponseRedirect(reverse("admin:sync_catalogfile_changelist"))
        context = {**self.admin_site.each_context(request), "opts": self.opts, "form": form,
                   "title": gettext("Upload a corrected error workbook")}
        return TemplateResponse(request, "admin/sync/catalogfile/corrections.html", context)

    @admin.action(description=_("Download the error workbook of selected files"))
    def error_workbook_selected(self, request, queryset):
        return workbook_download(self, request, list(queryset.order_by("pk")))

    @admin.display(description=_("drift from the template"))
    def drift_summary(self, file):
        drift = (file.last_result or {}).get("drift")
        if not drift:
            return "-"
        url = reverse("admin:sync_filedrift_changelist")
        proposals = format_html_join("", "<div>{}</div>", ((proposal_text(p),) for p in drift.get("proposals", ())))
        return format_html('{}{}<a href="{}?file__id__exact={}">{}</a>', drift_text(drift), proposals, url, file.pk,
                           gettext("accept or review the proposals"))

    @admin.action(description=_("Preview selected files"), permissions=["sync"])
    def preview_selected(self, request, queryset):
        lines = []
        for file in queryset.order_by("pk"):
            preview = file_preview(file_id=file.pk, user=request.user)
            lines.append(format_html("{}: {}", change_link(preview, file.file_name), gettext(
                "%(new)d new, %(changed)d changed, %(unchanged)d unchanged, %(quarantined)d quarantined") % {
                "new": preview.rows_new, "changed": preview.rows_changed, "unchanged": preview.rows_unchanged,
                "quarantined": preview.rows_quarantined}))
        report(self, request, gettext("Previews stored (nothing written): %(count)d.") % {"count": len(lines)}, lines,
               warn=False)

    def has_roll_back_permission(self, request):
        """Undoing a file's rows changes the company's data: staff with the change permission."""
        return request.user.is_staff and self.has_sync_permission(request)

    @admin.action(description=_("Roll back selected files"), permissions=["roll_back"])
    def roll_back_selected(self, request, queryset):
        # Newest first, each in its own transaction: a later file goes before the one it wrote over.
        lines, counts = [], {"rolled_back": 0, "refused": 0}
        for file in queryset.order_by("-last_synced_at", "-pk"):
            try:
                outcome = file_rollback(file_id=file.pk)
            except ApplicationError as exc:
                counts["refused"] += 1
                lines.append(format_html("{}: {}", change_link(file, file.file_name),
                                         gettext("refused: %(reason)s") % {"reason": refusal(exc)}))
                continue
            counts["rolled_back"] += 1
            lines.append(format_html("{}: {}", change_link(file, file.file_name), gettext(
                "rolled back: %(deleted)d inserted rows deleted, %(restored)d rows restored") % {
                "deleted": outcome.rows_deleted, "restored": outcome.rows_restored}))
        summary = gettext("Rolled back: %(rolled_back)d, refused: %(refused)d.") % counts
        report(self, request, summary, lines, warn=bool(counts["refused"]))

    @admin.action(description=_("Sync selected files"), permissions=["sync"])
    def sync_selected(self, request, queryset):
        # Files another task holds are left out and named, so the rest still go in one batch.
        busy = list(queryset.filter(status__in=BUSY_FILE_STATUSES).order_by("pk"))
        file_ids = list(queryset.exclude(status__in=BUSY_FILE_STATUSES).order_by("pk").values_list("pk", flat=True))
        lines = [format_html("{}: {}", change_link(f, f.file_name), gettext(
            "refused: already queued or being synced by another task")) for f in busy]
        if not file_ids:
            report(self, request, gettext("No sync task was created: every selected file is busy."), lines, warn=True)
            return
        try:
            task = sync_task_create(user=request.user, task_type=TaskType.BATCH_BY_IDS, file_ids=file_ids,
                               priority=ADMIN_SYNC_PRIORITY, options=SyncOptions(), parameters={"source": "admin"})
        except ApplicationError as exc:
            self.message_user(request, gettext("No sync task was created: %(reason)s") % {"reason": refusal(exc)},
                              messages.ERROR)
            return
        summary = format_html("{} {}", ngettext(
            "Sync task queued with %(count)d file, %(refused)d refused:",
            "Sync task queued with %(count)d files, %(refused)d refused:", len(file_ids)) % {
            "count": len(file_ids), "refused": len(busy)}, change_link(task, task.task_id))
        report(self, request, summary, lines, warn=bool(busy))


class CorrectionUploadForm(forms.Form):
    file = forms.FileField(label=_("error workbook"),
                           help_text=_("The .xlsx downloaded with the error workbook action, with the cells fixed"))


@admin.register(models.QuarantinedRow)
class QuarantinedRowAdmin(ReadOnlyAdmin):
    list_display = ("file", "source_row", "reasons_text", "corrected_by", "task", "created_at")
    list_filter = ("file__platform_code", "file__data_domain", ("corrected_by", admin.EmptyFieldListFilter))
    list_select_related = ("file", "task", "corrected_by")
    search_fields = ("file__path", "file__file_name")
    ordering = ("file", "source_row")
    fields = ("file", "task", "source_row", "reasons_text", "raw_json", "corrected_by", "created_at")
    readonly_fields = fields

    @admin.display(description=_("reasons"))
    def reasons_text(self, row):
        return "; ".join(map(str, row.reasons)) or "-"

    @admin.display(description=_("raw values"))
    def raw_json(self, row):
        return pretty_json(row.raw)


@admin.register(models.DataQualityRecord)
class DataQualityRecordAdmin(ReadOnlyAdmin):
    list_display = ("platform_code", "shop_id", "data_domain", "business_date", "rows", "score", "checked_at")
    list_filter = ("platform_code", "data_domain")
    search_fields = ("shop_id",)
    date_hierarchy = "business_date"


@admin.register(models.SyncPreview)
class SyncPreviewAdmin(ReadOnlyAdmin):
    """What a file's sync would write; approving writes it unless the file or its rows changed since."""

    list_display = ("file", "status_label", "rows_new", "rows_changed", "rows_unchanged", "rows_quarantined",
                    "created_by", "created_at", "approved_at")
    list_filter = ("status",)
    list_select_related = ("file", "created_by")
    search_fields = ("file__path",)
    actions = ("approve_selected",)
    fields = ("file", "status_label", ("rows_new", "rows_changed", "rows_unchanged", "rows_quarantined", "rows_skipped"),
              ("first_date", "last_date"), "changes_table", "decisions_table", "result_json", "created_by",
              "created_at", "approved_at")
    readonly_fields = fieldset_names(((None, {"fields": fields}),))  # every field: previews are never edited

    def has_approve_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.change_catalogfile")

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, preview):
        return status_badge(preview.status, preview.get_status_display())

    @admin.display(description=_("changes"))
    def changes_table(self, preview):
        """Each changed field of the sample on its own line: the row's key, the field, before and after."""
        if not preview.changes:
            return "-"
        model = models.FACT_MODELS.get(preview.file.data_domain)
        head = format_html_join("", "<th>{}</th>", ((t,) for t in (_("row"), _("field"), _("before"), _("after"))))
        lines = [(_row_key(change["key"]), _field_label(model, name), _cell(before), _cell(after))
                 for change in preview.changes for name, (before, after) in change["fields"].items()]
        body = format_html_join("", '<tr><td>{}</td><td>{}</td><td class="before">{}</td><td class="after">{}</td></tr>',
                                lines)
        return format_html('<table id="preview-changes"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>', head, body)

    @admin.display(description=_("how each column was read"))
    def decisions_table(self, preview):
        decisions = (preview.result or {}).get("decisions") or {}
        if not decisions:
            return "-"
        model = models.FACT_MODELS.get(preview.file.data_domain)
        head = format_html_join("", "<th>{}</th>", ((t,) for t in (_("source column"), _("field"), _("type"),
                                                                   _("read by"), _("quarantined"))))
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (d.get("column", ""), _field_label(model, name), d.get("type", ""), d.get("why", "-"),
             ", ".join(f"{cause}: {count}" for cause, count in d.get("quarantined", {}).items()) or "-")
            for name, d in decisions.items()))
        return format_html('<table id="preview-decisions"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>', head, body)

    @admin.display(description=_("result"))
    def result_json(self, preview):
        return pretty_json(preview.result)

    @admin.action(description=_("Approve selected previews"), permissions=["approve"])
    def approve_selected(self, request, queryset):
        lines, counts = [], {"approved": 0, "refused": 0}
        for preview in queryset.order_by("pk"):
            try:
                preview_approve(preview_id=preview.pk)
            except ApplicationError as exc:
                counts["refused"] += 1
                lines.append(format_html("{}: {}", change_link(preview, str(preview)),
                                         gettext("refused: %(reason)s") % {"reason": refusal(exc)}))
                continue
            counts["approved"] += 1
            lines.append(format_html("{}: {}", change_link(preview, str(preview)), gettext("approved: the file is synced")))
        summary = gettext("Approved: %(approved)d, refused: %(refused)d.") % counts
        report(self, request, summary, lines, warn=bool(counts["refused"]))


_PLACE_KEYS = {"platform_code", "shop_id", "granularity"}


def _row_key(key: dict) -> str:
    return " / ".join(str(value) for name, value in key.items() if name not in _PLACE_KEYS and value not in ("", None))


def _field_label(model, name: str) -> str:
    try:
        return f"{model._meta.get_field(name).verbose_name} ({name})"
    except (AttributeError, FieldDoesNotExist):
        return name


def _cell(value) -> str:
    return "∅" if value in (None, "") else str(value)


@admin.register(models.ChangeSet)
class ChangeSetAdmin(ReadOnlyAdmin):
    """What each file's sync did, kept to roll it back (the file list's "Roll back selected files")."""

    list_display = ("file", "data_domain", "shop_id", "rows_inserted", "rows_updated", "synced_at", "task",
                    "rolled_back_at")
    list_filter = ("data_domain", "platform_code")
    list_select_related = ("file", "task")
    search_fields = ("file__path", "shop_id")
    date_hierarchy = "created_at"


class FactAdmin(ReadOnlyAdmin):
    list_filter = ("platform_code", "granularity")
    list_select_related = ("source_file",)
    date_hierarchy = "business_date"
    # Fact tables grow to millions of rows: skip the unfiltered count on every page.
    show_full_result_count = False
    readonly_fields = ("unmapped_cells_json",)

    @admin.display(description=_("unmapped source cells"))
    def unmapped_cells_json(self, row):
        return pretty_json(unmapped_cells_of(row))


for fact in models.FACT_MODELS.values():
    admin.site.register(fact, FactAdmin,
                        list_display=("platform_code", "shop_id", "business_date", *fact.BUSINESS_KEY,
                                      "source_file", "source_row", "synced_at"),
                        search_fields=("shop_id", *fact.BUSINESS_KEY))


def proposal_text(proposal: dict):
    """"`原价` looks like `unit_price` (商品原价), 0.83": the new column, the field, the alias it is like."""
    text = format_html(gettext("{header} looks like {field} ({alias}), {score}"),
                       header=format_html("<code>{}</code>", proposal["header"]),
                       field=format_html("<code>{}</code>", proposal["field"]), alias=proposal["alias"],
                       score=f"{proposal['score']:.2f}")
    if proposal.get("field_missing", True):
        return text
    return format_html("{} ({})", text, gettext("the field has its column too"))


def drift_text(drift: dict):
    """A drift's new columns and missing fields, one line each."""
    lines = [(gettext("new columns: %(names)s"), drift.get("columns_added")),
             (gettext("missing fields: %(names)s"), drift.get("fields_missing"))]
    return format_html_join(LINE_BREAK, "{}", ((line % {"names": ", ".join(names)},) for line, names in lines if names))


class DriftStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("pending", _("Pending")), ("accepted", _("Accepted"))]

    def queryset(self, request, queryset):
        if self.value() in ("pending", "accepted"):
            return queryset.filter(accepted_at__isnull=self.value() == "pending")
        return queryset


@admin.register(models.FileDrift)
class FileDriftAdmin(ReadOnlyAdmin):
    """How each file's header departed from its template; accepting the proposals adds them as aliases in a
    new template version, which the next file of that shape is read with."""

    list_display = ("file_name", "status_label", "proposals_text", "added_columns", "missing_fields",
                    "template_versions", "created_at")
    list_filter = (DriftStatusFilter, "file__platform_code", "file__data_domain")
    list_select_related = ("file", "template", "accepted_template")
    search_fields = ("file__path", "file__file_name")
    date_hierarchy = "created_at"
    actions = ("accept_selected",)
    fields = ("file", "template", "status_label", "added_columns", "missing_fields", "proposals_text", "created_at",
              "accepted_at", "accepted_by", "accepted_template")
    readonly_fields = fields

    STATUS_LABELS = {"pending": _("Pending"), "accepted": _("Accepted")}

    def has_accept_permission(self, request):
        """Accepting writes a template version every later file is read with: staff who may change templates."""
        return request.user.is_staff and request.user.has_perm(f"{self.opts.app_label}.change_fieldtemplate")

    @admin.display(description=_("status"), ordering="accepted_at")
    def status_label(self, drift):
        status = "accepted" if drift.accepted_at else "pending"
        return status_badge(status, str(self.STATUS_LABELS[status]))

    @admin.display(description=_("file"), ordering="file__file_name")
    def file_name(self, drift):
        return format_html('<span title="{}">{}</span>', drift.file.path, drift.file.file_name)

    @admin.display(description=_("template"), ordering="template")
    def template_versions(self, drift):
        """The version the file was read with, and the one its accepted proposals went into."""
        if drift.accepted_template_id and drift.accepted_template_id != drift.template_id:
            return format_html('<span style="white-space:nowrap">{} → v{}</span>', drift.template,
                               drift.accepted_template.version)
        return str(drift.template)

    @admin.display(description=_("columns added"))
    def added_columns(self, drift):
        return ", ".join(drift.columns_added) or "-"

    @admin.display(description=_("fields missing"))
    def missing_fields(self, drift):
        return ", ".join(drift.fields_missing) or "-"

    @admin.display(description=_("proposals"))
    def proposals_text(self, drift):
        if not drift.proposals:
            return "-"
        return format_html_join("", '<div style="white-space:nowrap">{}</div>',
                                ((proposal_text(p),) for p in drift.proposals))

    @admin.action(description=_("Accept selected proposals"), permissions=["accept"])
    def accept_selected(self, request, queryset):
        lines, counts = [], {"accepted": 0, "refused": 0}
        for drift in queryset.select_related("file").order_by("pk"):
            try:
                template = drift_accept(drift_id=drift.pk, by=request.user)
            except ApplicationError as exc:
                counts["refused"] += 1
                lines.append(format_html("{}: {}", change_link(drift, drift.file.file_name),
                                         gettext("refused: %(reason)s") % {"reason": refusal(exc)}))
                continue
            counts["accepted"] += 1
            lines.append(format_html("{}: {}", change_link(drift, drift.file.file_name), gettext(
                "aliases added in %(template)s") % {"template": template}))
        summary = gettext("Accepted: %(accepted)d, refused: %(refused)d.") % counts
        report(self, request, summary, lines, warn=bool(counts["refused"]))
