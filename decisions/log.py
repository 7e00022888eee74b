"""The decision log's query: filters, search and sort from URL parameters.

Shared by the log page, its feeds, the zip export and the API, so they all find the same decisions.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from . import search
from .forms import LogFilterForm
from .models import Decision, decision_code, decisions_total
from .paging import page_number

SORTS = {
    "relevance": ("-rank", "-number"),
    "newest": ("-created_at", "-number"),
    "oldest": ("created_at", "number"),
    "number": ("-number",),
}


def log_results(params: QueryDict) -> tuple[LogFilterForm, str, QuerySet[Decision]]:
    """The form, the sort and the decisions a log URL asks for."""
    form = LogFilterForm(params)
    criteria = form.criteria()
    text = criteria.get("q", "")
    decisions = Decision.objects.for_log(criteria)
    if text:
        decisions = search.search(decisions, text, facets=facets_of(criteria))
    sort = criteria.get("sort") or ("relevance" if text else "newest")
    if sort == "relevance" and not text:
        sort = "newest"
    if sort == "relevance" and unfiltered(criteria):
        decisions = search.among_newest(decisions, text)
    return form, sort, decisions.order_by(*SORTS[sort])


def unfiltered(criteria: dict) -> bool:
    """Whether a log URL asks for nothing but a search and a sort."""
    return criteria.keys() <= {"q", "sort"}


FACETS = ("status", "style")  # the filters a search index may hold beside the words (search.search)


def facets_of(criteria: dict) -> dict:
    return {name: criteria[name] for name in FACETS if criteria.get(name)}


@dataclass(slots=True, eq=False)
class LogRow:
    """A decision as the log lists it (its rows, and the API's summaries of a page), read as values:
    as models, whose every instance sets some forty fields, a page's 25 rows took nearly half as
    long again (PostgreSQL 2.5-3.4 ms, 1.6-2.5 as values). `text_revision` is that of its search text,
    read with it by a search's pages (search.snippets keeps their excerpts by it); `excerpt` is set
    from them."""

    pk: int
    number: int
    title: str
    status: str
    style: str
    created_at: datetime.datetime
    recommendation: str
    against_recommendation: bool
    visibility: int | None
    growth: int | None
    coordination: int | None
    coupling: int | None
    flow_id: int | None
    flow_name: str | None
    text_revision: str | None = None
    excerpt: SafeString | None = None

    FIELDS = ("pk", "number", "title", "status", "style", "created_at", "recommendation", "against_recommendation",
              "visibility", "growth", "coordination", "coupling", "flow_id", "flow__name")  # fmt: skip

    @classmethod
    def read(cls, decisions: QuerySet[Decision]) -> list[LogRow]:
        extra = ("text_revision",) if "text_revision" in decisions.query.annotations else ()
        return [cls(*values) for values in decisions.values_list(*cls.FIELDS, *extra)]

    @property
    def code(self) -> str:
        return decision_code(self.number)

    def get_absolute_url(self) -> str:
        return reverse("decision_detail", args=[self.number])


class LogPaginator(Paginator):
    """Finds a page's decision numbers through the indexes first, then loads only those rows:
    with OFFSET, a database otherwise reads every wide row it skips (a deferred join). Numbers,
    not ids, because the sort indexes hold them: PostgreSQL then skips from the index alone.
    `total`, when the log is unfiltered, is the count kept ahead (models.decisions_total)."""

    def __init__(self, object_list, per_page, *, total: int | None = None) -> None:
        super().__init__(object_list, per_page)
        if total is not None:
            self.count = total

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        numbers = self.numbers_between(bottom, top)
        rows = {row.number: row for row in LogRow.read(self.rows().filter(number__in=numbers))}
        return self._get_page([rows[n] for n in numbers], number, self)

    def rows(self) -> QuerySet[Decision]:
        return Decision.objects.all()

    def numbers_between(self, bottom: int, top: int) -> list[int]:
        return list(self.object_list.values_list("number", flat=True)[bottom:top])


class SearchPaginator(LogPaginator):
    """Counts matches only up to a limit: counting every match of a common word costs more than the page.

    Sorted by relevance, the page's own query counts them too where the search backend can
    (search.ranked_page): ranking reads every match anyway, and a separate count would find
    them all a second time.
    """

    LIMIT = 1000

    def __init__(self, object_list, per_page, *, ranked: bool = False, index_only: tuple | None = None) -> None:
        super().__init__(object_list, per_page)
        self.ranked = ranked
        self.index_only = index_only
        self._fetched: dict[int, list[int]] = {}

    @cached_property
    def count(self) -> int:
        # Only ids, unordered: the rank is not needed to count, and computing it is the cost.
        return self.object_list.order_by().values("pk")[: self.LIMIT + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.LIMIT

    def rows(self) -> QuerySet[Decision]:
        """With the revision of each one's search text, which its excerpts are kept by (search.snippets):
        read with the rows rather than in a query of its own."""
        return super().rows().annotate(text_revision=F("search_document__revision"))

    def get_page(self, number):
        number = page_number(number)
        if self.ranked:
            self._fetch_with_count(number)
        return super().get_page(number)

    def _fetch_with_count(self, number: int) -> None:
        bottom = (number - 1) * self.per_page
        if bottom > self.LIMIT:
            return  # past what is ever listed: get_page gives the last page, counted on its own
        page = search.ranked_page(self.object_list, bottom, bottom + self.per_page, index_only=self.index_only)
        if page and page[0]:  # else the page is past the end, and the count is asked for on its own
            numbers, matches = page
            self.count = min(matches, self.LIMIT + 1)
            self._fetched[bottom] = numbers

    def numbers_between(self, bottom: int, top: int) -> list[int]:
        if bottom in self._fetched:
            return self._fetched[bottom][: top - bottom]
        return super().numbers_between(bottom, top)


def log_paginator(decisions: QuerySet[Decision], per_page: int, *, form: LogFilterForm, sort: str) -> LogPaginator:
    """The paginator for the decisions log_results found."""
    criteria = form.criteria()
    text = criteria.get("q", "")
    if not text:
        return LogPaginator(decisions, per_page, total=decisions_total() if unfiltered(criteria) else None)
    # Filtered by nothing the search index does not hold: ranked from that index alone.
    index_only = (text, facets_of(criteria)) if criteria.keys() <= {"q", "sort", *FACETS} else None
    return SearchPaginator(decisions, per_page, ranked=sort == "relevance", index_only=index_only)
