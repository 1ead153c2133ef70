from django.contrib import admin

from ratelimit.models import RateLimitEvent, RateLimitOverride


@admin.register(RateLimitOverride)
class RateLimitOverrideAdmin(admin.ModelAdmin):
    list_display = ["user", "default_per_minute", "data_sync_per_minute", "auth_per_minute", "reason", "updated_at"]
    search_fields = ["user__username", "reason"]
    autocomplete_fields = ["user"]


@admin.register(RateLimitEvent)
class RateLimitEventAdmin(admin.ModelAdmin):
    """Read-only: events are written by the rate limits and trimmed by a beat job."""

    list_display = ["created_at", "key", "tier", "rate_limit_type", "scope", "count", "limit", "method", "path"]
    list_filter = ["rate_limit_type", "tier"]
    search_fields = ["key", "path"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
