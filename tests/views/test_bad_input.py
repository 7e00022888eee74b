"""Hostile or broken input on every form and filter: never a 500, never half a change."""

import pytest
from django.test import Client
from django.urls import reverse

from decisions import roles, workflow
from decisions.models import Comment, Decision, Flow, Service, Team
from tests.factories import AssessedDecisionFactory, FlowFactory, UserFactory

pytestmark = pytest.mark.django_db

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
        ("reviewer", reverse("comment_create", args=[w["proposal"].number]), ["body", "parent"]),
        ("reviewer", reverse("comment_edit", args=[w["comment"].pk]), ["body"]),
        ("author", reverse("team_create"), ["name", "description"]),
        ("author", reverse("service_create"), ["name", "team", "description"]),
        ("author", reverse("flow_create"), ["name", "producer", "consumers", "owner_team", "description"]),
        ("author", reverse("flow_edit", args=[w["flow"].pk]), ["name", "producer", "consumers", "owner_team"]),
    ]


def _state():
    return (
        list(Decision.objects.order_by("pk").values_list("title", "status", "context")),
        Decision.history.count(),
        list(Comment.objects.values_list("body", "retracted_at")),
        Team.objects.count(), Service.objects.count(), list(Flow.objects.values_list("name", flat=True)),
    )  # fmt: skip


@pytest.mark.parametrize("bad", BAD_VALUES, ids=["nul", "2MB", "huge-number", "negative", "letters", "sql",
                                                  "script", "encoded"])  # fmt: skip
def test_every_form_survives_bad_values_and_stores_nothing_half_done(world, bad):
    for who, url, fields in _forms(world):
        client = Client()
        client.force_login(world[who])
        before = _state()
        response = client.post(url, dict.fromkeys(fields, bad))
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code == 200 and url != reverse("decision_assess"):
            assert _state() == before, url


@pytest.mark.parametrize("bad", BAD_VALUES)
def test_every_filter_and_page_survives_bad_values(world, bad):
    client = Client()
    client.force_login(world["reviewer"])
    names = ["q", "style", "status", "team", "service", "flow", "tag", "filed_from", "filed_to", "against",
             "visibility", "growth", "coordination", "coupling", "sort", "page"]  # fmt: skip
    for url in (reverse("decision_list"), reverse("feed_search")):
        assert client.get(url, dict.fromkeys(names, bad)).status_code == 200, url
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
