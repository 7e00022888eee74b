"""PostgreSQL: a stored, weighted tsvector with a GIN index, queried with the shared parser's meaning.

websearch_to_tsquery binds OR looser than AND ("a b OR c" is "(a b) OR c"); web search, and
the SQLite backend, read it as "a (b OR c)". So the tsquery is built from the parsed query,
each term through plainto/phraseto_tsquery, which take any user text safely.
"""

from functools import reduce
from operator import and_, or_

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Max, QuerySet, Subquery, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from ..models import Decision, SearchDocument, SearchTerms
from .query import Query, Term

CONFIG = "english"
# An unfiltered search with many matches looks for its newest among the newest decisions expected
# to hold this many times as many matches as it ranks; when those fall short, among as many more as
# they promise, and only then among all of its matches.
WINDOW_MARGIN = 1.25
# An excerpt is looked for in this many characters, from this many before the first word (snippets).
EXCERPT_BEFORE, EXCERPT_LENGTH = 200, 800


def _term(term: Term) -> SearchQuery:
    return SearchQuery(" ".join(term.words), search_type="phrase" if term.is_phrase else "plain", config=CONFIG)


def _tsquery(parsed: Query) -> SearchQuery:
    parts = [reduce(or_, map(_term, group)) for group in parsed.groups]
    parts += [~_term(term) for term in parsed.excluded]
    return reduce(and_, parts)


def search(queryset: QuerySet[Decision], text: str, parsed: Query, facets: dict) -> QuerySet[Decision]:
    query = _tsquery(parsed)
    copied = {f"search_terms__{name}__in": values for name, values in facets.items()}  # SearchTerms.status, .style
    matches = queryset.filter(search_terms__vector=query, **copied)
    return matches.annotate(rank=SearchRank(F("search_terms__vector"), query))


def ranked_page(
    matches: QuerySet[Decision], bottom: int, top: int, alone: Query | None, facets: dict, limit: int
) -> tuple[list[int], int]:
    """The numbers of a page of matches in the log's relevance order (log.SORTS), and how many
    match, from a window function. OFFSET 0 keeps the subquery whole, so each rank is worked out
    before the window: flattened, the window would hold every match's whole vector.

    A search filtered by nothing but status and style (`alone`, with those `facets`) is ranked
    from the search terms, which hold the numbers and those two columns, without joining every
    match to its decision (10 ms of 22 for a word found in 8% of 100,000 decisions; a phrase with
    a status and a style, 10.5 ms to 6.9). Without facets and with more than `limit` matches it
    ranks its `limit` newest (as among_newest), looked for among the newest decisions first:
    reading every match's row to pick them was most of the cost (that word: 23 ms ranked whole,
    15 ms from the window).
    """
    if alone is None:
        return _ranked_page(matches.order_by(), bottom, top)
    query = _tsquery(alone)
    terms = SearchTerms.objects.filter(vector=query).annotate(rank=SearchRank(F("vector"), query))
    if facets:  # a filtered search ranks every match
        return _ranked_page(terms.filter(**{f"{name}__in": values for name, values in facets.items()}), bottom, top)
    expected = _estimated_rows(terms)
    if expected <= limit:
        numbers, ranked = _ranked_page(terms.order_by(), bottom, top)
        if ranked <= limit:
            return numbers, ranked
        expected = ranked  # the estimate was short: as many as this counted
    newest = terms.order_by("-decision_id")
    highest = _highest()
    window = _window_start(highest, expected, limit)
    for _ in range(2):
        if window <= 0:
            break
        numbers, ranked = _ranked_page(newest.filter(decision_id__gte=window)[:limit], bottom, top)
        if ranked == limit:
            return numbers, ranked
        # The newest decisions use the words less than the whole log does: a window as wide as this
        # one's matches promise, once (none: all of them).
        window = _window_start(highest, ranked * highest / (highest - window + 1), limit) if ranked else 0
    return _ranked_page(newest[:limit], bottom, top)


def _ranked_page(matches: QuerySet, bottom: int, top: int) -> tuple[list[int], int]:
    sql, params = matches.values_list("number", "rank").query.sql_with_params()
    page = (
        f"SELECT number, count(*) OVER () FROM ({sql} OFFSET 0) AS ranked "  # noqa: S608 # nosec B608 (Django's SQL)
        "ORDER BY rank DESC, number DESC LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(page, [*params, top - bottom, bottom])
        rows = cursor.fetchall()
    return [number for number, _ in rows], rows[0][1] if rows else 0


def _highest() -> int:
    return SearchTerms.objects.aggregate(highest=Max("decision_id"))["highest"] or 0


def _window_start(highest: int, expected: float, limit: int) -> int:
    """The lowest decision id of the newest decisions expected to hold WINDOW_MARGIN times `limit`
    matches, when `expected` of the decisions up to `highest` match (first the planner's estimate,
    from ANALYZE's statistics of the vectors); 0 for all of them. Ids are never reused and nothing
    is deleted, so the newest decisions hold the highest ids."""
    return max(0, int(highest * (1 - WINDOW_MARGIN * limit / expected)))


def among_newest(matches: QuerySet[Decision], parsed: Query, limit: int) -> QuerySet[Decision]:
    """The `limit` newest matches, where there are more: those from the limit-th newest match's id up
    (worked out only when the narrowed queryset is read: the ranked page finds them on its own)."""
    newest = SearchTerms.objects.filter(vector=_tsquery(parsed)).order_by("-decision_id").values("decision_id")
    return matches.filter(pk__gte=Coalesce(Subquery(newest[limit - 1 : limit]), 0))


def _estimated_rows(queryset: QuerySet) -> float:
    sql, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        return cursor.fetchone()[0][0]["Plan"]["Plan Rows"]


def snippets(text: str, parsed: Query, ids: list[int], start: str, stop: str) -> dict[int, str]:
    """Excerpts from a stretch of each text around where the query's first word is written, and
    from the whole text where that stretch holds no match: ts_headline parses every word it is
    given (25 excerpts for a word in 8% of 100,000 decisions: 10 ms from whole texts, 8 from stretches)."""
    found, again = {}, []
    for pk, excerpt, written in _excerpts(ids, parsed, start, stop, around=parsed.groups[0][0].words[0]):
        if start in excerpt:
            found[pk] = excerpt
        elif written:  # the stretch missed the match (a word first written inside another): all of it
            again.append(pk)
    if again:
        found |= {pk: excerpt for pk, excerpt, _ in _excerpts(again, parsed, start, stop)}
    return {pk: excerpt for pk, excerpt in found.items() if start in excerpt}


# The stretch of a text (`body`) around where a word is first written (`at`, 0 where it is not: all of it).
STRETCH = f"CASE WHEN at > 0 THEN substr(body, greatest(at - {EXCERPT_BEFORE}, 1), {EXCERPT_LENGTH}) ELSE body END"


def _excerpts(ids: list[int], parsed: Query, start: str, stop: str, around: str = "") -> list[tuple[int, str, int]]:
    """(decision id, excerpt, where `around` is first written in its text, or 0) for these decisions;
    without `around`, from their whole texts. Where the word is written is worked out once a text, in
    a subquery that OFFSET 0 keeps whole: flattened, PostgreSQL lowercased each text once for each use
    of the position (three), 2 of the 4.7 ms that 25 excerpts took."""
    headline = SearchHeadline(
        RawSQL(STRETCH, (), output_field=TextField()),  # noqa: S611 (constants only) # nosec B611
        _tsquery(parsed),
        config=CONFIG,
        start_sel=start,
        stop_sel=stop,
        max_words=30,
        min_words=12,
        max_fragments=2,
        fragment_delimiter=" … ",
    )  # fmt: skip
    query = SearchDocument.objects.all().query
    headline_sql, headline_params = query.get_compiler(connection=connection).compile(
        headline.resolve_expression(query)
    )
    at, at_params = ("strpos(lower(body), %s)", [around.lower()]) if around else ("0", [])
    texts = (
        f"SELECT decision_id AS pk, body, {at} AS at FROM decisions_searchdocument WHERE decision_id = ANY(%s) OFFSET 0"  # noqa: S608 # nosec B608 (no user text)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pk, {headline_sql}, at FROM ({texts}) AS texts",  # noqa: S608 # nosec B608 (Django's SQL)
            [*headline_params, *at_params, ids],
        )
        return cursor.fetchall()


# Insert or update in one statement; title words weigh A, body words B.
UPSERT_VECTORS = """
    INSERT INTO decisions_searchterms (decision_id, number, status, style, vector)
    SELECT document.decision_id, decision.number, decision.status, decision.style,
        setweight(to_tsvector(%(config)s::regconfig, document.title), 'A')
        || setweight(to_tsvector(%(config)s::regconfig, document.body), 'B')
    FROM decisions_searchdocument document JOIN decisions_decision decision ON decision.id = document.decision_id
    WHERE document.decision_id = ANY(%(ids)s)
    ON CONFLICT (decision_id) DO UPDATE
    SET number = EXCLUDED.number, status = EXCLUDED.status, style = EXCLUDED.style, vector = EXCLUDED.vector
"""


def after_index(ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(UPSERT_VECTORS, {"config": CONFIG, "ids": ids})
