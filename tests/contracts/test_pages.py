"""The contracts pages, the API endpoint, the change notices and the command, as their users meet them."""

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from decisions import tokens, webhooks, workflow
from decisions.models import ContractImport, Drift, Flow, FlowSnapshot
from tests.factories import TeamFactory, UserFactory, accepted

from .helpers import ASYNCAPI, CATALOG, catalog_files, receives

pytestmark = pytest.mark.django_db
SECRET = "a-shared-secret-for-tests"  # noqa: S105
GITTER = ASYNCAPI / "v2.6.0" / "gitter-streaming.yml"


def _zip(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            archive.writestr(f"catalog/{path}", data)
    buffer.seek(0)
    buffer.name = "catalog.zip"
    return buffer


def _imported(files=None, source="flowmart"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        workflow.contracts_import(list((files or catalog_files()).items()), source=source,
                                  via=ContractImport.Via.COMMAND, by=None)  # fmt: skip


def test_an_architect_uploads_a_catalog_zip_and_reads_the_report(architect_client):
    response = architect_client.post(reverse("contracts"), {"files": _zip(catalog_files()), "source": "flowmart"})
    run = ContractImport.objects.get()
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
    page = architect_client.get(run.get_absolute_url()).content.decode()
    assert "Contracts from flowmart" in page and "17 flows created" in page and "Place Order" in page
    assert run.by.username == "ada" and run.via == "upload"


def test_an_invalid_upload_is_refused_with_its_reasons_and_nothing_written(architect_client):
    bad = io.BytesIO(b"asyncapi: 3.0.0\ninfo: {version: '1'}\n")
    bad.name = "orders.yaml"
    page = architect_client.post(reverse("contracts"), {"files": bad, "source": "orders"}).content.decode()
    assert "Nothing was imported" in page and "At info: “title” is missing." in page
    assert ContractImport.objects.count() == 0
    empty = architect_client.post(reverse("contracts"), {"source": ""}).content.decode()
    assert "Choose an AsyncAPI document" in empty and "This field is required." in empty


def test_viewers_read_the_contracts_page_but_cannot_import(manager_client):
    page = manager_client.get(reverse("contracts")).content.decode()
    assert "Undecided flows" in page and 'name="files"' not in page
    bad = io.BytesIO(GITTER.read_bytes())
    bad.name = "gitter.yml"
    assert manager_client.post(reverse("contracts"), {"files": bad, "source": "x"}).status_code == 403


def test_undecided_flows_are_listed_for_architects(architect_client, django_assert_max_num_queries):
    _imported()
    accepted(flow=Flow.objects.get(message="AddInventory"), style="command", growth=1)
    with django_assert_max_num_queries(10):
        page = architect_client.get(reverse("contracts")).content.decode()
    assert "Undecided flows (16)" in page and "Order confirmed" in page
    assert ">Add inventory<" not in page


def test_the_flow_page_shows_the_facts_the_schema_and_the_history(manager_client, django_assert_max_num_queries):
    _imported()
    newer = catalog_files()
    receives(newer, "PaymentService", "AddInventory")
    _imported(newer)
    flow = Flow.objects.get(message="AddInventory")
    with django_assert_max_num_queries(12):
        page = manager_client.get(flow.get_absolute_url()).content.decode()
    assert "What the contracts say" in page and "inventory.{env}.events" in page
    assert "<code>warehouseId</code>" in page and "string (uuid)" in page
    assert "The message as the document wrote it" in page
    assert "consumers added: Payment Service" in page and "first seen: sent by Orders Service, 1 consumer" in page


def test_drift_shows_on_the_decision_revisit_and_overview_pages_and_is_acknowledged(
    architect_client, django_assert_max_num_queries
):
    _imported()
    flow = Flow.objects.get(message="AddInventory")
    decision = accepted(flow=flow, style="event", growth=3)  # the catalog declares a command
    item = Drift.objects.get(decision=decision)
    with django_assert_max_num_queries(16):  # the decision page's 15, and its drift items
        page = architect_client.get(decision.get_absolute_url()).content.decode()
    assert "The contracts disagree with this decision" in page and "the contracts declare a command" in page
    with django_assert_max_num_queries(10):
        revisit = architect_client.get(reverse("revisit_queue")).content.decode()
    assert "Where the contracts disagree with a decision (1)" in revisit and decision.code in revisit
    assert "Where the contracts disagree" in architect_client.get(reverse("overview")).content.decode()
    url = reverse("drift_acknowledge", args=[item.pk])
    architect_client.post(url, {"note": ""})
    assert Drift.objects.get().state == "open"
    response = architect_client.post(url, {"note": "The catalog lags behind.", "next": decision.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == decision.get_absolute_url()
    page = architect_client.get(decision.get_absolute_url()).content.decode()
    assert "acknowledged the drift" in page and "The catalog lags behind." in page


def test_a_viewer_cannot_acknowledge(manager_client):
    _imported()
    decision = accepted(flow=Flow.objects.get(message="AddInventory"), style="event", growth=3)
    item = Drift.objects.get(decision=decision)
    manager_client.post(reverse("drift_acknowledge", args=[item.pk]), {"note": "Fine."})
    assert Drift.objects.get().state == "open"


def test_the_guided_form_shows_the_facts_of_the_chosen_flow(architect_client):
    _imported()
    flow = Flow.objects.get(message="InventoryAdjusted")
    page = architect_client.get(reverse("decision_create") + f"?flow={flow.pk}").content.decode()
    assert "What the contracts say today" in page and "3 consumers today" in page
    panel = architect_client.post(reverse("decision_assess"), {"flow": flow.pk}, headers={"HX-Request": "true"})
    assert "3 consumers today" in panel.content.decode() and "declared as event" in panel.content.decode()


# --- the API, for a team's CI --------------------------------------------------------------


def test_a_team_s_ci_posts_its_asyncapi_document_with_a_token(client, architect):
    _, key = tokens.token_issue(user=architect, name="CI")
    headers = {"Authorization": f"Bearer {key}"}
    document = io.BytesIO(GITTER.read_bytes())
    document.name = "asyncapi.yml"
    response = client.post("/api/contracts", {"source": "gitter", "files": document}, headers=headers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["flows_created"] == ["chatMessage", "heartbeat"] and "1 document read" in body["summary"]
    bad = io.BytesIO(b"asyncapi: 3.0.0\ninfo: {version: '1'}\n")
    bad.name = "bad.yaml"
    refused = client.post("/api/contracts", {"source": "gitter", "files": bad}, headers=headers)
    assert refused.status_code == 422 and refused.json()["errors"]["bad.yaml"] == ["At info: “title” is missing."]


def test_the_api_refuses_viewers_and_missing_parts(client, manager):
    _, key = tokens.token_issue(user=manager, name="CI")
    document = io.BytesIO(GITTER.read_bytes())
    document.name = "asyncapi.yml"
    headers = {"Authorization": f"Bearer {key}"}
    assert client.post("/api/contracts", {"source": "x", "files": document}, headers=headers).status_code == 403
    assert client.post("/api/contracts", {"source": "x"}, headers=headers).status_code == 422


# --- change notices ------------------------------------------------------------------------


def _notice(client, event: dict, signature=None):
    body = json.dumps(event).encode()
    return client.post(
        reverse("contract_notice"), body, content_type="application/cloudevents+json",
        headers={"X-Decision-Log-Signature": signature or webhooks.signature(SECRET, body)},
    )  # fmt: skip


def _event(type_="com.example.catalog.consumer.added", **data):
    return {"specversion": "1.0", "id": "n-1", "source": "https://catalog.example.org", "type": type_,
            "data": {"message": "AddInventory", "service": "Loyalty Service"} | data}  # fmt: skip


def test_a_signed_notice_adds_a_consumer_as_a_new_snapshot_with_the_drift_rules(client, settings):
    settings.DECISION_CONTRACT_NOTICE_SECRET = SECRET
    _imported()
    flow = Flow.objects.get(message="AddInventory")
    decision = accepted(flow=flow, style="command", growth=1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = _notice(client, _event())
    assert response.status_code == 202, response.content
    flow.refresh_from_db()
    assert sorted(flow.latest_snapshot.consumers) == ["Inventory Service", "Loyalty Service"]
    assert {d.rule for d in Drift.objects.filter(decision=decision)} == {"consumers-grew", "command-fan-out"}
    assert _notice(client, _event()).status_code == 200  # the same notice again: taken once
    assert FlowSnapshot.objects.filter(flow=flow).count() == 2


def test_a_schema_change_notice_finds_the_breaking_change(client, settings):
    settings.DECISION_CONTRACT_NOTICE_SECRET = SECRET
    _imported()
    decision = accepted(flow=Flow.objects.get(message="AddInventory"), style="command", growth=3)
    schema = {"type": "object", "properties": {"productId": {"type": "integer"}, "quantity": {"type": "integer"}}}
    event = _event("com.example.catalog.schema.changed", schema=schema, version="0.1.0") | {"id": "n-2"}
    assert _notice(client, event).status_code == 202
    item = Drift.objects.get(decision=decision, rule="breaking-schema")
    assert "“productId” changed from string (uuid) to integer" in item.after and "“timestamp” removed" in item.after


@pytest.mark.parametrize(
    "change, status, detail",
    [
        (lambda e: (e, "wrong"), 401, "HMAC"),
        (lambda e: (e | {"specversion": "0.3"}, None), 422, "CloudEvents 1.0"),
        (lambda e: ({k: v for k, v in e.items() if k != "id"}, None), 422, "needs id"),
        (lambda e: (e | {"type": "x.renamed"}, None), 422, "must end with"),
        (lambda e: (e | {"data": {"message": "Nothing", "service": "A"}}, None), 422, "No imported contract"),
        (lambda e: (e | {"data": {"message": "AddInventory"}}, None), 422, "name the service"),
        (lambda e: ([e], None), 422, "a JSON object"),
    ],
)
def test_notices_that_cannot_be_taken_are_refused_in_plain_words(client, settings, change, status, detail):
    settings.DECISION_CONTRACT_NOTICE_SECRET = SECRET
    _imported()
    event, signature = change(_event())
    response = _notice(client, event, signature=signature)
    assert response.status_code == status and detail in response.json()["detail"]


def test_notices_are_off_without_a_secret(client, settings):
    settings.DECISION_CONTRACT_NOTICE_SECRET = ""
    assert _notice(client, _event()).status_code == 404


# --- the command ---------------------------------------------------------------------------


def test_the_command_imports_a_catalog_folder_with_a_report(capsys):
    call_command("import_contracts", str(CATALOG), "--source", "flowmart")
    out = capsys.readouterr().out
    assert "flowmart: 1 document read; 6 services created" in out and "no flow  Place Order" in out
    assert ContractImport.objects.get().via == "command"


def test_an_architect_chooses_a_team_s_members_who_are_told_of_drift(architect_client, manager_client):
    team = TeamFactory(name="Orders")
    person = UserFactory(username="olga", first_name="Olga", last_name="Ortiz")
    response = architect_client.post(reverse("team_edit", args=[team.pk]),
                                     {"name": "Orders", "description": "", "members": [person.pk]})  # fmt: skip
    assert response.status_code == 302 and list(team.members.all()) == [person]
    assert "Olga Ortiz" in manager_client.get(team.get_absolute_url()).content.decode()
    assert manager_client.post(reverse("team_edit", args=[team.pk]), {"name": "X", "members": []}).status_code == 403
    assert list(team.members.all()) == [person]
