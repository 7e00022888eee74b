"""The decision log's query: filters, search and sort from URL parameters.

Shared by the log page, its feeds, the zip export and the API, so they all find the same decisions.
"""

from django.db.models import QuerySet
from django.http import QueryDict

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
    return form, sort, decisions.order_by(*SORTS[sort])
