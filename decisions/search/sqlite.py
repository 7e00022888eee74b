"""SQLite: an FTS5 table (see fts5.py) ranked with bm25, where smaller is better."""

from django.db import connection
from django.db.models import FloatField, QuerySet, Value
from django.db.models.expressions import RawSQL

from ..models import Decision
from .fts5 import TABLE
from .query import Query, to_fts5, to_fts5_any

# bm25 weights: a match in the title counts ten times one in the body.
RANK = f"-bm25({TABLE}, 10.0, 1.0)"


def search(queryset: QuerySet[Decision], text: str, parsed: Query) -> QuerySet[Decision]:
    if not parsed.groups:  # only exclusions: everything that does not match them
        match = to_fts5_any(parsed.excluded)
        excluded = RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [match])  # noqa: S608, S611 # nosec B608 B611
        return queryset.exclude(pk__in=excluded).annotate(rank=Value(0.0, output_field=FloatField()))
    # A join on the FTS table lets SQLite use the full-text index and rank in one pass.
    return queryset.extra(  # noqa: S610 (the MATCH text is a parameter, every term quoted) # nosec B610
        tables=[TABLE],
        where=[f"{TABLE}.rowid = decisions_decision.id", f"{TABLE} MATCH %s"],
        params=[to_fts5(parsed)],
        select={"rank": RANK},
    )


def ranked_page(matches: QuerySet[Decision], bottom: int, top: int, alone: Query | None, newest) -> None:
    """SQLite refuses bm25() in a query with a window function: ranked pages count their matches apart."""
    return None


def newest_matches(parsed: Query, limit: int) -> RawSQL:
    """The ids of the newest `limit` matches: FTS5 walks its index in rowid order, so this is cheap."""
    return RawSQL(  # noqa: S611 (the query text and the limit are parameters) # nosec B611
        f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s ORDER BY rowid DESC LIMIT %s",  # noqa: S608 # nosec B608
        [to_fts5(parsed), limit],
    )


def snippets(text: str, parsed: Query, ids: list[int], start: str, stop: str) -> dict[int, str]:
    marks = ", ".join("%s" for _ in ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, snippet({TABLE}, 1, %s, %s, ' … ', 24) FROM {TABLE} "  # noqa: S608 (no user text) # nosec B608
            f"WHERE {TABLE} MATCH %s AND rowid IN ({marks})",
            [start, stop, to_fts5(parsed), *ids],
        )
        return {pk: excerpt for pk, excerpt in cursor.fetchall() if start in excerpt}


def after_index(ids: list[int]) -> None:
    """The triggers on the document table keep the FTS5 table current."""
