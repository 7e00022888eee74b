"""Contracts imported through the workflow: services and flows mapped, snapshots kept, drift found."""

import json

import pytest
from django.test import TestCase

from decisions import roles, workflow
from decisions.access import NotAllowed
from decisions.models import ContractImport, Drift, Flow, FlowSnapshot, Notification, Service, SourceFacts
from tests.factories import ServiceFactory, TeamFactory, UserFactory, accepted

from .helpers import ASYNCAPI, catalog_files, folder_files, receives

pytestmark = pytest.mark.django_db
API = ContractImport.Via.API


def _import(files, source="flowmart", by=None):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return workflow.contracts_import(list(files.items()) if isinstance(files, dict) else files, source=source,
                                         via=API, by=by)  # fmt: skip


def test_the_catalog_becomes_services_and_flows_with_their_facts():
    existing = ServiceFactory(name="inventory-service")  # matched by name, spaces and case aside
    report = _import(catalog_files())
    assert report.committed and report.refused == []
    assert ["Inventory Service", "inventory-service"] in report.services_matched
    assert Service.objects.count() == 6
    assert Service.objects.get(name="Orders Service").team.name == "The order management team"
    flow = Flow.objects.get(message="AddInventory")
    assert (flow.name, flow.producer.name) == ("Add inventory", "Orders Service")
    assert list(flow.consumers.all()) == [existing]
    facts = flow.latest_snapshot.facts
    assert (facts["kind"], facts["version"], facts["channel"]) == ("command", "0.0.3", "inventory.{env}.events")
    assert {f["name"] for f in facts["fields"]} == {"productId", "quantity", "warehouseId", "timestamp"}
    assert "Place Order" in report.unsent  # received by no one and sent by no one: no flow to draw
    assert Flow.objects.filter(message="InventoryAdjusted").get().consumers.count() == 3
    again = _import(catalog_files())
    assert (
        again.flows_created == [] and again.flows_changed == [] and FlowSnapshot.objects.count() == Flow.objects.count()
    )


def test_a_flow_of_the_same_name_is_linked_not_duplicated():
    team = TeamFactory(name="Orders")
    producer = ServiceFactory(name="Orders Service", team=team)
    flow = workflow.flow_save(flow=Flow(name="Order confirmed", producer=producer, owner_team=team), consumers=[])
    report = _import(catalog_files())
    assert ["OrderConfirmed", "Order confirmed"] in report.flows_linked
    flow.refresh_from_db()
    assert flow.message == "OrderConfirmed" and flow.consumers.get().name == "Inventory Service"


def test_a_refused_document_writes_nothing():
    files = [("good.yaml", (ASYNCAPI / "v2.6.0" / "gitter-streaming.yml").read_bytes()),
             ("bad.yaml", b"asyncapi: 3.0.0\ninfo: {version: '1'}\n")]  # fmt: skip
    report = _import(files)
    assert not report.committed and report.refused[0]["path"] == "bad.yaml"
    assert (ContractImport.objects.count(), Service.objects.count(), Flow.objects.count()) == (0, 0, 0)


def test_documents_from_several_sources_add_up():
    social = dict(folder_files(ASYNCAPI / "v3.0.0" / "social-media"))
    common = {p: d for p, d in social.items() if p.startswith("common/")}
    for team in ("backend", "comments-service", "notification-service", "public-api", "frontend"):
        _import({**common, f"{team}/asyncapi.yaml": social[f"{team}/asyncapi.yaml"]}, source=team)
    liked = Flow.objects.get(message="commentLiked on comment/liked")
    assert liked.producer.name == "Website Backend"
    assert sorted(s.name for s in liked.consumers.all()) == ["Comments Service", "Notifications Service", "Public API"]
    assert SourceFacts.objects.filter(message=liked.message).count() == 4


def test_the_end_to_end_story_consumers_grow_and_a_field_goes():
    """Import, accept a command with growth 'stable', import a newer catalog: three more consumers and a
    removed field open revisit items with their evidence, tell the author and the owner team."""
    _import(catalog_files())
    flow = Flow.objects.get(message="AddInventory")
    member = UserFactory(username="olga", role=roles.ARCHITECTS)
    flow.owner_team.members.add(member)
    decision = accepted(flow=flow, style="command", growth=1)
    decision.refresh_from_db()
    assert decision.facts_snapshot == flow.latest_snapshot

    newer = catalog_files()
    for service in ("NotificationService", "PaymentService", "ShippingService"):
        receives(newer, service, "AddInventory")
    schema_path = next(p for p in newer if p.endswith("AddInventory/schema.json"))
    schema = json.loads(newer[schema_path])
    del schema["properties"]["warehouseId"]
    newer[schema_path] = json.dumps(schema).encode()
    report = _import(newer)

    assert report.flows_changed == ["Add inventory"]
    items = {item.rule: item for item in Drift.objects.filter(decision=decision)}
    assert set(items) == {"consumers-grew", "command-fan-out", "breaking-schema"}
    assert items["consumers-grew"].evidence == (
        "1 consumer when decided, expected growth “stable” → 4 consumers now: Inventory Service, Notifications, "
        "Payment Service, Shipping Service"
    )
    assert "“warehouseId” removed" in items["breaking-schema"].after
    assert all(item.state == Drift.State.OPEN for item in items.values())
    told = Notification.objects.filter(key__startswith="drift:")
    assert {n.recipient for n in told} == {decision.author, member}
    assert told.filter(recipient=member).count() == 3
    history = list(flow.snapshots.order_by("taken_at", "pk"))
    assert [len(s.consumers) for s in history] == [1, 4]

    again = _import(newer)  # the same facts again: nothing new
    assert again.drifts == [] and Drift.objects.count() == 3


def test_acknowledging_keeps_the_note_and_superseding_resolves():
    _import(catalog_files())
    flow = Flow.objects.get(message="AddInventory")
    decision = accepted(flow=flow, style="event", growth=3)  # the catalog says command
    (item,) = Drift.objects.filter(decision=decision)
    assert item.rule == "style-vs-kind"
    architect = UserFactory(role=roles.ARCHITECTS)
    with pytest.raises(workflow.TransitionRefused, match="Say why"):
        workflow.drift_acknowledge(drift_item=item, by=architect, note=" ")
    viewer = UserFactory(role=roles.VIEWERS)
    with pytest.raises(NotAllowed):
        workflow.drift_acknowledge(drift_item=item, by=viewer, note="Fine.")
    workflow.drift_acknowledge(drift_item=item, by=architect, note="The catalog lags: we publish an event.")
    item.refresh_from_db()
    assert (item.state, item.acknowledged_by) == (Drift.State.ACKNOWLEDGED, architect)
    newer = accepted(flow=flow, style="command", growth=3, supersedes=decision)
    item.refresh_from_db()
    assert (item.state, item.resolved_by) == (Drift.State.RESOLVED, newer)


def test_a_flow_that_disappears_opens_a_revisit():
    _import(catalog_files())
    flow = Flow.objects.get(message="OrderConfirmed")
    decision = accepted(flow=flow, style="event", growth=3)
    fewer = {p: d for p, d in catalog_files().items() if "/OrderConfirmed/" not in p}
    for path in [p for p in fewer if p.endswith("/index.mdx") and b"- id: OrderConfirmed" in fewer[p]]:
        fewer[path] = fewer[path].replace(b"  - id: OrderConfirmed\n", b"")
    report = _import(fewer)
    assert report.flows_gone == ["Order confirmed"]
    assert Drift.objects.get(decision=decision).rule == "flow-disappeared"
    assert Flow.objects.get(pk=flow.pk).consumers.count() == 1  # the app's catalog keeps what it knew
