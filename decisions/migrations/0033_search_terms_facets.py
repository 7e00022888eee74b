"""Search terms carry their decision's status and style, so PostgreSQL can filter before it reads a vector."""

from django.db import migrations, models

COPY = (
    "UPDATE decisions_searchterms t SET status = d.status, style = d.style "
    "FROM decisions_decision d WHERE d.id = t.decision_id"
)


def copy_facets(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":  # elsewhere the table stays empty
        schema_editor.execute(COPY)


class Migration(migrations.Migration):
    dependencies = [("decisions", "0032_service_flow_count")]

    operations = [
        migrations.AddField(
            model_name="searchterms",
            name="status",
            field=models.CharField(default="", max_length=20),
        ),
        migrations.AddField(
            model_name="searchterms",
            name="style",
            field=models.CharField(blank=True, default="", max_length=10),
        ),
        migrations.RunPython(copy_facets, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="searchterms",
            index=models.Index(fields=["status", "style"], name="searchterms_facets"),
        ),
    ]
