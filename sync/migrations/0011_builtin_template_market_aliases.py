from django.db import migrations


def merge(apps, schema_editor):
    from sync.services.templates import templates_merge_builtin_aliases

    templates_merge_builtin_aliases(template_model=apps.get_model("sync", "FieldTemplate"))


class Migration(migrations.Migration):
    dependencies = [("sync", "0010_number_locale_encoding_sheet")]

    operations = [migrations.RunPython(merge, migrations.RunPython.noop)]
