"""Invalidation: any create, update or delete of the rows behind a cached read (ORM, admin, or a bulk
write through a sync service) drops that read's cache types when the transaction commits."""

from django.db.models.signals import post_delete, post_save

from cache.services import cache_invalidate_on_commit
from sync.models import ComponentVersion, PlatformAccount
from sync.signals import rows_changed

INVALIDATED_BY = {
    PlatformAccount: ("accounts", "account_stats"),
    ComponentVersion: ("component_versions",),
}


def rows_written(sender, **kwargs):
    cache_invalidate_on_commit(cache_types=INVALIDATED_BY[sender])


for _model in INVALIDATED_BY:
    for _signal in (post_save, post_delete, rows_changed):
        _signal.connect(rows_written, sender=_model, dispatch_uid=f"cache-invalidate-{_model.__name__}")
