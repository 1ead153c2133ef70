from django.db import migrations


def install(apps, schema_editor):
    from sync.services.beat import beat_jobs_install

    beat_jobs_install(interval_model=apps.get_model("django_celery_beat", "IntervalSchedule"),
                      task_model=apps.get_model("django_celery_beat", "PeriodicTask"))


class Migration(migrations.Migration):
    """Installs the beat jobs again, now with "trim rate-limit events" (sync/beat.py)."""

    dependencies = [("ratelimit", "0001_initial"), ("sync", "0006_beat_jobs")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
