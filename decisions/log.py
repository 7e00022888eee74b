"""The decision log's query: filters, search and sort from URL parameters.

Shared by the log page, its feeds, the zip export and the API, so they all find the same decisions.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.functional import cached_property

from . import search
from .forms import LogFilterForm
from .models import Decision

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
    decisions = Decision.objects.for_list().for_log(criteria)
    if text:
        decisions = search.search(decisions, text)
    sort = criteria.get("sort") or ("relevance" if text else "newest")
    if sort == "relevance" and not text:
        sort = "newest"
    if sort == "relevance" and criteria.keys() <= {"q", "sort"}:
        decisions = search.among_newest(decisions, text)
    return form, sort, decisions.order_by(*SORTS[sort])


class LogPaginator(Paginator):
    """Finds a page's decision numbers through the indexes first, then loads only those rows:
    with OFFSET, a database otherwise reads every wide row it skips (a deferred join). Numbers,
    not ids, because the sort indexes hold them: PostgreSQL then skips from the index alone."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        numbers = list(self.object_list.values_list("number", flat=True)[bottom:top])
        rows = Decision.objects.for_list().in_bulk(numbers, field_name="number")
        return self._get_page([rows[n] for n in numbers], number, self)


class SearchPaginator(LogPaginator):
    """Counts matches only up to a limit: counting every match of a common word costs more than the page."""

    LIMIT = 1000

    @cached_property
    def count(self) -> int:
        # Only ids, unordered: the rank is not needed to count, and computing it is the cost.
        return self.object_list.order_by().values("pk")[: self.LIMIT + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.LIMIT
