from django.db import migrations

from decisions.roles import migrate_roles


def create_roles_and_counter(apps, schema_editor):
    migrate_roles(apps, schema_editor)
    apps.get_model("decisions", "Counter").objects.get_or_create(name="decision")


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles_and_counter, migrations.RunPython.noop)]
