"""The managers' overview: what the organisation chose, and how decisions are going.

What was accepted per style, quarter and team is counted ahead in StyleTally: when a
transaction that saved decisions (or moved a flow to another team) commits, a worker counts
the quarters and teams they were and are in again (decisions.workflow's after-write step
queues it). The other figures come from indexes. All of them are kept in the shared cache
(Redis or the database, so every app server shows the same) for a short while
(DECISION_OVERVIEW_CACHE_SECONDS, shown on the page) and forgotten whenever a decision is
saved, moved or imported, and when a count is done.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.apps import apps as installed_apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django_tasks import task

from . import charts
from .models import Decision, Drift, Flow, ReviewRequest, StyleTally, Team
from .status import WERE_ACCEPTED

Status = Decision.Status
LIST_LIMIT = 20
CACHE_KEY = "decisions:overview"
QUARTER, TEAM = StyleTally.Kind.QUARTER, StyleTally.Kind.TEAM


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
    quarters: dict[str, dict[str, int]] = {}
    team_counts: dict[int, dict[str, int]] = {}
    assessed = {"total": 0, "against": 0}
    for kind, key, style, decided, assessed_count, against in StyleTally.objects.values_list(
        "kind", "key", "style", "decided", "assessed", "against"
    ):
        if kind == TEAM:
            team_counts.setdefault(int(key), {})[style] = decided
            continue
        if key:
            quarters.setdefault(key, {})[style] = decided
        assessed["total"] += assessed_count
        assessed["against"] += against
    names = dict(Team.objects.filter(pk__in=team_counts).values_list("pk", "name"))
    teams = sorted(
        (names[team_id], {style: counts.get(style, 0) for style in charts.STYLES})
        for team_id, counts in team_counts.items()
        if team_id in names
    )
    waiting = list(
        Decision.objects.filter(status=Status.PROPOSED)
        .only("number", "title", "status_changed_at")
        .order_by("status_changed_at", "number")[:LIST_LIMIT]
    )
    asked = ReviewRequest.objects.filter(decision__in=waiting, state=ReviewRequest.State.WAITING)
    unanswered = dict(asked.values_list("decision").annotate(n=Count("pk")).order_by())
    for decision in waiting:
        decision.waiting_on = unanswered.get(decision.pk, 0)
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
        "quarter_chart": charts.stacked_bars(_every_quarter(quarters)[-12:]),
        "team_chart": charts.stacked_bars(teams),
        "assessed": assessed,
        "against_share": round(100 * assessed["against"] / assessed["total"]) if assessed["total"] else None,
        "waiting": waiting,
        # Counted only when the list is full: fewer than its limit are all there is.
        "waiting_count": len(waiting)
        if len(waiting) < LIST_LIMIT
        else Decision.objects.filter(status=Status.PROPOSED).count(),
        "open_drifts": Drift.objects.filter(state=Drift.State.OPEN).count(),
        "flows_by_style": [(style, flows_by_style.get(style, 0)) for style in (*charts.STYLES, "")],
        "orchestrators": list(orchestrators),
        "reactors": list(reactors),
        "now": timezone.now(),
        "cache_seconds": settings.DECISION_OVERVIEW_CACHE_SECONDS,
    }


# --- the tallies ------------------------------------------------------------------------


def _every_quarter(quarters: dict[str, dict[str, int]]) -> list[tuple[str, dict[str, int]]]:
    """The quarters from the first counted to the last, with the empty ones between, so the
    chart's time axis is even."""
    if not quarters:
        return []
    labels = sorted(quarters)
    year, number = int(labels[0][:4]), int(labels[0][-1])
    every = []
    while (label := f"{year} Q{number}") <= labels[-1]:
        every.append((label, quarters.get(label, {})))
        year, number = (year + 1, 1) if number == 4 else (year, number + 1)
    return every


def quarter_of(day: datetime.date | None) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}" if day else ""


def _quarter_days(label: str) -> tuple[datetime.date, datetime.date]:
    """The first day of a quarter and the first day after it."""
    year, number = int(label[:4]), int(label[-1])
    end = datetime.date(year + 1, 1, 1) if number == 4 else datetime.date(year, 3 * number + 1, 1)
    return datetime.date(year, 3 * number - 2, 1), end


def tally_later(*, quarters: Iterable[str] = (), teams: Iterable[int] = ()) -> None:
    """Count these quarters and teams again in the worker, queued with the change that asks: a
    change rolled back asks nothing. The change itself never waits on the count; a count that
    fails is counted again by the next change of the same quarter or team (or rebuild_overview)."""
    tally_task.enqueue(sorted(set(quarters)), sorted({team for team in teams if team is not None}))


@task()
def tally_task(quarters: list[str], teams: list[int]) -> None:
    """Idempotent: each run counts the tallies again from the decisions as they are."""
    tally_refresh({QUARTER: set(quarters), TEAM: {str(team) for team in teams}})


def tally_refresh(keys: dict[str, set[str]]) -> None:
    """Count the tallies of these quarters and teams again, from the decisions."""
    where = Q()
    for label in keys.get(QUARTER, ()):
        if label:
            start, end = _quarter_days(label)
            where |= Q(decided_on__gte=start, decided_on__lt=end)
        else:
            where |= Q(decided_on=None)
    if keys.get(TEAM):
        where |= Q(flow__owner_team__in=[int(key) for key in keys[TEAM]])
    rows = _tally_rows(Decision.objects.filter(where), keys)
    counted = Q()
    for kind, values in keys.items():
        counted |= Q(kind=kind, key__in=values)
    # Zero, upsert, drop the zeros: two refreshes of one key at once then wait for each other
    # instead of one failing on the unique key.
    with transaction.atomic():
        StyleTally.objects.filter(counted).update(decided=0, assessed=0, against=0)
        StyleTally.objects.bulk_create(
            [StyleTally(**row) for row in rows],
            update_conflicts=True,
            unique_fields=["kind", "key", "style"],
            update_fields=["decided", "assessed", "against"],
        )
        StyleTally.objects.filter(counted, decided=0).delete()
    overview_forget()


def tally_rebuild(registry=installed_apps) -> None:
    """Count every tally again: after loading decisions in bulk, and in the migration that made them."""
    tallies = registry.get_model("decisions", "StyleTally").objects
    rows = _tally_rows(registry.get_model("decisions", "Decision").objects.all(), None)
    with transaction.atomic():
        tallies.all().delete()
        tallies.bulk_create(tallies.model(**row) for row in rows)
    if registry is installed_apps:  # a migration may run before the cache has its table
        overview_forget()


@task()
def tally_rebuild_task() -> None:
    """Every tally counted again, in a worker (rebuild_overview --in-worker)."""
    tally_rebuild()


def _tally_rows(decisions: QuerySet, keys: dict[str, set[str]] | None) -> list[dict]:
    """The tally rows of the given keys (all when None), counted from these decisions."""
    counted = (
        decisions.filter(status__in=sorted(WERE_ACCEPTED))
        .exclude(style="")
        .values_list("decided_on", "flow__owner_team", "style", "recommendation", "against_recommendation")
        .annotate(n=Count("status"))
        .order_by()
    )
    totals: dict[tuple[str, str, str], list[int]] = {}
    for day, team_id, style, recommendation, against, n in counted:
        assessed = n if recommendation else 0
        for kind, key in ((QUARTER, quarter_of(day)), (TEAM, str(team_id) if team_id else None)):
            if key is None or (keys is not None and key not in keys.get(kind, ())):
                continue
            total = totals.setdefault((kind, key, style), [0, 0, 0])
            total[0] += n
            total[1] += assessed
            total[2] += assessed if against else 0
    return [
        {"kind": kind, "key": key, "style": style, "decided": decided, "assessed": assessed, "against": against}
        for (kind, key, style), (decided, assessed, against) in totals.items()
    ]
