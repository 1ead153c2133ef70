"""/api/rate-limit/*: the configuration, stats, events and anomalies (staff), and my-info (signed in)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions
from rest_framework.views import APIView

from erp.api.envelope import respond
from erp.api.schema import ERRORS, enveloped, enveloped_page
from ratelimit.api.serializers import (AnomalySerializer, ClearedSerializer, ConfigSerializer, EventSerializer,
                                       MyInfoSerializer, StatsSerializer, WindowQuery)
from ratelimit.models import RateLimitEvent
from ratelimit.services import (caller_for, caller_info, rate_limit_anomalies, rate_limit_config,
                                rate_limit_events_clear, rate_limit_stats)

TAG = "rate limits"
STAFF = [permissions.IsAdminUser]


def _window(request) -> int:
    query = WindowQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data["minutes"]


@extend_schema(tags=[TAG], responses={200: enveloped(ConfigSerializer), **ERRORS(401, 403)})
class ConfigView(APIView):
    permission_classes = STAFF

    def get(self, request):
        return respond(ConfigSerializer(rate_limit_config()).data)


class StatsView(APIView):
    permission_classes = STAFF

    @extend_schema(tags=[TAG], parameters=[WindowQuery],
                   responses={200: enveloped(StatsSerializer), **ERRORS(400, 401, 403)})
    def get(self, request):
        return respond(StatsSerializer(rate_limit_stats(minutes=_window(request))).data)

    @extend_schema(tags=[TAG], responses={200: enveloped(ClearedSerializer), **ERRORS(401, 403)})
    def delete(self, request):
        deleted = rate_limit_events_clear()
        return respond(ClearedSerializer({"deleted_events": deleted}).data,
                       message=_("Rate-limit statistics cleared."))


# 404: a page past the last one (DRF's page-number pagination).
@extend_schema(tags=[TAG], responses={200: enveloped_page(EventSerializer), **ERRORS(400, 401, 403, 404)})
class EventsView(generics.ListAPIView):
    """Recent 429s, newest first; filter with ?key= and ?rate_limit_type=."""

    permission_classes = STAFF
    serializer_class = EventSerializer
    filterset_fields = ["key", "rate_limit_type", "tier"]
    ordering_fields = ["created_at"]
    queryset = RateLimitEvent.objects.all()


@extend_schema(tags=[TAG], parameters=[WindowQuery],
               responses={200: enveloped(AnomalySerializer, many=True), **ERRORS(400, 401, 403)})
class AnomaliesView(APIView):
    permission_classes = STAFF

    def get(self, request):
        return respond(AnomalySerializer(rate_limit_anomalies(minutes=_window(request)), many=True).data)


@extend_schema(tags=[TAG], responses={200: enveloped(MyInfoSerializer), **ERRORS(401)})
class MyInfoView(APIView):
    """A signed-in caller: the tier, limits and usage that apply to it."""

    permission_classes = [permissions.IsAuthenticated]  # seed 000: my-info requires login

    def get(self, request):
        return respond(MyInfoSerializer(caller_info(request, caller_for(request, request.user))).data)
