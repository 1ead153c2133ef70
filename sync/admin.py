"""Admin for operators: files, templates, accounts, tasks and their quarantine."""

from django.contrib import admin

from sync import models


@admin.register(models.PlatformAccount)
class PlatformAccountAdmin(admin.ModelAdmin):
    list_display = ("platform_code", "shop_id", "shop_name", "region", "timezone", "enabled", "last_collected_at")
    list_filter = ("platform_code", "enabled")
    search_fields = ("shop_id", "shop_name")


@admin.register(models.ComponentVersion)
class ComponentVersionAdmin(admin.ModelAdmin):
    list_display = ("component_name", "platform_code", "version", "is_active", "released_at")
    list_filter = ("platform_code", "is_active")


@admin.register(models.FieldTemplate)
class FieldTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "platform_code", "data_domain", "granularity", "version", "is_active", "is_builtin")
    list_filter = ("platform_code", "data_domain", "is_active")
    search_fields = ("name",)


@admin.register(models.CatalogFile)
class CatalogFileAdmin(admin.ModelAdmin):
    list_display = ("path", "platform_code", "shop_id", "data_domain", "granularity", "status",
                    "rows_read", "rows_ingested", "rows_quarantined", "rows_skipped", "last_synced_at")
    list_filter = ("status", "platform_code", "data_domain", "granularity")
    search_fields = ("path", "sha256")
    readonly_fields = ("sha256", "size_bytes", "mtime_ns", "first_seen_at", "last_synced_at", "last_result")


@admin.register(models.SyncProgressTask)
class SyncProgressTaskAdmin(admin.ModelAdmin):
    list_display = ("task_id", "task_type", "user", "priority", "status", "processed_files", "total_files",
                    "rows_ingested", "rows_quarantined", "created_at", "finished_at")
    list_filter = ("status", "task_type")
    search_fields = ("task_id",)
    readonly_fields = ("file_results", "errors", "task_details", "heartbeat_at", "dispatched_at")


@admin.register(models.QuarantinedRow)
class QuarantinedRowAdmin(admin.ModelAdmin):
    list_display = ("file", "source_row", "reasons", "task", "created_at")
    list_select_related = ("file",)
    search_fields = ("file__path",)


@admin.register(models.DataQualityRecord)
class DataQualityRecordAdmin(admin.ModelAdmin):
    list_display = ("platform_code", "shop_id", "data_domain", "business_date", "rows", "score", "checked_at")
    list_filter = ("platform_code", "data_domain")


for fact in models.FACT_MODELS.values():
    admin.site.register(fact, list_display=("platform_code", "shop_id", "business_date", *fact.BUSINESS_KEY,
                                            "source_file", "source_row"),
                        list_filter=("platform_code", "granularity"), raw_id_fields=("source_file",))
