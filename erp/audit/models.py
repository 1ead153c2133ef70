"""The audit trail: django-auditlog's log entry (who, when, what object, changed fields before and after)
plus where the action came from and which operator action it was."""

from auditlog.models import AbstractLogEntry
from django.db import models
from django.utils.translation import gettext_lazy as _

from erp.audit.context import AuditSource


class AuditOperation(models.TextChoices):
    # Model history written by django-auditlog (create / update / delete of a registered model).
    CHANGE = "change", _("change")
    # Operator actions the services record explicitly (they update rows in bulk, which no history sees).
    SYNC = "sync", _("sync")
    CANCEL = "cancel", _("cancel")
    RETRY = "retry", _("retry")
    ACCOUNT_ENABLE = "account_enable", _("enable account")
    ACCOUNT_DISABLE = "account_disable", _("disable account")
    ROLE_CHANGE = "role_change", _("role change")
    ROLLBACK = "rollback", _("roll back")
    # A file's drift proposal accepted: its aliases went into a new template version.
    DRIFT_ACCEPT = "drift_accept", _("accept drift proposal")


class AuditRecord(AbstractLogEntry):
    source = models.CharField(_("source"), max_length=10, choices=AuditSource.choices, default=AuditSource.SYSTEM,
                              db_index=True)
    operation = models.CharField(_("operation"), max_length=20, choices=AuditOperation.choices,
                                 default=AuditOperation.CHANGE, db_index=True)
    # The actor's username when the record was written (it outlives the user), or the OS user of a command.
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)

    class Meta(AbstractLogEntry.Meta):
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        indexes = [models.Index(fields=["content_type", "object_pk", "timestamp"], name="audit_object_time")]
