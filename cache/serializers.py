"""The shapes of the cached reads: the selectors store these serializers' output, and the API's
schema documents them."""

from rest_framework import serializers

from sync.models import ComponentVersion, PlatformAccount


class PlatformAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlatformAccount
        fields = ["id", "platform_code", "shop_id", "shop_name", "region", "timezone", "number_locale", "enabled",
                  "last_collected_at", "created_at"]


class ComponentVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComponentVersion
        fields = ["id", "component_name", "platform_code", "version", "is_active", "released_at", "notes"]


class PlatformCountsSerializer(serializers.Serializer):
    platform_code = serializers.CharField()
    total = serializers.IntegerField()
    enabled = serializers.IntegerField()
    recently_collected = serializers.IntegerField()


class AccountStatsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    enabled = serializers.IntegerField()
    disabled = serializers.IntegerField()
    recently_collected = serializers.IntegerField(help_text="collected within the last recent_hours")
    recent_hours = serializers.IntegerField()
    by_platform = PlatformCountsSerializer(many=True)
