"""The full-text index for each database: a GIN index on PostgreSQL, an FTS5 table on SQLite."""

from django.db import migrations

from decisions.search import fts5

GIN = "CREATE INDEX IF NOT EXISTS searchdocument_vector_gin ON decisions_searchdocument USING gin (vector)"


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(GIN)
    elif vendor == "sqlite" and fts5.available():
        for statement in fts5.CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS searchdocument_vector_gin")
    elif vendor == "sqlite":
        for statement in fts5.DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("decisions", "0006_search_document")]

    operations = [migrations.RunPython(create, drop)]
