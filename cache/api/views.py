"""The cached reads (seed paths) and the cache statistics. Whether an answer came from the cache is
said only in the X-Cache header (HIT, MISS, or BYPASS while the store is down), never in the body."""

from dataclasses import asdict

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.views import APIView

from cache.api.serializers import AccountQuery, AccountUpdateRequest, CacheStatsSerializer, PlatformQuery
from cache.decorators import Lookup
from cache.selectors import account_stats, collection_accounts, component_versions_active
from cache.serializers import AccountStatsSerializer, ComponentVersionSerializer, PlatformAccountSerializer
from cache.stats import stats_read, stats_reset, store_status
from erp.api.envelope import respond
from erp.api.schema import ERRORS, enveloped
from sync.models import PlatformAccount
from sync.services.accounts import platform_account_update

CACHED_TAG = "cached reads"
X_CACHE = OpenApiParameter("X-Cache", OpenApiTypes.STR, location=OpenApiParameter.HEADER, response=[200],
                           enum=["HIT", "MISS", "BYPASS"],
                           description="HIT: from the cache; MISS: computed and stored; BYPASS: the cache is down")


def cached_respond(lookup: Lookup):
    response = respond(lookup.value)
    response["X-Cache"] = lookup.source
    return response


def query(serializer_class, request) -> dict:
    params = serializer_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data


@extend_schema(tags=[CACHED_TAG], parameters=[AccountQuery, X_CACHE],
               responses={200: enveloped(PlatformAccountSerializer, many=True), **ERRORS(400, 401)})
class CollectionAccountsView(APIView):
    def get(self, request):
        params = query(AccountQuery, request)
        return cached_respond(collection_accounts.lookup(platform=params.get("platform"), enabled=params["enabled"]))


@extend_schema(tags=[CACHED_TAG], request=AccountUpdateRequest,
               responses={200: enveloped(PlatformAccountSerializer), **ERRORS(400, 401, 403, 404)})
class CollectionAccountView(APIView):
    """Staff edit an account; the cached reads show the change on the next request."""

    permission_classes = [permissions.IsAdminUser]

    def patch(self, request, account_id: int):
        account = get_object_or_404(PlatformAccount, pk=account_id)
        data = AccountUpdateRequest(account, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        account = platform_account_update(account=account, data=data.validated_data)
        return respond(PlatformAccountSerializer(account).data, message=_("Account updated."))


@extend_schema(tags=[CACHED_TAG], parameters=[X_CACHE], responses={200: enveloped(AccountStatsSerializer), **ERRORS(401)})
class AccountStatsView(APIView):
    def get(self, request):
        return cached_respond(account_stats.lookup())


@extend_schema(tags=[CACHED_TAG], parameters=[PlatformQuery, X_CACHE],
               responses={200: enveloped(ComponentVersionSerializer, many=True), **ERRORS(400, 401)})
class ComponentVersionsView(APIView):
    def get(self, request):
        params = query(PlatformQuery, request)
        return cached_respond(component_versions_active.lookup(platform=params.get("platform")))


@extend_schema(tags=["system"], responses={200: enveloped(CacheStatsSerializer), **ERRORS(401, 403)})
class CacheStatsView(APIView):
    """Hits, misses, sets and invalidations per cache type, summed over every process (staff)."""

    permission_classes = [permissions.IsAdminUser]

    def get(self, request):
        return respond(cache_stats_body())

    def delete(self, request):
        stats_reset()
        return respond(cache_stats_body(), message=_("Cache statistics reset."))


def cache_stats_body() -> dict:
    types = stats_read()
    totals = {name: sum(getattr(t, name) for t in types) for name in ("hits", "misses", "sets", "invalidations")}
    lookups = totals["hits"] + totals["misses"]
    totals["hit_rate"] = round(totals["hits"] / lookups, 4) if lookups else None
    return CacheStatsSerializer({**store_status(), "totals": totals,
                                   "types": [{**asdict(t), "hit_rate": t.hit_rate} for t in types]}).data
