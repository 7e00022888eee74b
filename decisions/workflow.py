"""The life of a decision: its status machine, reviews, comments and who may do what.

Every function here is one domain write, in one transaction, named <entity>_<verb>.
Views check nothing themselves: they ask `permissions_for` what to show and call these
functions, which refuse whatever the rules do not allow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import notifications, search
from .models import Comment, Decision, Flow, Review, ReviewRequest, Transition
from .overview import overview_forget

Status = Decision.Status

# Where each status may go next. Superseded is only reached when another accepted
# decision supersedes this one (see decision_save).
NEXT_STATUSES: dict[str, set[str]] = {
    Status.DRAFT: {Status.PROPOSED, Status.REJECTED},
    Status.PROPOSED: {Status.DRAFT, Status.ACCEPTED, Status.REJECTED},
    Status.ACCEPTED: {Status.DEPRECATED, Status.SUPERSEDED},
    Status.REJECTED: set(),
    Status.DEPRECATED: set(),
    Status.SUPERSEDED: set(),
}
EDITABLE_STATUSES = {Status.DRAFT, Status.PROPOSED}
DECIDED_STATUSES = {Status.ACCEPTED, Status.REJECTED}
TRANSITION_NOTE = "Status changed"
# What the buttons on a decision page say for each move.
ACTION_LABELS = {
    Status.PROPOSED: "Propose for review",
    Status.DRAFT: "Back to draft",
    Status.ACCEPTED: "Accept",
    Status.REJECTED: "Reject",
    Status.DEPRECATED: "Deprecate",
}


class TransitionRefused(Exception):
    """A status change the rules do not allow; the message says why in plain words."""


class NotAllowed(Exception):
    """The user's role or relation to the decision does not allow this."""


class EditConflict(Exception):
    """Someone saved the decision after this edit began; saving would overwrite their change."""

    def __init__(self, current_revision: int | None) -> None:
        super().__init__("The decision changed while you were editing it.")
        self.current_revision = current_revision


def check_status_change(old: str, new: str) -> None:
    """The model layer's guard: refuse any move that is not an edge of the status graph."""
    if old != new and new not in NEXT_STATUSES[old]:
        raise TransitionRefused(f"A decision cannot go from {old} to {new}.")


# --- who may do what ---------------------------------------------------------------------


def can_edit(user: AbstractBaseUser, decision: Decision) -> bool:
    if decision.status not in EDITABLE_STATUSES or not user.has_perm("decisions.change_decision"):
        return False
    return user.is_superuser or decision.author_id == user.pk


def can_comment(user: AbstractBaseUser) -> bool:
    return user.has_perm("decisions.add_comment")


def can_review(user: AbstractBaseUser, decision: Decision, requests: Iterable[ReviewRequest]) -> bool:
    return (
        decision.status == Status.PROPOSED
        and user.has_perm("decisions.review_decision")
        and any(r.reviewer_id == user.pk for r in requests)
    )


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


def permissions_for(user: AbstractBaseUser, decision: Decision, requests: Iterable[ReviewRequest]) -> Permissions:
    moves = allowed_moves(user, decision)
    return Permissions(
        edit=can_edit(user, decision),
        comment=can_comment(user),
        review=can_review(user, decision, requests),
        propose=Status.PROPOSED in moves,
        moves=[
            (status, "Withdraw" if decision.status == Status.DRAFT else ACTION_LABELS[status])
            for status in moves
            if status != Status.PROPOSED
        ],
    )


def reviewer_candidates(decision: Decision):
    """People who may review: everyone with the review permission except the author."""
    perm = Q(groups__permissions__codename="review_decision") | Q(user_permissions__codename="review_decision")
    return User.objects.filter(perm, is_active=True).exclude(pk=decision.author_id).distinct().order_by("username")


# --- the review rule ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewState:
    approved: list[ReviewRequest]
    changes_requested: list[ReviewRequest]
    waiting: list[ReviewRequest]
    min_approvals: int

    @property
    def rule_holds(self) -> bool:
        return len(self.approved) >= self.min_approvals and not self.changes_requested

    @property
    def why_not(self) -> str:
        if self.changes_requested:
            names = ", ".join(r.reviewer.get_username() for r in self.changes_requested)
            return f"Changes are requested by {names}: they must review again first."
        missing = self.min_approvals - len(self.approved)
        return f"It needs {missing} more approval{'s' if missing != 1 else ''} from its reviewers."


def review_state(requests: Iterable[ReviewRequest]) -> ReviewState:
    requests = list(requests)
    return ReviewState(
        approved=[r for r in requests if r.state == ReviewRequest.State.APPROVED],
        changes_requested=[r for r in requests if r.state == ReviewRequest.State.CHANGES_REQUESTED],
        waiting=[r for r in requests if r.state == ReviewRequest.State.WAITING],
        min_approvals=settings.DECISION_REVIEW_MIN_APPROVALS,
    )


# --- writes -------------------------------------------------------------------------------


def decision_save(*, decision: Decision, by: AbstractBaseUser | None, note: str = "") -> Decision:
    """Save a decision as one revision by `by`, and apply what its status implies.

    Deciding a decision stamps its date. Accepting one that supersedes another marks
    the older decision superseded, which is a revision of its own.
    """
    with transaction.atomic():
        if decision.pk is None and decision.author_id is None and by is not None:
            decision.author = by
        if decision.status in DECIDED_STATUSES and decision.decided_on is None:
            decision.decided_on = timezone.localdate()
        decision._history_user = by
        decision._change_reason = note
        decision.save()
        older = decision.supersedes
        if decision.status == Status.ACCEPTED and older and older.status == Status.ACCEPTED:
            older.status = Status.SUPERSEDED
            older._history_user = by
            older._change_reason = f"Superseded by {decision.code}"
            older.save()
            Transition.objects.create(
                decision=older, from_status=Status.ACCEPTED, to_status=Status.SUPERSEDED, by=by,
                note=f"Superseded by {decision.code}",
            )  # fmt: skip
        if decision.flow_id:
            flow_refresh_current(decision.flow_id)
        search.index_decisions([decision.pk])
        transaction.on_commit(overview_forget)
    return decision


def flow_refresh_current(flow_id: int) -> None:
    """Point a flow at its latest accepted decision (or none), and take its style."""
    latest = (
        Decision.objects.filter(flow_id=flow_id, status=Status.ACCEPTED)
        .order_by(F("decided_on").desc(nulls_last=True), "-number")
        .only("pk", "style")
        .first()
    )
    Flow.objects.filter(pk=flow_id).update(current_decision=latest, current_style=latest.style if latest else "")


def decision_edit(
    *, decision: Decision, by: AbstractBaseUser, changed: Iterable[str], based_on: int | None = None
) -> Decision:
    """Save an author's edit made from revision `based_on`, unless someone saved a newer one since.

    Editing a proposal makes its approvals stale: the reviewers are asked again.
    """
    if not can_edit(by, decision):
        raise NotAllowed("Only the author may edit a draft or a proposal.")
    changed = list(changed)
    with transaction.atomic():
        Decision.objects.select_for_update().filter(pk=decision.pk).exists()  # one edit at a time
        current = decision.latest_revision_id()
        if based_on is not None and current != based_on:
            raise EditConflict(current)
        decision_save(decision=decision, by=by)
        if decision.status == Status.PROPOSED and changed:
            approved = decision.review_requests.filter(state=ReviewRequest.State.APPROVED)
            stale = list(approved.select_related("reviewer"))
            if stale:
                decision.reviews.filter(verdict=Review.Verdict.APPROVE, stale=False).update(stale=True)
                for request in stale:
                    request.state = ReviewRequest.State.WAITING
                    request.round += 1
                    request.save(update_fields=["state", "round", "updated_at"])
                notifications.notify(
                    recipients=[r.reviewer for r in stale],
                    actor=by,
                    decision=decision,
                    event=f"review-again:{decision.pk}:{decision.history.latest().history_id}",
                    text=f"{decision.code} changed after your approval: please review it again",
                )
    return decision


def decision_propose(*, decision: Decision, by: AbstractBaseUser, reviewers: Iterable[User], note: str = "") -> None:
    """Send a draft for review to the reviewers the author picked."""
    reviewers = [r for r in reviewers if r.pk != decision.author_id]
    if not reviewers:
        raise TransitionRefused("Pick at least one reviewer other than the author.")
    with transaction.atomic():
        transition = decision_transition(decision=decision, to=Status.PROPOSED, by=by, note=note)
        for reviewer in reviewers:
            request, created = ReviewRequest.objects.get_or_create(
                decision=decision, reviewer=reviewer, defaults={"requested_by": by}
            )
            if not created:
                request.state, request.round = ReviewRequest.State.WAITING, request.round + 1
                request.save(update_fields=["state", "round", "updated_at"])
        notifications.notify(
            recipients=reviewers,
            actor=by,
            decision=decision,
            event=f"transition:{transition.pk}",
            text=f"{by.get_username()} asks you to review {decision.code}: {decision.title}",
        )


def decision_transition(*, decision: Decision, to: str, by: AbstractBaseUser, note: str = "") -> Transition:
    """Move a decision to another status, if the rules and the user's role allow it."""
    caller_copy = decision
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if to not in NEXT_STATUSES[decision.status] or to == Status.SUPERSEDED:
            raise TransitionRefused(
                f"A {decision.get_status_display().lower()} decision cannot become {Status(to).label.lower()}."
            )
        if to not in allowed_moves(by, decision):
            raise NotAllowed("Your role does not allow this change of status.")
        if to == Status.ACCEPTED:
            state = review_state(decision.review_requests.select_related("reviewer"))
            if not state.rule_holds:
                raise TransitionRefused(f"{decision.code} cannot be accepted yet. {state.why_not}")
        if to == Status.REJECTED and not note.strip():
            raise TransitionRefused("Say why in the note: a rejected decision keeps its reason.")
        old = decision.status
        decision.status = to
        if to in DECIDED_STATUSES:
            decision.decided_on = timezone.localdate()
        if to == Status.ACCEPTED and decision.flow_id:
            decision.consumers_when_decided = decision.flow.consumers.count()
        decision_save(decision=decision, by=by, note=f"{TRANSITION_NOTE}: {old} → {to}")
        transition = Transition.objects.create(decision=decision, from_status=old, to_status=to, by=by, note=note)
        if decision.author_id and to != Status.PROPOSED:
            notifications.notify(
                recipients=[decision.author],
                actor=by,
                decision=decision,
                event=f"transition:{transition.pk}",
                text=f"{by.get_username()} moved {decision.code} to {decision.get_status_display().lower()}",
            )
    caller_copy.refresh_from_db()
    return transition


def review_submit(*, decision: Decision, by: AbstractBaseUser, verdict: str, body: str) -> Review:
    """A requested reviewer approves or requests changes, with a comment."""
    with transaction.atomic():
        # Lock the decision so a review and an acceptance never interleave.
        status = Decision.objects.select_for_update().values_list("status", flat=True).get(pk=decision.pk)
        request = (
            ReviewRequest.objects.filter(decision=decision, reviewer=by).first() if status == Status.PROPOSED else None
        )
        if request is None or not by.has_perm("decisions.review_decision"):
            raise NotAllowed("Only a requested reviewer may review a proposal.")
        if verdict == Review.Verdict.REQUEST_CHANGES and not body.strip():
            raise TransitionRefused("Say which changes you need.")
        review = Review.objects.create(decision=decision, reviewer=by, verdict=verdict, body=body)
        request.state = verdict
        request.save(update_fields=["state", "updated_at"])
        if decision.author_id:
            notifications.notify(
                recipients=[decision.author],
                actor=by,
                decision=decision,
                event=f"review:{review.pk}",
                text=f"{by.get_username()} reviewed {decision.code}: {review.get_verdict_display().lower()}",
            )
        transaction.on_commit(overview_forget)
    return review


def comment_post(*, decision: Decision, by: AbstractBaseUser, body: str, parent: Comment | None = None) -> Comment:
    if not can_comment(by):
        raise NotAllowed("Your role does not allow comments.")
    if parent is not None:
        if parent.decision_id != decision.pk:
            raise NotAllowed("That comment belongs to another decision.")
        parent = parent.parent or parent  # replies stay one level deep
    with transaction.atomic():
        comment = Comment(decision=decision, author=by, parent=parent, body=body)
        comment._history_user = by
        comment.save()
        search.index_decisions([decision.pk])
        recipients = {decision.author} if decision.author_id else set()
        if parent is not None:
            recipients.add(parent.author)
        notifications.notify(
            recipients=[r for r in recipients if r is not None],
            actor=by,
            decision=decision,
            event=f"comment:{comment.pk}",
            text=f"{by.get_username()} commented on {decision.code}",
        )
    return comment


def comment_edit(*, comment: Comment, by: AbstractBaseUser, body: str) -> Comment:
    """Change a comment's text. The old text stays in the comment's history."""
    if comment.author_id != by.pk or comment.retracted_at:
        raise NotAllowed("Only its author may edit a comment, and not once it is retracted.")
    if body != comment.body:
        comment.body = body
        comment.edited_at = timezone.now()
        comment._history_user = by
        comment.save()
        search.index_decisions([comment.decision_id])
    return comment


def comment_retract(*, comment: Comment, by: AbstractBaseUser) -> Comment:
    """Withdraw a comment. Its text is kept, but shown as retracted."""
    if comment.author_id != by.pk:
        raise NotAllowed("Only its author may retract a comment.")
    if not comment.retracted_at:
        comment.retracted_at = timezone.now()
        comment._history_user = by
        comment.save()
        search.index_decisions([comment.decision_id])
    return comment
