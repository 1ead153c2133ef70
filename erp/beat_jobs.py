"""The beat jobs of every app, declared in this one place and written into django-celery-beat's tables
with update_or_create by name (by a migration, and by `manage.py install_beat_jobs` after a change here),
so an operator's edits to other jobs in the admin survive a deploy."""

from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

BEAT_JOBS = [
    {
        "name": "dispatch deferred tasks",
        "task": "sync.tasks.dispatch_deferred",
        "every_seconds": 10,
        "queue": "scheduled",
    },
    {
        "name": "scan inbox",
        "task": "sync.tasks.scan_inbox",
        "every_seconds": 300,
        "queue": "scheduled",
    },
    {
        "name": "recover stalled tasks",
        "task": "sync.tasks.recover_stalled",
        "every_seconds": 60,
        "queue": "scheduled",
    },
    {
        "name": "clean up old tasks",
        "task": "sync.tasks.cleanup_old_tasks",
        "every_seconds": 24 * 3600,
        "queue": "scheduled",
    },
    # Rollback's change sets (sync/services/rollback.py, ERP_CHANGE_SET_RETENTION_DAYS).
    {
        "name": "prune change sets",
        "task": "sync.tasks.prune_change_sets",
        "every_seconds": 24 * 3600,
        "queue": "scheduled",
    },
    {
        "name": "reconcile quota slots",
        "task": "sync.tasks.reconcile_quotas",
        "every_seconds": 60,
        "queue": "scheduled",
    },
    {
        "name": "trim rate-limit events",
        "task": "ratelimit.tasks.trim_rate_limit_events",
        "every_seconds": 3600,
        "queue": "scheduled",
    },
    # The cache layer (cache/tasks.py): every 4 minutes, under the 5-minute TTL, so hot keys never go cold.
    {
        "name": "warm cache",
        "task": "cache.tasks.warm_cache",
        "every_seconds": 240,
        "queue": "scheduled",
    },
    # The audit trail's retention (audit/tasks.py, ERP_AUDIT_RETENTION_DAYS).
    {
        "name": "trim audit log",
        "task": "audit.tasks.trim_audit_log",
        "every_seconds": 24 * 3600,
        "queue": "scheduled",
    },
]


@transaction.atomic
def beat_jobs_install(*, interval_model=IntervalSchedule, task_model=PeriodicTask) -> int:
    for job in BEAT_JOBS:
        interval, _ = interval_model.objects.get_or_create(every=job["every_seconds"], period="seconds")
        task_model.objects.update_or_create(
            name=job["name"], defaults={"task": job["task"], "interval": interval, "queue": job["queue"]},
        )
    return len(BEAT_JOBS)


def beat_jobs_install_in_migration(apps, schema_editor):
    """RunPython body of the migrations that write the beat jobs, with the migration's historical models."""
    beat_jobs_install(interval_model=apps.get_model("django_celery_beat", "IntervalSchedule"),
                      task_model=apps.get_model("django_celery_beat", "PeriodicTask"))
