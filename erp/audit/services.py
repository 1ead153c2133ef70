"""Recording operator actions that change rows in bulk (cancel, retry, sync, enable), and the retention."""

from datetime import timedelta

from django.utils import timezone

from erp.audit.models import AuditOperation, AuditRecord


def audit_record(*, instance, operation: str, before: dict, after: dict, extra: dict | None = None) -> AuditRecord:
    """One record of an operator action on one object; who and from where come from the audit context.
    Only the fields whose value changed are kept, as [before, after] like django-auditlog's."""
    changes = {name: [before.get(name), after.get(name)] for name in after if before.get(name) != after.get(name)}
    action = AuditRecord.Action.CREATE if operation == AuditOperation.SYNC or not before else AuditRecord.Action.UPDATE
    return AuditRecord.objects.log_create(instance, force_log=True, action=action, operation=operation,
                                          changes=changes, additional_data=extra or None)


def user_role_state(*, user_id: int | None) -> dict:
    """What makes a user's role (erp/users.py): its groups and its staff, superuser and active flags."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        return {}
    return {"groups": sorted(user.groups.values_list("name", flat=True)), "is_staff": user.is_staff,
            "is_superuser": user.is_superuser, "is_active": user.is_active}


def user_role_record(*, user, before: dict) -> AuditRecord | None:
    """One record of a role change, however many groups and flags it touched (the admin's form and
    api_user_create save the flags and set the groups in separate writes); none when nothing changed."""
    after = user_role_state(user_id=user.pk)
    if after == before:
        return None
    return audit_record(instance=user, operation=AuditOperation.ROLE_CHANGE, before=before, after=after)


def audit_records_trim(*, older_than_days: int) -> int:
    cutoff = timezone.now() - timedelta(days=older_than_days)
    removed, _ = AuditRecord.objects.filter(timestamp__lt=cutoff).delete()
    return removed
