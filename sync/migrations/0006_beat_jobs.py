from django.db import migrations

from erp.beat_jobs import beat_jobs_install_in_migration


class Migration(migrations.Migration):
    dependencies = [("sync", "0005_task_dispatch_error"), ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(beat_jobs_install_in_migration, migrations.RunPython.noop)]
