"""/api/rate-limit/*: the configuration, stats, events and anomalies (staff), and my-info (signed in)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions
from rest_framework.views import APIView

from ratelimit.api import serializers as s
from ratelimit.models import RateLimitEvent
from ratelimit.services import (
    caller_for,
    caller_info,
    rate_limit_anomalies,
    rate_limit_config,
    rate_limit_events_clear,
    rate_limit_stats,
)
from sync.api.envelope import respond
from sync.api.schema import ERRORS, enveloped
from sync.api.viewset_serializers import enveloped_page

TAG = "rate limits"
STAFF = [permissions.IsAdminUser]


def _window(request) -> int:
    query = s.WindowQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data["minutes"]


@extend_schema(tags=[TAG], responses={200: enveloped(s.ConfigSerializer), **ERRORS(401, 403)})
class ConfigView(APIView):
    permission_classes = STAFF

    def get(self, request):
        return respond(s.ConfigSerializer(rate_limit_config()).data)


class StatsView(APIView):
    permission_classes = STAFF

    @extend_schema(tags=[TAG], parameters=[s.WindowQuery],
                   responses={200: enveloped(s.StatsSerializer), **ERRORS(400, 401, 403)})
    def get(self, request):
        return respond(s.StatsSerializer(rate_limit_stats(minutes=_window(request))).data)

    @extend_schema(tags=[TAG], responses={200: enveloped(s.ClearedSerializer), **ERRORS(401, 403)})
    def delete(self, request):
        deleted = rate_limit_events_clear()
        return respond(s.ClearedSerializer({"deleted_events": deleted}).data,
                       message=_("Rate-limit statistics cleared."))


@extend_schema(tags=[TAG], responses={200: enveloped_page(s.EventSerializer), **ERRORS(400, 401, 403)})
class EventsView(generics.ListAPIView):
    """Recent 429s, newest first; filter with ?key= and ?rate_limit_type=."""

    permission_classes = STAFF
    serializer_class = s.EventSerializer
    filterset_fields = ["key", "rate_limit_type", "tier"]
    ordering_fields = ["created_at"]
    queryset = RateLimitEvent.objects.all()


@extend_schema(tags=[TAG], parameters=[s.WindowQuery],
               responses={200: enveloped(s.AnomalySerializer, many=True), **ERRORS(400, 401, 403)})
class AnomaliesView(APIView):
    permission_classes = STAFF

    def get(self, request):
        return respond(s.AnomalySerializer(rate_limit_anomalies(minutes=_window(request)), many=True).data)


@extend_schema(tags=[TAG], responses={200: enveloped(s.MyInfoSerializer), **ERRORS(401)})
class MyInfoView(APIView):
    """A signed-in caller: the tier, limits and usage that apply to it."""

    permission_classes = [permissions.IsAuthenticated]  # seed 000: my-info requires login

    def get(self, request):
        return respond(s.MyInfoSerializer(caller_info(request, caller_for(request, request.user))).data)
