"""Who may do what, once, for pages, the API and templates alike.

`decision_for(user, number, to=...)` and `comment_for(user, pk, to=...)` fetch an object
for a request and refuse, with the one message for each rule, what the user may not do.
The workflow asks the same `can_*` questions again on the row it locked, so a page that
was allowed when it loaded cannot write what the rules no longer allow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from .models import Comment, Decision, ReviewRequest
from .status import EDITABLE_STATUSES, NEXT_STATUSES, Status, move_label


class NotAllowed(PermissionDenied):
    """The user's role or relation to the object does not allow this; pages answer 403."""


MESSAGES = {
    "file": "Your role does not allow filing decisions.",
    "edit": "Only the author may edit a draft or a proposal.",
    "propose": "Only the author may propose a draft.",
    "move": "Your role does not allow this change of status.",
    "review": "Only a requested reviewer may review a proposal.",
    "comment": "Your role does not allow comments.",
    "change_comment": "Only its author may change a comment, and not once it is retracted.",
    "retract_comment": "Only its author may retract a comment.",
    "acknowledge": "Only architects may acknowledge a drift.",
    "contracts": "Only architects may import contracts.",
}


def can_file(user: AbstractBaseUser) -> bool:
    return user.has_perm("decisions.add_decision")


def can_edit(user: AbstractBaseUser, decision: Decision) -> bool:
    if decision.status not in EDITABLE_STATUSES or not user.has_perm("decisions.change_decision"):
        return False
    return user.is_superuser or decision.author_id == user.pk


def can_propose(user: AbstractBaseUser, decision: Decision) -> bool:
    return decision.status == Status.DRAFT and can_edit(user, decision)


def can_import_contracts(user: AbstractBaseUser) -> bool:
    return user.has_perm("decisions.add_flow") and user.has_perm("decisions.add_service")


def can_acknowledge_drift(user: AbstractBaseUser) -> bool:
    return user.has_perm("decisions.decide_decision")


def can_comment(user: AbstractBaseUser) -> bool:
    return user.has_perm("decisions.add_comment")


def can_review(user: AbstractBaseUser, decision: Decision, requests: Iterable[ReviewRequest]) -> bool:
    return (
        decision.status == Status.PROPOSED
        and user.has_perm("decisions.review_decision")
        and any(r.reviewer_id == user.pk for r in requests)
    )


def can_change_comment(user: AbstractBaseUser, comment: Comment) -> bool:
    return comment.author_id == user.pk and comment.retracted_at is None


def can_retract_comment(user: AbstractBaseUser, comment: Comment) -> bool:
    return comment.author_id == user.pk


def allowed_moves(user: AbstractBaseUser, decision: Decision) -> list[str]:
    """The statuses this user may move the decision to now (the review rule is checked on the move)."""
    moves = []
    for status in sorted(NEXT_STATUSES[decision.status] - {Status.SUPERSEDED}):
        if status in (Status.PROPOSED, Status.DRAFT) or (status == Status.REJECTED and decision.status == Status.DRAFT):
            allowed = can_edit(user, decision)
        else:
            allowed = user.has_perm("decisions.decide_decision")
        if allowed:
            moves.append(status)
    return moves


@dataclass(frozen=True)
class Permissions:
    edit: bool
    comment: bool
    review: bool
    propose: bool
    # (status, button label) for every other move the user may make now.
    moves: list[tuple[str, str]]
    supersede: bool = False  # start a new decision that replaces this accepted one


def permissions_for(user: AbstractBaseUser, decision: Decision, requests: Iterable[ReviewRequest]) -> Permissions:
    moves = allowed_moves(user, decision)
    return Permissions(
        edit=can_edit(user, decision),
        comment=can_comment(user),
        review=can_review(user, decision, requests),
        propose=Status.PROPOSED in moves,
        moves=[(status, move_label(decision.status, status)) for status in moves if status != Status.PROPOSED],
        supersede=decision.status == Status.ACCEPTED and user.has_perm("decisions.add_decision"),
    )


def reviewer_candidates(decision: Decision):
    """People who may review: everyone with the review permission except the author."""
    perm = Q(groups__permissions__codename="review_decision") | Q(user_permissions__codename="review_decision")
    return User.objects.filter(perm, is_active=True).exclude(pk=decision.author_id).distinct().order_by("username")


def refuse(rule: str) -> NotAllowed:
    return NotAllowed(MESSAGES[rule])


def decision_for(user: AbstractBaseUser, number: int, to: str = "view") -> Decision:
    """The decision with this number, if `user` may do `to` with it: view, edit, propose, move
    (any change of status), review or comment. 404 when there is none, 403 when not allowed."""
    queryset = Decision.objects.select_related("flow__producer", "flow__owner_team", "author", "supersedes")
    decision = get_object_or_404(queryset, number=number)
    allowed = {
        "view": lambda: True,
        "edit": lambda: can_edit(user, decision),
        "propose": lambda: can_propose(user, decision),
        "move": lambda: bool(allowed_moves(user, decision)),
        "review": lambda: can_review(user, decision, decision.review_requests.all()),
        "comment": lambda: can_comment(user),
    }[to]
    if not allowed():
        raise refuse(to)
    return decision


def comment_for(user: AbstractBaseUser, pk: int, to: str, *, number: int | None = None) -> Comment:
    """A comment (on decision `number`, when given) that `user` may change or retract."""
    where = {"pk": pk} | ({"decision__number": number} if number is not None else {})
    comment = get_object_or_404(Comment.objects.select_related("decision", "author"), **where)
    rules = {"change_comment": can_change_comment, "retract_comment": can_retract_comment}
    if not rules[to](user, comment):
        raise refuse(to)
    return comment
