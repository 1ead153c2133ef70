from django.db import migrations

from erp.beat_jobs import beat_jobs_install_in_migration


class Migration(migrations.Migration):
    """Installs the beat jobs again, now with "warm cache" (erp/beat_jobs.py)."""

    dependencies = [("sync", "0007_task_queue_order_index"), ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(beat_jobs_install_in_migration, migrations.RunPython.noop)]
