from rest_framework import serializers

from ratelimit.models import RateLimitEvent

MAX_WINDOW_MINUTES = 7 * 24 * 60


class WindowQuery(serializers.Serializer):
    minutes = serializers.IntegerField(min_value=1, max_value=MAX_WINDOW_MINUTES, default=60,
                                       help_text="look back this many minutes")


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = RateLimitEvent
        fields = ["id", "created_at", "key", "user", "tier", "rate_limit_type", "scope", "method", "path", "limit",
                  "count"]


class KeyStatsSerializer(serializers.Serializer):
    key = serializers.CharField()
    rate_limit_type = serializers.CharField()
    scope = serializers.CharField()
    events = serializers.IntegerField(help_text="429s in the window")
    limit = serializers.IntegerField()
    max_count = serializers.IntegerField(help_text="most requests seen in one minute")
    last_at = serializers.DateTimeField()


class TypeStatsSerializer(serializers.Serializer):
    rate_limit_type = serializers.CharField()
    events = serializers.IntegerField()
    keys = serializers.IntegerField()


class StatsSerializer(serializers.Serializer):
    window_minutes = serializers.IntegerField()
    total_events = serializers.IntegerField()
    by_type = TypeStatsSerializer(many=True)
    by_key = KeyStatsSerializer(many=True)


class AnomalySerializer(serializers.Serializer):
    key = serializers.CharField()
    scope = serializers.CharField()
    limit = serializers.IntegerField()
    events = serializers.IntegerField()
    max_count = serializers.IntegerField()
    last_at = serializers.DateTimeField()
    rule = serializers.ChoiceField(choices=["repeated_limits", "far_above_limit"])
    detail = serializers.CharField()


class UsageSerializer(serializers.Serializer):
    scope = serializers.CharField()
    rate_limit_type = serializers.CharField()
    limit = serializers.IntegerField()
    used = serializers.IntegerField()
    remaining = serializers.IntegerField()
    reset = serializers.IntegerField(help_text="Unix time the window ends")


class MyInfoSerializer(serializers.Serializer):
    key = serializers.CharField()
    tier = serializers.CharField()
    limits = serializers.DictField(child=serializers.IntegerField(), help_text="group -> requests per minute")
    endpoint_limits = serializers.DictField(child=serializers.IntegerField())
    window_seconds = serializers.IntegerField()
    counting = serializers.BooleanField(help_text="false while the counting cache is unreachable (no limits)")
    usage = UsageSerializer(many=True)


class ConfigSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    window_seconds = serializers.IntegerField()
    tiers = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()))
    groups = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    endpoints = serializers.DictField(child=serializers.IntegerField())
    trusted_proxies = serializers.ListField(child=serializers.CharField())
    fail_open_retry_seconds = serializers.FloatField()
    anomaly_rules = serializers.ListField(child=serializers.DictField())
    event_retention_hours = serializers.IntegerField()
    overrides = serializers.ListField(child=serializers.DictField())


class ClearedSerializer(serializers.Serializer):
    deleted_events = serializers.IntegerField()
