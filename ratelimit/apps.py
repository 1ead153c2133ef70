from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RateLimitConfig(AppConfig):
    name = "ratelimit"
    verbose_name = _("Rate limits")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ratelimit import authentication, signals  # noqa: F401  (connect the cache invalidations)
