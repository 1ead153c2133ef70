"""Recording operator actions that change rows in bulk (cancel, retry, sync, enable), and the retention."""

from datetime import timedelta

from django.utils import timezone

from audit.models import AuditOperation, AuditRecord


def audit_record(*, instance, operation: str, before: dict, after: dict, extra: dict | None = None) -> AuditRecord:
    """One record of an operator action on one object; who and from where come from the audit context.
    Only the fields whose value changed are kept, as [before, after] like django-auditlog's."""
    changes = {name: [before.get(name), after.get(name)] for name in after if before.get(name) != after.get(name)}
    action = AuditRecord.Action.CREATE if operation == AuditOperation.SYNC else AuditRecord.Action.UPDATE
    return AuditRecord.objects.log_create(instance, force_log=True, action=action, operation=operation,
                                          changes=changes, additional_data=extra or None)


def audit_records_trim(*, older_than_days: int) -> int:
    cutoff = timezone.now() - timedelta(days=older_than_days)
    removed, _ = AuditRecord.objects.filter(timestamp__lt=cutoff).delete()
    return removed
