"""Overview, flow map and revisit queue."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.cache import cache
from django.urls import reverse

from decisions import roles, workflow
from decisions.models import Flow, Service
from tests.factories import AssessedDecisionFactory, FlowFactory, ServiceFactory, TeamFactory, UserFactory, accepted
from tests.html_safety import script_risks

pytestmark = pytest.mark.django_db


def test_overview_counts_styles_against_share_waiting_and_logic(manager_client):
    team = TeamFactory(name="Payments")
    checkout = ServiceFactory(name="checkout-api", team=team)
    accepted(flow=FlowFactory(producer=checkout, owner_team=team), style="command")
    accepted(flow=FlowFactory(owner_team=team), style="event", justification="Decoupling")
    author = UserFactory(role=roles.ARCHITECTS)
    proposal = AssessedDecisionFactory(status="draft", title="Still waiting", author=author)
    workflow.decision_propose(decision=proposal, by=author, reviewers=[UserFactory(role=roles.REVIEWERS)])
    page = manager_client.get(reverse("overview")).content.decode()
    assert "Payments: 1 command" in page and "Payments: 1 event" in page
    assert f"{datetime.date.today().year} Q" in page
    assert "50%" in page and "1 of 2 accepted decisions" in page
    assert "Still waiting" in page and "Proposals waiting for review (1)" in page
    assert "checkout-api: 1 command flow" in page
    assert "Command (solid)" in page and "Event (hatched)" in page


def test_overview_with_nothing_yet(manager_client):
    page = manager_client.get(reverse("overview")).content.decode()
    assert "No accepted decisions with a style yet." in page and "Nothing waits for review." in page


def test_flow_map_gives_an_edge_per_consumer_and_lists_each_flow_once(manager_client):
    team = TeamFactory(name="Fulfilment")
    consumers = [ServiceFactory(name="shipping"), ServiceFactory(name="billing")]
    flow = FlowFactory(name="Order placed", producer=ServiceFactory(name="checkout", team=team), consumers=consumers)
    decision = accepted(flow=flow, style="event", justification="x")
    response = manager_client.get(reverse("flow_map"))
    graph = response.context["graph"]
    assert sorted((e["flow"], e["style"], e["decision"]) for e in graph["edges"]) == [
        ("Order placed", "event", decision.code),
        ("Order placed", "event", decision.code),
    ]
    assert {node["name"]: node["team"] for node in graph["nodes"]}["checkout"] == "Fulfilment"
    assert {edge["url"] for edge in graph["edges"]} == {flow.get_absolute_url()}
    assert {node["url"] for node in graph["nodes"]} == {s.get_absolute_url() for s in [*consumers, flow.producer]}
    page = response.content.decode()
    assert page.count(f'<a href="{flow.get_absolute_url()}">Order placed</a>') == 1  # the table: one row per flow
    assert "checkout → billing, shipping" in page or "checkout → shipping, billing" in page
    assert f'<a href="{decision.get_absolute_url()}">{decision.code}</a>' in page
    assert 'id="flow-map-data" type="application/json"' in page
    assert script_risks(page) == []


def test_flow_map_focuses_on_a_team_and_ignores_nonsense(manager_client):
    mine, other = TeamFactory(name="Mine"), TeamFactory(name="Other")
    FlowFactory(producer=ServiceFactory(name="my-svc", team=mine), consumers=[ServiceFactory(name="partner")])
    ServiceFactory(name="far-away", team=other)
    names = {n["name"] for n in manager_client.get(reverse("flow_map"), {"team": mine.pk}).context["graph"]["nodes"]}
    assert names == {"my-svc", "partner"}
    assert manager_client.get(reverse("flow_map"), {"team": "x'"}).status_code == 200
    found = manager_client.get(reverse("flow_map"), {"service": "MY-S"}).context["graph"]["nodes"]
    assert {n["name"] for n in found} == {"my-svc", "partner"}  # a service's flows, by part of its name
    assert "No service is called" in manager_client.get(reverse("flow_map"), {"service": "nope%"}).content.decode()


def test_flow_map_caps_the_services_drawn(manager_client, settings, django_assert_max_num_queries):
    from decisions.views import insights

    insights.MAP_LIMIT, old = 3, insights.MAP_LIMIT
    try:
        hub = ServiceFactory(name="hub")
        for _ in range(4):
            FlowFactory(producer=hub)
        with django_assert_max_num_queries(8):  # the busiest read from the services' kept counts
            response = manager_client.get(reverse("flow_map"))
    finally:
        insights.MAP_LIMIT = old
    assert "Showing the 3 busiest of 5 services" in response.content.decode()
    assert "hub" in {node["name"] for node in response.context["graph"]["nodes"]}


def flow_ends() -> dict[str, int]:
    """Each service's flows counted from the flows themselves, as the kept Service.flow_count should be."""
    return {s.name: s.produced_flows.count() + s.consumed_flows.count() for s in Service.objects.all()}


def test_each_service_keeps_how_many_flows_it_produces_and_consumes():
    a, b, c = (ServiceFactory(name=name) for name in "abc")
    flow = workflow.flow_save(flow=Flow(name="F", producer=a, owner_team=a.team), consumers=[b])
    own = workflow.flow_save(flow=Flow(name="G", producer=a, owner_team=a.team), consumers=[a])
    assert dict(Service.objects.values_list("name", "flow_count")) == flow_ends() == {"a": 3, "b": 1, "c": 0}
    flow.producer = c  # another producer, and other consumers: both the old and the new ends change
    workflow.flow_save(flow=flow, consumers=[a, c])
    workflow.flow_save(flow=own, consumers=[])
    assert dict(Service.objects.values_list("name", "flow_count")) == flow_ends() == {"a": 2, "b": 0, "c": 2}
    Service.objects.update(flow_count=0)  # as after a bulk load
    workflow.derived_rebuild()
    assert dict(Service.objects.values_list("name", "flow_count")) == flow_ends()
    Service.objects.update(flow_count=0)
    importlib.import_module("decisions.migrations.0032_service_flow_count").count_flow_ends(apps, None)
    assert dict(Service.objects.values_list("name", "flow_count")) == flow_ends()


def test_insight_pages_keep_a_fixed_number_of_queries(manager_client, django_assert_max_num_queries, settings):
    for _ in range(6):
        accepted(flow=FlowFactory(consumers=ServiceFactory.create_batch(3)), style="command")
    for name, limit in (("flow_map", 8), ("revisit_queue", 8)):
        with django_assert_max_num_queries(limit):
            assert manager_client.get(reverse(name)).status_code == 200
    # The overview, with its figures and its fragment in the shared cache (the database's, here):
    # the first view works them out and stores both, the next reads them back.
    settings.DECISION_OVERVIEW_CACHE_SECONDS = 60
    with django_assert_max_num_queries(18):  # the page's 14; each store is a count and a write
        assert manager_client.get(reverse("overview")).status_code == 200
    with django_assert_max_num_queries(7):
        assert manager_client.get(reverse("overview")).status_code == 200


def test_revisit_queue_lists_overdue_decisions_and_drifted_flows(manager_client):
    overdue = accepted(title="Look again", revisit_on=datetime.date(2020, 1, 1), flow=FlowFactory())
    accepted(title="Not yet", revisit_on=datetime.date.today() + datetime.timedelta(days=30), flow=FlowFactory())
    crowded = FlowFactory(name="Crowded", consumers=ServiceFactory.create_batch(3))
    accepted(flow=crowded, style="command")
    grown = FlowFactory(name="Grown", consumers=[ServiceFactory()])
    accepted(flow=grown, style="command", growth=1)
    grown.consumers.add(ServiceFactory())
    calm = FlowFactory(name="Calm", consumers=[ServiceFactory()])
    accepted(flow=calm, style="command", growth=1)
    page = manager_client.get(reverse("revisit_queue")).content.decode()
    assert "Look again" in page and overdue.code in page and "Not yet" not in page
    assert "Crowded" in page and "3 consumers on a command flow." in page
    assert "Grown" in page and "Consumers grew from 1 to 2" in page
    assert "Calm" not in page


def test_the_charts_numbers_table_gives_each_style(manager_client):
    team = TeamFactory(name="Orders")
    accepted(flow=FlowFactory(owner_team=team), style="command")
    accepted(flow=FlowFactory(owner_team=team), style="command")
    page = manager_client.get(reverse("overview")).content.decode()
    assert '<th scope="row">Orders</th><td>2</td><td>0</td><td>0</td>' in page


def test_the_overview_is_cached_briefly_and_forgotten_on_a_change(manager_client, architect, settings,
                                                                  django_assert_max_num_queries,
                                                                  django_capture_on_commit_callbacks):  # fmt: skip
    settings.DECISION_OVERVIEW_CACHE_SECONDS = 60
    cache.clear()
    AssessedDecisionFactory(style="event", status="accepted")
    first = manager_client.get(reverse("overview")).content.decode()
    assert "every 60 seconds" in first
    with django_assert_max_num_queries(7):  # the session, user, permissions, unread count, and the cache's reads
        assert manager_client.get(reverse("overview")).content.decode().count("<svg") == first.count("<svg")
    draft = AssessedDecisionFactory(status="draft", author=architect, title="Waiting for review")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.decision_transition(decision=draft, to="proposed", by=architect)
    assert "Waiting for review" in manager_client.get(reverse("overview")).content.decode()
    cache.clear()
