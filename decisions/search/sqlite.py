"""SQLite: an FTS5 table (see fts5.py) ranked with bm25, where smaller is better."""

from django.db import connection
from django.db.models import FloatField, QuerySet, Value
from django.db.models.expressions import RawSQL

from ..models import Decision
from .fts5 import TABLE
from .query import Query, to_fts5, to_fts5_any

# bm25 weights: a match in the title counts ten times one in the body.
RANK = f"-bm25({TABLE}, 10.0, 1.0)"


def search(queryset: QuerySet[Decision], text: str, parsed: Query, facets: dict) -> QuerySet[Decision]:
    """The matches, ranked by bm25 (`facets`: the queryset's own filters do it; FTS5 keeps no columns for them)."""
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


def ranked_page(matches: QuerySet[Decision], bottom: int, top: int, alone: Query | None, facets: dict, limit: int):
    """The numbers of a page of matches in the log's relevance order (log.SORTS), and how many match,
    in one pass: the matches and their ranks are worked out once, in a materialised common table
    expression, then counted and sorted from it. (SQLite refuses bm25() beside a window function,
    and counting in a query of its own ran the MATCH a second time.)"""
    sql, params = matches.order_by().values_list("number", "rank").query.sql_with_params()
    page = (
        f"WITH ranked(number, rank) AS MATERIALIZED ({sql}) "  # noqa: S608 # nosec B608 (Django's SQL)
        "SELECT number, (SELECT count(*) FROM ranked) FROM ranked ORDER BY rank DESC, number DESC LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(page, [*params, top - bottom, bottom])
        rows = cursor.fetchall()
    return [number for number, _ in rows], rows[0][1] if rows else 0


def among_newest(matches: QuerySet[Decision], parsed: Query, limit: int) -> QuerySet[Decision]:
    """The `limit` newest matches: those from the limit-th newest match's rowid up. FTS5 reads a
    bound on its own rowid while it walks the index (4 ms for a word in half of 100,000
    decisions), where `id IN (the newest ids)` made it rank every match first (9 ms)."""
    bound = (
        f"{TABLE}.rowid >= coalesce((SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s "  # noqa: S608 # nosec B608
        "ORDER BY rowid DESC LIMIT 1 OFFSET %s), 0)"
    )
    return matches.extra(where=[bound], params=[to_fts5(parsed), limit - 1])  # noqa: S610 # nosec B610


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
