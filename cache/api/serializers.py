"""Input of the cached reads and of the account edit, and the cache-stats output."""

from rest_framework import serializers

from sync.models import Platform
from sync.services.accounts import ACCOUNT_EDITABLE_FIELDS
from cache.serializers import PlatformAccountSerializer


class AccountQuery(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Platform.choices, required=False, help_text="platform code")
    enabled = serializers.BooleanField(required=False, allow_null=True, default=None,
                                       help_text="true or false; omitted: both")


class PlatformQuery(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Platform.choices, required=False, help_text="platform code")


class AccountUpdateRequest(serializers.ModelSerializer):
    class Meta(PlatformAccountSerializer.Meta):
        fields = list(ACCOUNT_EDITABLE_FIELDS)


class CacheTypeStatsSerializer(serializers.Serializer):
    cache_type = serializers.CharField()
    ttl_s = serializers.IntegerField()
    hits = serializers.IntegerField()
    misses = serializers.IntegerField()
    sets = serializers.IntegerField()
    invalidations = serializers.IntegerField()
    hit_rate = serializers.FloatField(allow_null=True, help_text="hits / (hits + misses); null before any lookup")
    keys = serializers.IntegerField(allow_null=True, help_text="live values of this type; null where the store "
                                                               "cannot list keys (the embedded database cache)")


class CacheTotalsSerializer(serializers.Serializer):
    hits = serializers.IntegerField()
    misses = serializers.IntegerField()
    sets = serializers.IntegerField()
    invalidations = serializers.IntegerField()
    hit_rate = serializers.FloatField(allow_null=True)


class CacheStatsSerializer(serializers.Serializer):
    backend = serializers.ChoiceField(choices=["redis", "database"])
    available = serializers.BooleanField(help_text="false while this process skips an unreachable store")
    types = CacheTypeStatsSerializer(many=True)
    totals = CacheTotalsSerializer()
