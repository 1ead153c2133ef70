from django.db import migrations


def install(apps, schema_editor):
    from sync.services.beat import beat_jobs_install

    beat_jobs_install(interval_model=apps.get_model("django_celery_beat", "IntervalSchedule"),
                      task_model=apps.get_model("django_celery_beat", "PeriodicTask"))


class Migration(migrations.Migration):
    dependencies = [("sync", "0007_task_queue_order_index"), ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
