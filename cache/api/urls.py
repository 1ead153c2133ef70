from django.urls import path

from cache.api import views

urlpatterns = [
    path("collection/accounts", views.CollectionAccountsView.as_view(), name="collection-accounts"),
    path("collection/accounts/<int:account_id>", views.CollectionAccountView.as_view(), name="collection-account"),
    path("accounts/stats", views.AccountStatsView.as_view(), name="account-stats"),
    path("component-versions", views.ComponentVersionsView.as_view(), name="component-versions"),
    path("system/cache-stats", views.CacheStatsView.as_view(), name="cache-stats"),
]
