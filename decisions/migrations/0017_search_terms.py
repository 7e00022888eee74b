"""PostgreSQL's search vectors move to a narrow table that keeps them inline (see SearchTerms)."""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

# Rows up to a page's size stay whole: toasting starts above toast_tuple_target, and MAIN
# storage compresses a long vector before it would move it out of line.
INLINE = [
    "ALTER TABLE decisions_searchterms SET (toast_tuple_target = 8160)",
    "ALTER TABLE decisions_searchterms ALTER COLUMN vector SET STORAGE MAIN",
]
COPY = "INSERT INTO decisions_searchterms (decision_id, vector) SELECT decision_id, vector FROM decisions_searchdocument WHERE vector IS NOT NULL"  # noqa: E501
GIN = "CREATE INDEX searchterms_vector_gin ON decisions_searchterms USING gin (vector)"
OLD_GIN = "searchdocument_vector_gin"


def move_vectors(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in [*INLINE, COPY, GIN, f"DROP INDEX IF EXISTS {OLD_GIN}"]:
            schema_editor.execute(statement)


def move_back(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE decisions_searchdocument d SET vector = t.vector FROM decisions_searchterms t "
            "WHERE t.decision_id = d.decision_id"
        )
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {OLD_GIN} ON decisions_searchdocument USING gin (vector)")


class Migration(migrations.Migration):
    dependencies = [("decisions", "0016_api_token_read_only")]

    operations = [
        migrations.CreateModel(
            name="SearchTerms",
            fields=[
                (
                    "decision",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="search_terms",
                        serialize=False,
                        to="decisions.decision",
                    ),
                ),
                ("vector", django.contrib.postgres.search.SearchVectorField()),
            ],
        ),
        migrations.RunPython(move_vectors, move_back),
        migrations.RemoveField(model_name="searchdocument", name="vector"),
    ]
