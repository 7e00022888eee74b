"""The sweep: hostile and odd values through every form, filter, API field and upload, on each
database the suite runs on. Never a 5xx, never a slow answer, never a half-stored change, and
nothing stored from a refused request.

The values are those people and scripts have sent (search operators, page numbers past any
database's integers, impossible dates, NUL, 2 MB of text, lone surrogates in JSON) and a
sample of the Big List of Naughty Strings (tests/data/xss/).
"""

import gc
import json
import logging
import time
import tracemalloc
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from decisions import roles, tokens, webhooks, workflow
from decisions.api import api
from decisions.models import Comment, ContractImport, Decision, Flow, FlowSnapshot, Service, SourceFacts, Team
from tests.archives import zipped
from tests.factories import AssessedDecisionFactory, FlowFactory, UserFactory

pytestmark = pytest.mark.django_db

BLNS: list[str] = json.loads((Path(__file__).parent / "data" / "xss" / "blns.json").read_text())
BAD_VALUES = [
    "nul\x00byte",
    "x" * 2_000_000,
    "999999999",
    "-1",
    "abc",
    "'; DROP TABLE decisions_decision; --",
    "<script>alert(1)</script>",
    "%00%ff",
]
# What the hostile-input report sent, beside the values above.
REPORTED = ["-", "--", "OR", '""', "*", "!!!", ":", "'", "\\", "%", "🙂", "0", "1e9", "9223372036854775807",
            "9223372036854775808", "9999-99-99", "deep/" * 120 + "x.md"]  # fmt: skip
SWEEP = [*BAD_VALUES, *REPORTED, *BLNS[::20]]
SLOW = 5.0  # seconds: far above any answer here, far below a server's time-out


@pytest.fixture
def world():
    author = UserFactory(username="ada", role=roles.ARCHITECTS)
    reviewer = UserFactory(username="rui", role=roles.REVIEWERS)
    draft = AssessedDecisionFactory(status="draft", author=author)
    proposal = AssessedDecisionFactory(status="draft", author=author)
    workflow.decision_propose(decision=proposal, by=author, reviewers=[reviewer])
    comment = workflow.comment_post(decision=proposal, by=reviewer, body="A comment")
    return {"author": author, "reviewer": reviewer, "draft": draft, "proposal": proposal, "comment": comment,
            "flow": FlowFactory()}  # fmt: skip


def _forms(w):
    """(who, url, the field names it reads) for every form in the app."""
    decision_fields = [
        "title", "flow", "caller_needs_result", "sync_reason", "visibility", "visibility_reason", "style",
        "justification", "logic_location", "context", "decision_text", "tags", "decided_on", "supersedes",
        "revision",
    ]  # fmt: skip
    return [
        ("author", reverse("decision_create"), decision_fields),
        ("author", reverse("decision_edit", args=[w["draft"].number]), decision_fields),
        ("author", reverse("decision_assess"), [*decision_fields, "number"]),
        ("author", reverse("markdown_preview"), ["context", "text"]),
        ("author", reverse("decision_propose", args=[w["draft"].number]), ["reviewers", "note"]),
        ("author", reverse("decision_transition", args=[w["proposal"].number]), ["to", "note"]),
        ("reviewer", reverse("decision_review", args=[w["proposal"].number]), ["verdict", "body"]),
        ("author", reverse("review_ask_again", args=[w["proposal"].number]), ["request"]),
        ("reviewer", reverse("comment_create", args=[w["proposal"].number]), ["body", "parent"]),
        ("reviewer", reverse("comment_edit", args=[w["comment"].pk]), ["body"]),
        ("author", reverse("team_create"), ["name", "description"]),
        ("author", reverse("service_create"), ["name", "team", "description"]),
        ("author", reverse("flow_create"), ["name", "producer", "consumers", "owner_team", "description"]),
        ("author", reverse("flow_edit", args=[w["flow"].pk]), ["name", "producer", "consumers", "owner_team"]),
        ("author", reverse("contracts"), ["source", "files"]),
    ]


def _state():
    return (
        list(Decision.objects.order_by("pk").values_list("title", "status", "context")),
        Decision.history.count(),
        list(Comment.objects.values_list("body", "retracted_at")),
        Team.objects.count(), Service.objects.count(), list(Flow.objects.values_list("name", flat=True)),
    )  # fmt: skip


def _ids(values):
    return [f"{n}-{value[:12]!r}" for n, value in enumerate(values)]


def _timed(call):
    started = time.perf_counter()
    response = call()
    assert time.perf_counter() - started < SLOW
    return response


@pytest.mark.parametrize("bad", SWEEP, ids=_ids(SWEEP))
def test_every_form_survives_bad_values_and_stores_nothing_half_done(world, bad):
    for who, url, fields in _forms(world):
        client = Client()
        client.force_login(world[who])
        before = _state()
        response = _timed(lambda: client.post(url, dict.fromkeys(fields, bad)))  # noqa: B023
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code == 200 and url != reverse("decision_assess"):
            assert _state() == before, url


@pytest.mark.parametrize("bad", SWEEP, ids=_ids(SWEEP))
def test_every_filter_and_page_survives_bad_values(world, bad):
    client = Client()
    client.force_login(world["reviewer"])
    names = ["q", "style", "status", "team", "service", "flow", "tag", "filed_from", "filed_to", "against",
             "visibility", "growth", "coordination", "coupling", "sort", "page"]  # fmt: skip
    for url in (reverse("decision_list"), reverse("feed_search"), reverse("adr_export")):
        assert _timed(lambda: client.get(url, dict.fromkeys(names, bad))).status_code == 200, url  # noqa: B023
    for url in (reverse("flow_map"), reverse("team_list"), reverse("flow_list"), reverse("service_list"),
                reverse("decision_history", args=[world["proposal"].number])):  # fmt: skip
        response = client.get(url, {"team": bad, "page": bad, "from": bad, "to": bad})
        assert response.status_code in (200, 404), url


def test_invalid_utf8_in_a_form_body_is_refused_calmly(world):
    client = Client()
    client.force_login(world["author"])
    response = client.post(
        reverse("decision_create"),
        data=b"title=%ff%fe%00&context=\xff\xfe",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not Decision.objects.filter(title__contains="\ufffd").exists()


def test_control_characters_never_reach_titles_or_feeds(world):
    client = Client()
    client.force_login(world["author"])
    client.post(reverse("decision_create"), {"title": "Bell\x07 and\x01 escape\x1b", "context": "ok\x0b"})
    assert Decision.objects.filter(title="Bell and escape").exists()
    decision = world["draft"]
    Decision.objects.filter(pk=decision.pk).update(title="Old\x01 title", status="accepted")
    feed = client.get(reverse("feed_accepted"))
    assert feed.status_code == 200 and "Old title" in feed.content.decode()


def _operations():
    """(method, path template, query parameter names, body field names) of every API operation."""
    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            ref = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            body = list(components[ref["$ref"].rsplit("/", 1)[1]]["properties"]) if "$ref" in ref else []
            yield method, path, query, body


JSON_VALUES = ['"\\ud800"', "null", "[null, null]", "1e999", "-1", "9223372036854775808", '{"a": 1}', "true"]


@pytest.mark.parametrize("bad", [*SWEEP[:40], *JSON_VALUES], ids=_ids([*SWEEP[:40], *JSON_VALUES]))
def test_every_api_field_survives_bad_values_and_refusals_store_nothing(world, bad):
    _, key = tokens.token_issue(user=world["author"], name="sweep")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    values = {"number": world["draft"].number, "comment_id": world["comment"].pk, "flow_id": world["flow"].pk}
    raw = bad if bad in JSON_VALUES else json.dumps(bad)
    for method, path, query, body in _operations():
        url = path.format(**values)
        for name in query:
            response = _timed(lambda: client.get(url, {name: bad}))  # noqa: B023
            assert response.status_code < 500, (url, name, response.status_code)
        for name in body:
            before = _state()
            payload = f'{{"{name}": {raw}}}'
            response = _timed(lambda: getattr(client, method)(url, payload, content_type="application/json"))  # noqa: B023
            assert response.status_code < 500, (method, url, name, response.status_code)
            if response.status_code >= 400:
                assert _state() == before, (method, url, name)


@pytest.mark.parametrize("bad", SWEEP[:30], ids=_ids(SWEEP[:30]))
def test_every_upload_survives_bad_names_and_contents(world, bad):
    client = Client()
    client.force_login(world["author"])
    name = (bad.replace("/", "_")[:200] or "x") + ".md"
    for data in (bad.encode("utf-8", "surrogatepass"), b"---\ntitle: " + bad.encode()[:5000] + b"\n---\n# T\n"):
        before = _state()
        upload = _named(data, name)
        response = _timed(lambda: client.post(reverse("adr_import"), {"files": upload, "collection": bad[:100]}))  # noqa: B023
        assert response.status_code in (200, 302), response.status_code
        report, form = response.context["report"], response.context["form"]
        if form.errors or not report.committed:
            assert _state() == before


def _contract_state():
    return ContractImport.objects.count(), SourceFacts.objects.count(), FlowSnapshot.objects.count(), _state()


@pytest.mark.parametrize("bad", SWEEP[:30], ids=_ids(SWEEP[:30]))
def test_every_contract_upload_survives_bad_names_and_contents(world, bad):
    """Hostile text as a whole file, as a title, a channel, a message and a field name, in YAML and
    JSON, and as a catalog's front matter: a report or a refusal, never a 5xx or a half import."""
    client = Client()
    client.force_login(world["author"])
    text = bad.encode("utf-8", "surrogatepass")
    quoted = json.dumps(bad).encode()
    documents = [
        ("orders.yaml", text),
        ("orders.json", text),
        ("orders.yaml", b"asyncapi: 3.0.0\ninfo: {title: " + quoted + b", version: '1'}\n"),
        ("orders.json", json.dumps({"asyncapi": "3.0.0", "info": {"title": bad, "version": "1"}, "channels": {
            "c": {"address": bad, "messages": {"m": {"name": bad, "x-kind": bad, "payload": {"type": "object",
                  "properties": {bad[:200] or "x": {"type": "string"}}}}}}}, "operations": {
            "o": {"action": "send", "channel": {"$ref": "#/channels/c"}}}}).encode()),
        ("catalog.zip", zipped({"services/A/index.mdx": b"---\nid: " + quoted + b"\nsends:\n  - id: " + quoted
                                + b"\n---\n", "events/" + (bad.replace("/", "_")[:50] or "x") + "/index.mdx":
                                b"---\nid: " + quoted + b"\n---\n"}).getvalue()),
    ]  # fmt: skip
    for name, data in documents:
        before = _contract_state()
        upload = _named(data, name)
        response = _timed(lambda: client.post(reverse("contracts"), {"files": upload, "source": bad[:200]}))  # noqa: B023
        assert response.status_code in (200, 302), (name, response.status_code)
        if response.status_code == 200:
            assert _contract_state() == before, name


@pytest.mark.parametrize("bad", [*SWEEP[:30], *JSON_VALUES], ids=_ids([*SWEEP[:30], *JSON_VALUES]))
def test_every_change_notice_field_survives_bad_values(world, bad, settings):
    settings.DECISION_CONTRACT_NOTICE_SECRET = "a-shared-secret-for-the-sweep"
    client = Client()
    raw = bad if bad in JSON_VALUES else json.dumps(bad)
    event = {"specversion": "1.0", "id": "n-1", "source": "https://catalog.example.org",
             "type": "x.consumer.added", "data": {"message": "m", "service": "s"}}  # fmt: skip
    bodies = [f'{{"{name}": {raw}}}' for name in event] + [raw]
    bodies += [json.dumps(event | {"data": {"message": "m", "service": "s", name: None}}).replace("null", raw)
               for name in ("message", "service", "schema", "version")]  # fmt: skip
    for body in bodies:
        data = body.encode("utf-8", "surrogatepass")
        signature = webhooks.signature(settings.DECISION_CONTRACT_NOTICE_SECRET, data)
        before = _contract_state()
        response = _timed(lambda: client.post(reverse("contract_notice"), data,  # noqa: B023
                                              content_type="application/cloudevents+json",
                                              headers={"X-Decision-Log-Signature": signature}))  # noqa: B023  # fmt: skip
        assert response.status_code < 500, (body[:80], response.status_code)
        if response.status_code >= 400:
            assert _contract_state() == before


def _named(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/markdown")


def test_the_sweep_keeps_memory_bounded(world):
    """2 MB in every field of every form: each answer's peak is a bounded multiple of what was sent
    (the client encodes the body and Django parses it: two copies), and nothing of it is kept.

    Traced per request, not read from the process's peak (ru_maxrss): that high-water mark depends on
    what ran before in the same process, and the allocator keeps freed memory, so it added up the
    requests' peaks when run alone and hid them after a larger test."""
    big = "x" * 2_000_000
    for who, url, fields in _forms(world):
        client = Client()
        client.force_login(world[who])
        sent = len(fields) * len(big)
        client.post(url, dict.fromkeys(fields, "x"))  # what a first request loads once (templates, forms)
        gc.collect()
        tracemalloc.start()
        logging.disable()  # pytest keeps every log record, and Django's refusals carry the request
        try:
            _timed(lambda: client.post(url, dict.fromkeys(fields, big)))  # noqa: B023
            gc.collect()
            kept, peak = tracemalloc.get_traced_memory()
        finally:
            logging.disable(logging.NOTSET)
            tracemalloc.stop()
        assert peak < 3 * sent + 8_000_000, f"{url}: {peak // 1_000_000} MB at the peak for {sent // 1_000_000} MB sent"
        assert kept < 1_000_000, f"{url}: {kept // 1000} kB still held after the answer"
