"""Who may do what: every rule of decisions.access once, in a table."""

import pytest

from decisions import access, roles
from decisions.models import Comment, ReviewRequest
from tests.factories import DecisionFactory, UserFactory

pytestmark = pytest.mark.django_db

# (who, decision status) → (edit, propose, comment, statuses they may move it to)
TABLE = [
    ("author", "draft", True, True, True, ["proposed", "rejected"]),
    ("author", "proposed", True, False, True, ["accepted", "draft", "rejected"]),
    ("author", "accepted", False, False, True, ["deprecated"]),
    ("author", "rejected", False, False, True, []),
    ("architect", "draft", False, False, True, []),
    ("architect", "proposed", False, False, True, ["accepted", "rejected"]),
    ("architect", "accepted", False, False, True, ["deprecated"]),
    ("reviewer", "proposed", False, False, True, []),
    ("viewer", "draft", False, False, False, []),
    ("viewer", "proposed", False, False, False, []),
    ("superuser", "draft", True, True, True, ["proposed", "rejected"]),
]


@pytest.fixture
def people():
    return {
        "author": UserFactory(role=roles.ARCHITECTS),
        "architect": UserFactory(role=roles.ARCHITECTS),
        "reviewer": UserFactory(role=roles.REVIEWERS),
        "viewer": UserFactory(role=roles.VIEWERS),
        "superuser": UserFactory(is_superuser=True),
    }


@pytest.mark.parametrize(("who", "status", "edit", "propose", "comment", "moves"), TABLE)
def test_the_rules(people, who, status, edit, propose, comment, moves):
    decision = DecisionFactory(status=status, author=people["author"])
    user = people[who]
    assert access.can_edit(user, decision) is edit
    assert access.can_propose(user, decision) is propose
    assert access.can_comment(user) is comment
    assert access.allowed_moves(user, decision) == moves
    can = access.permissions_for(user, decision, [])
    assert (can.edit, can.propose, can.comment) == (edit, propose, comment)


@pytest.mark.parametrize(("to", "who", "allowed"), [
    ("view", "viewer", True), ("edit", "author", True), ("edit", "architect", False), ("propose", "author", True),
    ("propose", "viewer", False), ("move", "viewer", False), ("move", "author", True), ("comment", "viewer", False),
    ("review", "reviewer", True), ("review", "architect", False),
])  # fmt: skip
def test_decision_for_fetches_and_checks_with_the_rules_own_message(people, to, who, allowed):
    decision = DecisionFactory(status="proposed" if to == "review" else "draft", author=people["author"])
    ReviewRequest.objects.create(decision=decision, reviewer=people["reviewer"])
    if allowed:
        assert access.decision_for(people[who], decision.number, to=to) == decision
    else:
        with pytest.raises(access.NotAllowed, match=access.MESSAGES[to]):
            access.decision_for(people[who], decision.number, to=to)


def test_only_its_author_changes_a_comment_and_not_once_retracted(people):
    comment = Comment(decision=DecisionFactory(), author=people["reviewer"], body="x")
    assert access.can_change_comment(people["reviewer"], comment)
    assert not access.can_change_comment(people["architect"], comment)
    comment.retracted_at = comment.decision.created_at
    assert not access.can_change_comment(people["reviewer"], comment)
    assert access.can_retract_comment(people["reviewer"], comment)
