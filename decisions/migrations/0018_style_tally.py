"""The overview's tallies, counted once here from the decisions already filed."""

from django.db import migrations, models


def count(apps, schema_editor):
    from decisions.overview import tally_rebuild

    tally_rebuild(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0017_search_terms"),
    ]

    operations = [
        migrations.CreateModel(
            name="StyleTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("quarter", "Quarter"), ("team", "Team")], max_length=10)),
                ("key", models.CharField(blank=True, max_length=20)),
                (
                    "style",
                    models.CharField(
                        choices=[
                            ("", "None (general ADR)"),
                            ("sync", "Sync"),
                            ("command", "Command"),
                            ("event", "Event"),
                        ],
                        max_length=10,
                    ),
                ),
                ("decided", models.PositiveIntegerField(default=0)),
                ("assessed", models.PositiveIntegerField(default=0)),
                ("against", models.PositiveIntegerField(default=0)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("kind", "key", "style"), name="one_tally_per_key")],
            },
        ),
        migrations.RunPython(count, migrations.RunPython.noop),
    ]
