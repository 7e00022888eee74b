"""Search terms carry their decision's number, so a search without filters ranks from them alone."""

from django.db import migrations, models

COPY = (
    "UPDATE decisions_searchterms t SET number = d.number FROM decisions_decision d WHERE d.id = t.decision_id"
)


def copy_numbers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":  # elsewhere the table stays empty
        schema_editor.execute(COPY)


class Migration(migrations.Migration):
    dependencies = [("decisions", "0019_status_changed_at")]

    operations = [
        migrations.AddField(
            model_name="searchterms",
            name="number",
            field=models.PositiveIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.RunPython(copy_numbers, migrations.RunPython.noop),
    ]
