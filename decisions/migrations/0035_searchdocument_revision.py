"""Search documents carry a digest of their text: a page's search excerpts are kept by them.

On SQLite, adding a column that is not null rebuilds the table, which drops the triggers that keep
the FTS5 table current: they are made again, the update trigger now firing on the text alone, so
filling in the digests does not index every document again.
"""

import hashlib

from django.db import migrations, models

from decisions.search import fts5

CHUNK = 2000
FIELD_BREAK = "\ue002"  # decisions.search.FIELD_BREAK, as search.revision() joins the two


def triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite" and fts5.available():
        schema_editor.execute("DROP TRIGGER IF EXISTS decisions_search_fts_update")
        for statement in fts5.CREATE:
            schema_editor.execute(statement)


def fill(apps, schema_editor):
    SearchDocument = apps.get_model("decisions", "SearchDocument")
    ids = list(SearchDocument.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        documents = list(SearchDocument.objects.filter(pk__in=ids[start : start + CHUNK]).only("title", "body"))
        for document in documents:
            text = f"{document.title}{FIELD_BREAK}{document.body}".encode("utf-8", "surrogatepass")
            document.revision = hashlib.blake2b(text, digest_size=8).hexdigest()
        SearchDocument.objects.bulk_update(documents, ["revision"])


class Migration(migrations.Migration):
    dependencies = [("decisions", "0034_decision_search_join")]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="revision",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
        migrations.RunPython(triggers, triggers),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
