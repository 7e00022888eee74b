from django.db import migrations


def count_decisions(apps, schema_editor):
    Counter, Decision = apps.get_model("decisions", "Counter"), apps.get_model("decisions", "Decision")
    Counter.objects.update_or_create(name="decisions total", defaults={"value": Decision.objects.count()})


class Migration(migrations.Migration):
    dependencies = [("decisions", "0029_contracts")]

    operations = [migrations.RunPython(count_decisions, migrations.RunPython.noop)]
