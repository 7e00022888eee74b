"""Every string of a public hostile-string list in every user-writable field, on every page that shows it.

The list is the Big List of Naughty Strings (tests/data/xss/SOURCE.md). Each of its 485
strings becomes a decision title, a comment, a team, service and flow name, and part of
every Markdown section, reason and justification, of the tags and deciders, and of
imported ADR files, and every name and text of imported AsyncAPI documents. Then every page,
feed, e-mail and API answer that shows them is
checked for anything that could run: script, event handlers, javascript:/vbscript:/data:
URLs (tests/html_safety.py parses the HTML rather than searching text).
"""

import json
import xml.etree.ElementTree as ET  # noqa: S405 # nosec B405 (parses our own feed)
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from decisions import search, tokens, workflow
from decisions.models import Comment, Decision, Flow, Service, Team
from tests.factories import AssessedDecisionFactory, DecisionFactory, accepted
from tests.html_safety import script_risks

pytestmark = pytest.mark.django_db

STRINGS: list[str] = json.loads((Path(__file__).parent / "data" / "xss" / "blns.json").read_text())
GROUPS = 6
CHUNKS = [STRINGS[index::GROUPS] for index in range(GROUPS)]
TEXT_FIELDS = [
    "context", "decision_text", "consequences", "considered_options", "other_sections", "sync_reason",
    "visibility_reason", "growth_reason", "coordination_reason", "coupling_reason", "justification",
    "logic_location",
]  # fmt: skip
ATOM = "{http://www.w3.org/2005/Atom}"


def _one_line(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit] or "(blank)"


@pytest.fixture
def world(architect, reviewer, django_capture_on_commit_callbacks):
    chunks = []
    for index, chunk in enumerate(CHUNKS):
        joined = "\n\n".join(chunk)
        team = Team.objects.create(name=f"{_one_line(chunk[0], 80)} #{index}", description=joined)
        producer = Service.objects.create(name=f"{_one_line(chunk[1], 80)} #{index}", team=team, description=joined)
        consumer = Service.objects.create(name=f"{_one_line(chunk[2], 80)} #c{index}", team=team, description=joined)
        flow = Flow.objects.create(
            name=f"{_one_line(chunk[3], 150)} #{index}", producer=producer, owner_team=team, description=joined
        )
        flow.consumers.set([consumer])
        decision = AssessedDecisionFactory(
            title=f"{_one_line(chunk[4], 150)} #{index}", flow=flow, author=architect, status="proposed",
            deciders=_one_line(joined, 500), tags=f"{_one_line(chunk[5], 40)},javascript:alert(1)",
            **dict.fromkeys(TEXT_FIELDS, joined),
        )  # fmt: skip
        for text in chunk:
            Comment.objects.create(decision=decision, author=reviewer, body=text or "(blank)")
        workflow.decision_edit(
            decision=decision, by=architect, changes={"title": f"{_one_line(chunk[6], 150)} edited #{index}"}
        )
        chunks.append(decision)
    for number, text in enumerate(STRINGS):
        DecisionFactory(title=f"{_one_line(text, 180)} #{number}", status="accepted", context=text)
    draft = AssessedDecisionFactory(
        title=chunks[0].title + " (draft)", author=architect, flow=chunks[0].flow, status="draft"
    )
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail goes out on commit
        workflow.decision_propose(decision=draft, by=architect, reviewers=[reviewer])
    files = []
    for index, chunk in enumerate(CHUNKS):
        body = "\n\n".join(chunk)
        text = (
            f"# {_one_line(chunk[7], 150)}\n\n## Status\n\n{chunk[8]}\n\n## Context\n\n{body}\n\n## Hostile\n\n{body}\n"
        )
        files.append((f"{index:04d}-hostile.md", text.encode()))
    report = workflow.adrs_import(files, collection="hostile", by=architect)
    assert report.committed and report.count("imported") == GROUPS
    search.index_decisions(Decision.objects.values_list("pk", flat=True))
    contract = _hostile_contracts(architect)
    return {"decisions": chunks, "imported": list(Decision.objects.filter(source_path__startswith="hostile/")),
            "contract": contract}  # fmt: skip


def _asyncapi(chunk: list[str], index: int, consumers: int) -> list[tuple[str, bytes]]:
    """A producer's and its consumers' AsyncAPI documents, every name and text in them hostile."""
    fields = {_one_line(text, 60) + f" {n}": {"type": "string", "description": text} for n, text in enumerate(chunk)}
    message = {"name": f"{_one_line(chunk[1], 80)} m{index}", "title": f"{_one_line(chunk[2], 80)} t{index}",
               "summary": chunk[3], "x-kind": "command",
               "payload": {"type": "object", "properties": fields}}  # fmt: skip
    channel = {"address": f"{_one_line(chunk[4], 80)} #{index}", "messages": {"m": message}}

    def document(title: str, action: str) -> bytes:
        info = {"title": title, "version": chunk[5][:20] or "1", "description": "\n".join(chunk)}
        operations = {"o": {"action": action, "channel": {"$ref": "#/channels/c"}}}
        return json.dumps({"asyncapi": "3.0.0", "info": info, "channels": {"c": channel},
                           "operations": operations}).encode()  # fmt: skip

    files = [(f"producer-{index}.json", document(f"{_one_line(chunk[0], 80)} p{index}", "send"))]
    files += [(f"consumer-{index}-{n}.json", document(f"{_one_line(chunk[6 + n], 80)} c{index}", "receive"))
              for n in range(consumers)]  # fmt: skip
    return files


def _hostile_contracts(architect) -> Flow:
    """Contracts whose every name is hostile, imported, decided, then drifted: the flow the pages show."""
    for consumers in (1, 3):
        files = [file for index, chunk in enumerate(CHUNKS) for file in _asyncapi(chunk, index, consumers)]
        report = workflow.contracts_import(files, source=_one_line(STRINGS[9], 150), via="upload", by=architect)
        assert report.committed, report.refused[:1]
        if consumers == 1:
            flow = Flow.objects.exclude(message="").order_by("pk").first()
            accepted(flow=flow, style="event", growth=1, title=_one_line(STRINGS[10], 150))
    flow.refresh_from_db()
    assert flow.drifts.count() >= 2
    return flow


def _html_urls(world) -> list[str]:
    urls = [reverse("decision_list") + f"?page={page}" for page in range(1, 22)]
    urls += [reverse("decision_list") + f"?q={word}" for word in ("script", "alert", "javascript", "onerror", "img")]
    for decision in world["decisions"] + world["imported"]:
        urls += [
            reverse("decision_detail", args=[decision.number]),
            reverse("decision_history", args=[decision.number]),
        ]
    decision = world["decisions"][0]
    urls += [reverse("decision_edit", args=[decision.number]), reverse("decision_create")]
    flow = decision.flow
    urls += [
        reverse("overview"), reverse("flow_map"), reverse("flow_map") + f"?team={flow.owner_team_id}",
        reverse("flow_list"), reverse("flow_detail", args=[flow.pk]), reverse("team_list"),
        reverse("team_detail", args=[flow.owner_team_id]), reverse("service_list"),
        reverse("service_detail", args=[flow.producer_id]), reverse("revisit_queue"), reverse("activity"),
        reverse("my_work"), reverse("notification_list"), reverse("contracts"),
        world["contract"].get_absolute_url(), world["contract"].current_decision.get_absolute_url(),
        reverse("contract_import", args=[world["contract"].latest_snapshot.contract_import_id]),
    ]  # fmt: skip
    return urls


def test_no_page_runs_script_from_any_hostile_string(architect_client, world):
    for url in _html_urls(world):
        response = architect_client.get(url)
        assert response.status_code == 200, url
        assert script_risks(response.content.decode()) == [], url


def test_no_feed_entry_carries_script(architect_client, world):
    for url in (reverse("feed_accepted"), reverse("feed_search") + "?q=script"):
        response = architect_client.get(url)
        root = ET.fromstring(response.content)  # noqa: S314 # nosec B314 (our own feed)
        entries = root.findall(f"{ATOM}entry")
        assert entries, url
        for entry in entries:
            # Titles are plain text to a feed reader; the HTML parts are what it renders. The XML
            # parser has already undone the XML escaping, so `part.text` is that HTML as a reader gets it.
            for part in entry.iter():
                if part.get("type") == "html":
                    assert script_risks(part.text or "") == [], url


def test_e_mails_are_plain_text_with_one_line_subjects(world, reviewer):
    assert mail.outbox, "proposing a decision mails its reviewer"
    for message in mail.outbox:
        assert message.content_subtype == "plain" and not getattr(message, "alternatives", [])
        assert "\n" not in message.subject and "\r" not in message.subject


def test_the_api_answers_json_that_a_browser_will_not_sniff_as_html(world, architect):
    _, key = tokens.token_issue(user=architect, name="sweep")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    decision = world["decisions"][0]
    for url in (
        f"/api/decisions/{decision.number}",
        "/api/decisions?q=script",
        f"/api/decisions/{decision.number}/comments",
        "/api/flows",
        "/api/teams",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/json; charset=utf-8", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        json.loads(response.content)


def test_the_checker_sees_the_raw_strings_that_could_run():
    """The oracle has teeth: pasted into a page unescaped, many of these strings would be caught."""
    caught = [text for text in STRINGS if script_risks(text)]
    assert len(caught) >= 90
    assert all(script_risks(text) for text in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>"))


def test_the_list_is_the_recorded_one():
    assert len(STRINGS) == 485
    assert sum("<script" in text.lower() for text in STRINGS) >= 20
