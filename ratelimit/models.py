from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RateLimitOverride(models.Model):
    """An operator's per-user limits (requests per minute); an empty field keeps the tier's value."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rate_limit_override",
                                verbose_name=_("user"))
    default_per_minute = models.PositiveIntegerField(_("default requests per minute"), null=True, blank=True)
    data_sync_per_minute = models.PositiveIntegerField(_("data-sync requests per minute"), null=True, blank=True)
    auth_per_minute = models.PositiveIntegerField(_("auth requests per minute"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("rate-limit override")
        verbose_name_plural = _("rate-limit overrides")

    def __str__(self):
        return str(self.user)

    def per_group(self) -> dict[str, int]:
        values = {"default": self.default_per_minute, "data_sync": self.data_sync_per_minute,
                  "auth": self.auth_per_minute}
        return {group: value for group, value in values.items() if value is not None}


class RateLimitEvent(models.Model):
    """One refused request (429). Kept RATE_LIMIT_EVENT_RETENTION_HOURS, at most RATE_LIMIT_EVENT_MAX_ROWS."""

    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    key = models.CharField(_("key"), max_length=100, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             verbose_name=_("user"))
    tier = models.CharField(_("tier"), max_length=20)
    # The limit that refused: a group ("data_sync") or an endpoint ("endpoint").
    rate_limit_type = models.CharField(_("limit type"), max_length=20)
    scope = models.CharField(_("scope"), max_length=200)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=300)
    limit = models.PositiveIntegerField(_("limit per minute"))
    # Requests the key had made in the window when it was refused: how far past the limit it pushed.
    count = models.PositiveIntegerField(_("requests in window"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["key", "created_at"])]
        verbose_name = _("rate-limit event")
        verbose_name_plural = _("rate-limit events")

    def __str__(self):
        return f"{self.key} {self.scope} {self.created_at:%Y-%m-%d %H:%M:%S}"
