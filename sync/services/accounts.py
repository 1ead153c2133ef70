"""Writes to collection accounts: one account (its post_save tells the cache) and many at once
(queryset.update sends no post_save, so rows_changed does)."""

from django.db import transaction

from erp.audit.models import AuditOperation
from erp.audit.services import audit_record
from sync.models import PlatformAccount
from sync.signals import rows_changed

ACCOUNT_EDITABLE_FIELDS = ("shop_name", "region", "timezone", "number_locale", "enabled", "last_collected_at")


def platform_account_update(*, account: PlatformAccount, data: dict) -> PlatformAccount:
    fields = [name for name in ACCOUNT_EDITABLE_FIELDS if name in data]
    for name in fields:
        setattr(account, name, data[name])
    account.save(update_fields=fields or None)
    return account


@transaction.atomic
def platform_accounts_set_enabled(*, account_ids: list[int], enabled: bool) -> int:
    """Enable or disable many accounts in one UPDATE; returns how many rows changed. The UPDATE writes no
    model history, so each changed account gets its audit record here."""
    accounts = list(PlatformAccount.objects.select_for_update().filter(pk__in=account_ids).exclude(enabled=enabled))
    changed = PlatformAccount.objects.filter(pk__in=[a.pk for a in accounts]).update(enabled=enabled)
    operation = AuditOperation.ACCOUNT_ENABLE if enabled else AuditOperation.ACCOUNT_DISABLE
    for account in accounts:
        audit_record(instance=account, operation=operation, before={"enabled": not enabled}, after={"enabled": enabled})
    if changed:
        rows_changed.send(sender=PlatformAccount)
    return changed
