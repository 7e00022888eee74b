from django.contrib.auth.management import create_permissions
from django.db import migrations

from decisions.roles import sync_roles


def create_roles_and_counter(apps, schema_editor):
    # Permissions are normally created after all migrations; roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))
    apps.get_model("decisions", "Counter").objects.get_or_create(name="decision")


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles_and_counter, migrations.RunPython.noop)]
