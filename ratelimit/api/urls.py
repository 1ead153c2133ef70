from django.urls import path

from ratelimit.api.views import AnomaliesView, ConfigView, EventsView, MyInfoView, StatsView

urlpatterns = [
    path("rate-limit/config", ConfigView.as_view(), name="rate-limit-config"),
    path("rate-limit/stats", StatsView.as_view(), name="rate-limit-stats"),
    path("rate-limit/events", EventsView.as_view(), name="rate-limit-events"),
    path("rate-limit/anomalies", AnomaliesView.as_view(), name="rate-limit-anomalies"),
    path("rate-limit/my-info", MyInfoView.as_view(), name="rate-limit-my-info"),
]
