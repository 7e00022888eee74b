"""Pages for people who steer: the overview, the flow map and the revisit queue."""

from django.db.models import Count, F, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .. import charts
from ..models import Decision, Flow, Service, Team

Status = Decision.Status
# Decisions that were accepted at some point: still accepted, or later superseded or deprecated.
WERE_ACCEPTED = [Status.ACCEPTED, Status.SUPERSEDED, Status.DEPRECATED]
MAP_LIMIT = 60
LIST_LIMIT = 20


def overview(request: HttpRequest) -> HttpResponse:
    decided = Decision.objects.filter(status__in=WERE_ACCEPTED).exclude(style="")
    # Grouped by day in SQL and rolled up to quarters here: SQLite has no native date truncation.
    quarters: dict[str, dict[str, int]] = {}
    for day, style, n in (
        decided.exclude(decided_on=None).values_list("decided_on", "style").annotate(n=Count("pk")).order_by()
    ):
        counts = quarters.setdefault(f"{day.year} Q{(day.month - 1) // 3 + 1}", {})
        counts[style] = counts.get(style, 0) + n
    # From flows to their decisions, so each flow's count reads the (flow, style, status) index.
    per_team = Flow.objects.values("owner_team__name").annotate(
        **{
            style: Count("decisions", filter=Q(decisions__style=style, decisions__status__in=WERE_ACCEPTED))
            for style in charts.STYLES
        }
    )
    teams = [
        (row["owner_team__name"], {style: row[style] for style in charts.STYLES})
        for row in per_team.order_by("owner_team__name")
        if any(row[style] for style in charts.STYLES)
    ]
    assessed = decided.exclude(recommendation="").aggregate(
        total=Count("pk"), against=Count("pk", filter=Q(against_recommendation=True))
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
    return render(
        request,
        "decisions/overview.html",
        {
            "quarter_chart": charts.stacked_bars(sorted(quarters.items())[-12:]),
            "team_chart": charts.stacked_bars(teams),
            "assessed": assessed,
            "against_share": round(100 * assessed["against"] / assessed["total"]) if assessed["total"] else None,
            "waiting": waiting[:LIST_LIMIT],
            "waiting_count": Decision.objects.filter(status=Status.PROPOSED).count(),
            "flows_by_style": [(style, flows_by_style.get(style, 0)) for style in (*charts.STYLES, "")],
            "orchestrators": orchestrators,
            "reactors": reactors,
            "now": timezone.now(),
        },
    )


def flow_map(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.only("name").order_by("name")
    team = teams.filter(pk=request.GET.get("team")).first() if request.GET.get("team", "").isdigit() else None
    services = Service.objects.select_related("team").only("name", "team__name")
    if team:
        touching = Flow.objects.filter(Q(producer__team=team) | Q(consumers__team=team))
        services = services.filter(
            Q(team=team) | Q(produced_flows__in=touching) | Q(consumed_flows__in=touching)
        ).distinct()
        total = None
    else:
        total = Service.objects.count()
        if total > MAP_LIMIT:
            services = services.filter(pk__in=_busiest_services(MAP_LIMIT))
    services = list(services)
    ids = [s.pk for s in services]
    edges = (
        Flow.consumers.through.objects.filter(flow__producer_id__in=ids, service_id__in=ids)
        .select_related("flow__current_decision")
        .only("service_id", "flow__name", "flow__producer_id", "flow__current_style", "flow__current_decision__number")
    )
    flows = [
        (
            e.flow.name,
            e.flow.current_style,
            e.flow.current_decision.get_absolute_url() if e.flow.current_decision else e.flow.get_absolute_url(),
            e.flow.producer_id,
            e.service_id,
        )
        for e in edges
    ]
    layout = charts.layout_map([(s.pk, s.name, s.team.name) for s in services], flows)
    return render(
        request,
        "decisions/flow_map.html",
        {"map": layout, "teams": teams, "team": team, "total": total, "shown": len(services), "limit": MAP_LIMIT},
    )


def _busiest_services(limit: int) -> list[int]:
    """The services in most flows, counted with two grouped queries rather than a double join."""
    degree: dict[int, int] = {}
    produced = Flow.objects.values_list("producer_id").annotate(n=Count("pk")).order_by()
    consumed = Flow.consumers.through.objects.values_list("service_id").annotate(n=Count("pk")).order_by()
    for rows in (produced, consumed):
        for service_id, n in rows:
            degree[service_id] = degree.get(service_id, 0) + n
    return sorted(degree, key=lambda pk: (-degree[pk], pk))[:limit]


def revisit_queue(request: HttpRequest) -> HttpResponse:
    overdue = (
        Decision.objects.accepted()
        .filter(revisit_on__lt=timezone.localdate())
        .select_related("flow", "author")
        .order_by("revisit_on")
    )
    drifted = (
        Flow.objects.filter(current_style="command")
        .annotate(consumer_count=Count("consumers"))
        .filter(
            Q(consumer_count__gte=3)
            | Q(current_decision__growth=1, consumer_count__gt=F("current_decision__consumers_when_decided"))
        )
        .select_related("current_decision", "producer")
        .order_by("-consumer_count", "name")
    )
    return render(
        request,
        "decisions/revisit_queue.html",
        {"overdue": overdue[:100], "drifted": drifted[:100], "today": timezone.localdate()},
    )
