from django.db import migrations

from erp.beat_jobs import beat_jobs_install_in_migration


class Migration(migrations.Migration):
    """Installs the beat jobs again, now with "trim rate-limit events" (erp/beat_jobs.py)."""

    dependencies = [("ratelimit", "0001_initial"), ("sync", "0006_beat_jobs")]

    operations = [migrations.RunPython(beat_jobs_install_in_migration, migrations.RunPython.noop)]
