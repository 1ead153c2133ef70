from django.urls import path

from ratelimit.api import views as v

urlpatterns = [
    path("rate-limit/config", v.ConfigView.as_view(), name="rate-limit-config"),
    path("rate-limit/stats", v.StatsView.as_view(), name="rate-limit-stats"),
    path("rate-limit/events", v.EventsView.as_view(), name="rate-limit-events"),
    path("rate-limit/anomalies", v.AnomaliesView.as_view(), name="rate-limit-anomalies"),
    path("rate-limit/my-info", v.MyInfoView.as_view(), name="rate-limit-my-info"),
]
