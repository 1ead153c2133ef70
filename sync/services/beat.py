"""Installing the declared beat jobs into django-celery-beat's tables (by a migration, and by
`manage.py install_beat_jobs` after sync/beat.py changes)."""

from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from sync.beat import BEAT_JOBS


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
