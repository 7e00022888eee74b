"""Pages for people who steer: the overview, the flow map and the revisit queue."""

from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .. import pagecache
from ..models import Decision, Drift, Flow, Service, Team, decision_code
from ..overview import overview_figures

MAP_LIMIT = 60


def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "decisions/overview.html", overview_figures())


def flow_map(request: HttpRequest) -> HttpResponse:
    """The services and their flows: data for static/js/flowmap.js to lay out and draw, and the same
    flows as a table (producer → consumers, style, deciding decision) for everyone else. The same
    for everyone until something changes, so kept rendered in the shared cache (decisions.pagecache)."""
    key = pagecache.key("flow-map", request.GET.get("team", ""), request.GET.get("service", "").strip()[:100])
    content, title = pagecache.kept(key, lambda: _flow_map_content(request))
    return render(request, "decisions/flow_map.html", {"content": content, "page_title": title})


def _flow_map_content(request: HttpRequest) -> tuple[str, str]:
    teams = Team.objects.only("name").order_by("name")
    team = teams.filter(pk=request.GET.get("team")).first() if request.GET.get("team", "").isdigit() else None
    services = Service.objects.select_related("team").only("name", "team__name").order_by("name")
    named = request.GET.get("service", "").strip()[:100]
    if team or named:
        # A team's or the named services' flows, with the services at their other ends.
        centre = Q(team=team) if team else Q(pk__in=Service.objects.filter(name__icontains=named).values("pk")[:20])
        touching = Flow.objects.filter(
            Q(producer__in=Service.objects.filter(centre)) | Q(consumers__in=Service.objects.filter(centre))
        )
        services = services.filter(centre | Q(produced_flows__in=touching) | Q(consumed_flows__in=touching)).distinct()
        total = None
    else:
        total = Service.objects.count()
        if total > MAP_LIMIT:
            busiest = Service.objects.order_by("-flow_count", "pk").values("pk")[:MAP_LIMIT]
            services = services.filter(pk__in=busiest)
    services = list(services)
    names = {service.pk: service.name for service in services}
    # Plain values and URLs made from one reversed pattern each: a dense map (60 services, 500
    # flows between them) built 1,500 model instances and 1,000 URLs one by one (about half its time).
    flow_url, decision_url = _url_pattern("flow_detail"), _url_pattern("decision_detail")
    pairs = (
        Flow.consumers.through.objects.filter(flow__producer_id__in=names, service_id__in=names)
        .order_by("flow__name", "service_id")
        .values_list("service_id", "flow_id", "flow__name", "flow__producer_id", "flow__current_style",
                     "flow__current_decision__number")
    )  # fmt: skip
    edges, flows = [], {}
    for consumer, flow, name, producer, style, number in pairs:
        style = style or "undecided"
        code = decision_code(number) if number is not None else ""
        url = flow_url.format(flow)
        edges.append({
            "id": f"e{len(edges)}", "source": f"s{producer}", "target": f"s{consumer}",
            "flow": name, "style": style, "url": url, "decision": code,
        })  # fmt: skip
        row = flows.setdefault(flow, {"name": name, "url": url, "producer": names[producer], "style": style,
                                      "decision": code, "decision_url": decision_url.format(number) if code else "",
                                      "consumers": []})  # fmt: skip
        row["consumers"].append(names[consumer])
    service_url = _url_pattern("service_detail")
    nodes = [{"id": f"s{s.pk}", "name": s.name, "team": s.team.name, "url": service_url.format(s.pk)} for s in services]
    content = render_to_string("decisions/_flow_map_content.html", {
        "graph": {"nodes": nodes, "edges": edges}, "flows": list(flows.values()),
        "team": team, "named": named, "total": total, "shown": len(services),
        "map_teams": sorted({s.team.name for s in services}),
        "service_options": [(f"s{s.pk}", s.name) for s in services],
        "team_options": [(str(t.pk), t.name) for t in teams], "team_chosen": str(team.pk) if team else "",
    }, request)  # fmt: skip
    title = f"Flow map: {team.name}" if team else f"Flow map: “{named}”" if named else "Flow map"
    return content, title


def _url_pattern(name: str) -> str:
    """A URL with one numeric argument as a format string: `/flows/{}/`."""
    return reverse(name, args=[999999999]).replace("999999999", "{}")


LIST_LIMIT = 100


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
    contracts = Drift.objects.filter(state=Drift.State.OPEN).select_related(
        "decision", "snapshot__contract_import", "acknowledged_by", "resolved_by"
    )
    drifts = list(contracts[: LIST_LIMIT + 1])  # counted only when there are more than the page shows
    return render(
        request,
        "decisions/revisit_queue.html",
        {"overdue": overdue[:LIST_LIMIT], "drifted": drifted[:LIST_LIMIT], "today": timezone.localdate(),
         "drifts": drifts[:LIST_LIMIT], "drift_count": contracts.count() if len(drifts) > LIST_LIMIT else len(drifts)},
    )  # fmt: skip
