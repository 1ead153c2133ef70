"""Installing the declared beat jobs into django-celery-beat's tables."""

from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from sync.beat import BEAT_JOBS


@transaction.atomic
def beat_jobs_install() -> int:
    for job in BEAT_JOBS:
        interval, _ = IntervalSchedule.objects.get_or_create(every=job["every_seconds"],
                                                             period=IntervalSchedule.SECONDS)
        PeriodicTask.objects.update_or_create(
            name=job["name"], defaults={"task": job["task"], "interval": interval, "queue": job["queue"]},
        )
    return len(BEAT_JOBS)
