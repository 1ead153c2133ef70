from django.db import migrations

from sync.services.beat import beat_jobs_install_in_migration


class Migration(migrations.Migration):
    """Installs the beat jobs again, now with "warm cache" (sync/beat.py)."""

    dependencies = [("sync", "0007_task_queue_order_index"), ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(beat_jobs_install_in_migration, migrations.RunPython.noop)]
