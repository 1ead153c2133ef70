"""Which models keep a change history (django-auditlog), and how each record learns its actor and source
from the audit context when it is saved."""

from django.db.models.signals import pre_save

from erp.audit.context import audit_context_current


def register_models():
    from auditlog.registry import auditlog

    from erp.audit.models import AuditRecord
    from ratelimit.models import RateLimitOverride
    from sync.models import ComponentVersion, FieldTemplate, PlatformAccount

    # Timestamps the row keeps itself are not changes an operator made.
    auditlog.register(FieldTemplate, exclude_fields=["updated_at"])
    auditlog.register(PlatformAccount, exclude_fields=["last_collected_at", "created_at"])
    auditlog.register(ComponentVersion)
    auditlog.register(RateLimitOverride, exclude_fields=["updated_at", "created_at"])
    # A user's role (groups and staff flags) is recorded as one explicit record per change by
    # audit.services.user_role_record, not here: the history would write one record per group and flag.
    pre_save.connect(_fill_from_context, sender=AuditRecord, dispatch_uid="audit_fill_from_context")


def _fill_from_context(sender, instance, **kwargs):
    context = audit_context_current()
    if instance.actor_id is None and (actor := context.resolve_actor()) is not None:
        instance.actor = actor
    if not instance.actor_name:
        instance.actor_name = instance.actor.get_username() if instance.actor_id else context.actor_name
    if instance.source == sender._meta.get_field("source").default:
        instance.source = context.source
    if instance.remote_addr is None:
        instance.remote_addr = context.remote_addr
