"""The managers' overview: what the organisation chose, and how decisions are going.

Its figures aggregate every accepted decision, which at 100,000 decisions takes a few
hundred milliseconds, so they are kept in the cache for a short while
(DECISION_OVERVIEW_CACHE_SECONDS, shown on the page) and forgotten whenever a decision
is saved, moved or imported in this process.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from . import charts
from .models import Decision, Flow, Team

Status = Decision.Status
# Decisions that were accepted at some point: still accepted, or later superseded or deprecated.
WERE_ACCEPTED = [Status.ACCEPTED, Status.SUPERSEDED, Status.DEPRECATED]
LIST_LIMIT = 20
CACHE_KEY = "decisions:overview"


def overview_figures() -> dict:
    """The overview's figures, from the cache when they are fresh enough."""
    seconds = settings.DECISION_OVERVIEW_CACHE_SECONDS
    if not seconds:
        return _compute()
    figures = cache.get(CACHE_KEY)
    if figures is None:
        figures = _compute()
        cache.set(CACHE_KEY, figures, seconds)
    return figures


def overview_forget() -> None:
    cache.delete(CACHE_KEY)


def _compute() -> dict:
    decided = Decision.objects.filter(status__in=WERE_ACCEPTED).exclude(style="")
    # Counting rows or an indexed column, never the id, lets PostgreSQL answer from the indexes alone.
    # Grouped by day in SQL and rolled up to quarters here: SQLite has no native date truncation.
    quarters: dict[str, dict[str, int]] = {}
    for day, style, n in (
        decided.exclude(decided_on=None).values_list("decided_on", "style").annotate(n=Count("*")).order_by()
    ):
        counts = quarters.setdefault(f"{day.year} Q{(day.month - 1) // 3 + 1}", {})
        counts[style] = counts.get(style, 0) + n
    team_counts: dict[int, dict[str, int]] = {}
    for team_id, style, n in decided.values_list("flow__owner_team", "style").annotate(n=Count("*")).order_by():
        if team_id is not None:
            team_counts.setdefault(team_id, {})[style] = n
    names = dict(Team.objects.filter(pk__in=team_counts).values_list("pk", "name"))
    teams = sorted(
        (names[team_id], {style: counts.get(style, 0) for style in charts.STYLES})
        for team_id, counts in team_counts.items()
    )
    assessed = decided.exclude(recommendation="").aggregate(
        total=Count("status"), against=Count("status", filter=Q(against_recommendation=True))
    )
    waiting = (
        Decision.objects.filter(status=Status.PROPOSED)
        .annotate(
            proposed_at=Max("transitions__at", filter=Q(transitions__to_status=Status.PROPOSED)),
            waiting_on=Count("review_requests", filter=Q(review_requests__state="waiting"), distinct=True),
        )
        .only("number", "title", "created_at")
        .order_by(F("proposed_at").asc(nulls_first=True))
    )
    flows_by_style = dict(Flow.objects.values_list("current_style").annotate(n=Count("pk")).order_by())
    orchestrators = (
        Flow.objects.filter(current_style="command")
        .values(service=F("producer__name"))
        .annotate(n=Count("pk"))
        .order_by("-n", "service")[:10]
    )
    reactors = (
        Flow.consumers.through.objects.filter(flow__current_style="event")
        .values(service_name=F("service__name"))
        .annotate(n=Count("pk"))
        .order_by("-n", "service_name")[:10]
    )
    return {
        "quarter_chart": charts.stacked_bars(sorted(quarters.items())[-12:]),
        "team_chart": charts.stacked_bars(teams),
        "assessed": assessed,
        "against_share": round(100 * assessed["against"] / assessed["total"]) if assessed["total"] else None,
        "waiting": list(waiting[:LIST_LIMIT]),
        "waiting_count": Decision.objects.filter(status=Status.PROPOSED).count(),
        "flows_by_style": [(style, flows_by_style.get(style, 0)) for style in (*charts.STYLES, "")],
        "orchestrators": list(orchestrators),
        "reactors": list(reactors),
        "now": timezone.now(),
        "cache_seconds": settings.DECISION_OVERVIEW_CACHE_SECONDS,
    }
