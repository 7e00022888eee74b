"""PostgreSQL: a block-range (BRIN) index of the search terms' decision ids.

An unfiltered search with many matches ranks its newest among the newest decisions
(search.postgres.ranked_page). The primary key's bitmap of those ids was a third of finding them
(2.7 of 8.5 ms for a word in 8% of 100,000 decisions); the ranges of pages that hold them are a
few index pages, and the ids are checked again on the rows read. Rows are written in id order,
so the ranges are narrow; where updates scatter them the ranges widen, and the planner, which
costs the index by the column's correlation, turns back to the primary key. Eight pages a range:
128 (the default) or 32 gained nothing.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS searchterms_decision_ranges ON decisions_searchterms "
    "USING brin (decision_id) WITH (pages_per_range = 8)"
)
DROP = "DROP INDEX IF EXISTS searchterms_decision_ranges"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":  # elsewhere the table stays empty
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("decisions", "0035_searchdocument_revision")]

    operations = [migrations.RunPython(create, drop)]
