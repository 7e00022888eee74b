"""Every role against every mutating URL: allowed, or 403 with nothing changed."""

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from decisions import roles
from decisions.models import Comment, Decision, Flow, Notification, Review, ReviewRequest, Service, Team, Transition
from tests.factories import (
    AssessedDecisionFactory,
    CommentFactory,
    FlowFactory,
    NotificationFactory,
    ReviewRequestFactory,
    UserFactory,
)
from tests.test_sso import sign_in_through_the_provider

pytestmark = pytest.mark.django_db

ROLES = {
    "author": roles.ARCHITECTS,  # the architect who wrote the decisions
    "architect": roles.ARCHITECTS,  # another architect
    "reviewer": roles.REVIEWERS,  # the requested reviewer, who wrote the comment
    "manager": roles.VIEWERS,
}


@dataclass
class World:
    users: dict
    draft: Decision
    proposal: Decision
    comment: Comment
    flow: Flow


@pytest.fixture(params=["local", "provider"])
def world(request, settings) -> World:
    """The same people with local accounts, and as they come through single sign-on."""
    if request.param == "local":
        users = {name: UserFactory(username=name, role=role) for name, role in ROLES.items()}
    else:
        settings.SSO_ISSUER = "https://login.example.org"
        settings.SSO_ROLE_GROUPS = {role: [f"idp-{role.lower()}"] for role in set(ROLES.values())}
        users = {name: sign_in_through_the_provider({"sub": f"sub-{name}", "preferred_username": name,
                                                     "email": f"{name}@example.org",
                                                     "groups": [f"idp-{role.lower()}"]})
                 for name, role in ROLES.items()}  # fmt: skip
    flow = FlowFactory()
    draft = AssessedDecisionFactory(flow=flow, status="draft", author=users["author"], title="The draft")
    proposal = AssessedDecisionFactory(flow=flow, status="proposed", author=users["author"], title="The proposal")
    ReviewRequestFactory(decision=proposal, reviewer=users["reviewer"], state="changes_requested")
    comment = CommentFactory(decision=proposal, author=users["reviewer"], body="Original comment")
    NotificationFactory(recipient=users["reviewer"], decision=proposal)
    return World(users, draft, proposal, comment, flow)


def _decision_answers(w: World) -> dict:
    return {
        "title": "Changed title", "flow": w.flow.pk, "caller_needs_result": "true", "sync_reason": "Waits.",
        "style": "sync",
    }  # fmt: skip


# (name, url, data, who may) for every URL that changes something.
ACTIONS = {
    "create decision": (lambda w: reverse("decision_create"), _decision_answers, {"author", "architect"}),
    "edit draft": (lambda w: reverse("decision_edit", args=[w.draft.number]), _decision_answers, {"author"}),
    "edit proposal": (lambda w: reverse("decision_edit", args=[w.proposal.number]), _decision_answers, {"author"}),
    "assess": (lambda w: reverse("decision_assess"), _decision_answers, {"author", "architect"}),
    "propose draft": (
        lambda w: reverse("decision_propose", args=[w.draft.number]),
        lambda w: {"reviewers": [w.users["reviewer"].pk]},
        {"author"},
    ),
    "withdraw draft": (
        lambda w: reverse("decision_transition", args=[w.draft.number]),
        lambda w: {"to": "rejected", "note": "Mistake"},
        {"author"},
    ),
    "reject proposal": (
        lambda w: reverse("decision_transition", args=[w.proposal.number]),
        lambda w: {"to": "rejected", "note": "Not now"},
        {"author", "architect"},
    ),
    "ask a reviewer again": (
        lambda w: reverse("review_ask_again", args=[w.proposal.number]),
        lambda w: {"request": w.proposal.review_requests.get().pk},
        {"author"},
    ),
    "review proposal": (
        lambda w: reverse("decision_review", args=[w.proposal.number]),
        lambda w: {"verdict": "approved", "body": "Fine"},
        {"reviewer"},
    ),
    "comment": (
        lambda w: reverse("comment_create", args=[w.proposal.number]),
        lambda w: {"body": "A new comment"},
        {"author", "architect", "reviewer"},
    ),
    "reply": (
        lambda w: reverse("comment_create", args=[w.proposal.number]),
        lambda w: {"body": "A reply", "parent": w.comment.pk},
        {"author", "architect", "reviewer"},
    ),
    "edit comment": (
        lambda w: reverse("comment_edit", args=[w.comment.pk]),
        lambda w: {"body": "Edited"},
        {"reviewer"},
    ),
    "retract comment": (lambda w: reverse("comment_retract", args=[w.comment.pk]), lambda w: {}, {"reviewer"}),
    "create team": (lambda w: reverse("team_create"), lambda w: {"name": "New team"}, {"author", "architect"}),
    "edit team": (
        lambda w: reverse("team_edit", args=[w.flow.owner_team.pk]),
        lambda w: {"name": "Renamed team"},
        {"author", "architect"},
    ),
    "create service": (
        lambda w: reverse("service_create"),
        lambda w: {"name": "new-svc", "team": w.flow.owner_team.pk},
        {"author", "architect"},
    ),
    "edit service": (
        lambda w: reverse("service_edit", args=[w.flow.producer.pk]),
        lambda w: {"name": "renamed-svc", "team": w.flow.owner_team.pk},
        {"author", "architect"},
    ),
    "create flow": (
        lambda w: reverse("flow_create"),
        lambda w: {
            "name": "New flow",
            "producer": w.flow.producer.pk,
            "consumers": [w.flow.consumers.get().pk],
            "owner_team": w.flow.owner_team.pk,
        },  # fmt: skip
        {"author", "architect"},
    ),
    "edit flow": (
        lambda w: reverse("flow_edit", args=[w.flow.pk]),
        lambda w: {
            "name": "Renamed flow",
            "producer": w.flow.producer.pk,
            "consumers": [w.flow.consumers.get().pk],
            "owner_team": w.flow.owner_team.pk,
        },  # fmt: skip
        {"author", "architect"},
    ),
    "import ADR files": (
        lambda w: reverse("adr_import"),
        lambda w: {"files": SimpleUploadedFile("0042-imported.md", b"# 42. Imported\n")},
        {"author", "architect"},
    ),
}


def snapshot() -> tuple:
    """Everything a mutating request could change."""
    return (
        list(Decision.objects.order_by("pk").values_list("title", "status", "flow_id")),
        Decision.history.count(),
        list(Comment.objects.order_by("pk").values_list("body", "edited_at", "retracted_at")),
        list(ReviewRequest.objects.order_by("pk").values_list("state", "round")),
        Review.objects.count(),
        Transition.objects.count(),
        list(Team.objects.order_by("pk").values_list("name", flat=True)),
        list(Service.objects.order_by("pk").values_list("name", flat=True)),
        list(Flow.objects.order_by("pk").values_list("name", flat=True)),
        Notification.objects.count(),
    )


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_role_against_mutating_url(world, role, action):
    url, data, allowed = ACTIONS[action]
    client = Client()
    client.force_login(world.users[role])
    before = snapshot()
    response = client.post(url(world), data(world))
    if role in allowed:
        assert response.status_code in (200, 302), response.content.decode()[:500]
        if action != "assess":
            assert snapshot() != before, f"{role} was allowed to {action}, but nothing changed"
    else:
        assert response.status_code == 403
        assert "You can't do that here" in response.content.decode()
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_htmx_requests_are_held_to_the_same_rules(world, role):
    client = Client()
    client.force_login(world.users[role])
    before = snapshot()
    response = client.post(reverse("comment_retract", args=[world.comment.pk]), headers={"HX-Request": "true"})
    assert response.status_code == (200 if role == "reviewer" else 403)
    if role != "reviewer":
        assert snapshot() == before


def test_a_forged_transition_is_refused_in_plain_words(world):
    client = Client()
    client.force_login(world.users["author"])
    response = client.post(reverse("decision_transition", args=[world.draft.number]), {"to": "accepted"})
    assert response.status_code == 200
    assert "Nothing changed: A draft decision cannot become accepted." in response.content.decode()
    response = client.post(reverse("decision_transition", args=[world.draft.number]), {"to": "nonsense"})
    assert response.status_code == 302
    world.draft.refresh_from_db()
    assert world.draft.status == "draft"


def test_nobody_can_open_someone_elses_notification(world):
    client = Client()
    client.force_login(world.users["manager"])
    notification = Notification.objects.get()
    assert client.post(reverse("notification_open", args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_signed_out_visitors_change_nothing(world, client):
    before = snapshot()
    for action, (url, data, _) in ACTIONS.items():
        response = client.post(url(world), data(world))
        assert response.status_code == 302 and response.url.startswith(reverse("login")), action
    assert snapshot() == before
