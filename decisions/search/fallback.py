"""The floor for a SQLite built without FTS5: every positive word must appear, unranked."""

from django.db.models import FloatField, Q, QuerySet, Value

from ..models import Decision
from .query import Query, Term


def _matches(term: Term) -> Q:
    text = " ".join(term.words)
    return Q(search_document__title__icontains=text) | Q(search_document__body__icontains=text)


def search(queryset: QuerySet[Decision], text: str, parsed: Query, facets: dict) -> QuerySet[Decision]:
    """Every term as a substring of the fields (`facets`: the queryset's own filters do it)."""
    for group in parsed.groups:
        any_term = Q()
        for term in group:
            any_term |= _matches(term)
        queryset = queryset.filter(any_term)
    for term in parsed.excluded:
        queryset = queryset.exclude(_matches(term))
    return queryset.annotate(rank=Value(0.0, output_field=FloatField()))


def ranked_page(
    matches: QuerySet[Decision], bottom: int, top: int, alone: Query | None, facets: dict, limit: int
) -> None:
    """Nothing is ranked, so a page costs no more to count apart."""
    return None


def among_newest(matches: QuerySet[Decision], parsed: Query, limit: int) -> QuerySet[Decision]:
    """Without a full-text index nothing is ranked, so there is nothing to narrow."""
    return matches


def snippets(text: str, parsed: Query, ids: list[int], start: str, stop: str) -> dict[int, str]:
    return {}


def after_index(ids: list[int]) -> None:
    """Nothing to keep: the fallback reads the document table itself."""
