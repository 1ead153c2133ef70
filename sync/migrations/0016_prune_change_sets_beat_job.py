from django.db import migrations

from erp.beat_jobs import beat_jobs_install_in_migration


class Migration(migrations.Migration):
    """Installs the beat jobs again, now with "prune change sets" (erp/beat_jobs.py)."""

    dependencies = [("sync", "0015_change_sets"), ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(beat_jobs_install_in_migration, migrations.RunPython.noop)]
