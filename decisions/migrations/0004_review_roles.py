from django.db import migrations

from decisions.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [("decisions", "0003_reviews_comments_notifications")]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]
