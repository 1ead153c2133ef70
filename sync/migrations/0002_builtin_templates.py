from django.db import migrations


def install(apps, schema_editor):
    from sync.services.templates import templates_install_builtin

    templates_install_builtin(template_model=apps.get_model("sync", "FieldTemplate"))


class Migration(migrations.Migration):
    dependencies = [("sync", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
