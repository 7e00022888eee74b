"""One timeline of what happened to decisions: creation, edits, comments, reviews, status changes, drift."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from heapq import merge

from .models import Comment, Decision, Drift, Review, Transition, decision_code, person_name
from .revisions import changed_labels
from .status import SUPERSEDED_NOTE, TRANSITION_NOTE


@dataclass(frozen=True)
class Entry:
    at: datetime.datetime
    kind: str  # created, edited, status, import, comment, review, drift
    actor: str
    number: int
    code: str
    title: str
    summary: str
    anchor: str = ""


def _name(user) -> str:
    return person_name(user) or "someone"


def _revision_entries(records: list, decision: Decision | None = None) -> list[Entry]:
    entries = []
    previous = {}
    for record in records:
        prior = previous.get(record.id)
        previous[record.id] = record
        # Status changes are told by their transition; supersession too.
        if record.history_type == "~" and (record.history_change_reason or "").startswith(
            (TRANSITION_NOTE, SUPERSEDED_NOTE)
        ):
            continue
        if record.history_type == "+":
            kind, summary = "created", "filed the decision"
        else:
            fields = changed_labels(prior, record) if prior is not None else []
            kind, summary = "edited", f"edited {', '.join(fields).lower()}" if fields else "saved without changes"
        entries.append(
            Entry(
                record.history_date,
                kind,
                _name(record.history_user),
                record.number,
                decision_code(record.number),
                record.title,
                summary,
                "",
            )  # fmt: skip
        )
    return entries


def _comment_entry(comment: Comment) -> Entry:
    verb = "replied" if comment.parent_id else "commented"
    if comment.retracted_at:
        verb += " (since retracted)"
    d = comment.decision
    return Entry(comment.created_at, "comment", _name(comment.author), d.number, d.code, d.title, verb,
                 f"comment-{comment.pk}")  # fmt: skip


def _review_entry(review: Review) -> Entry:
    verdict = "approved" if review.verdict == Review.Verdict.APPROVE else "requested changes"
    if review.stale:
        verdict += " (stale after later edits)"
    d = review.decision
    return Entry(review.created_at, "review", _name(review.reviewer), d.number, d.code, d.title, verdict,
                 f"review-{review.pk}")  # fmt: skip


def _transition_entry(transition: Transition) -> Entry:
    d = transition.decision
    moved = f"from {transition.get_from_status_display().lower()} to {transition.get_to_status_display().lower()}"
    if transition.imported_from:
        summary = f"imported {transition.imported_from}, which moved it {moved}"
        return Entry(transition.at, "import", _name(transition.by), d.number, d.code, d.title, summary)
    summary = f"moved it {moved}"
    if transition.note:
        summary += f": “{transition.note[:200]}”"
    return Entry(transition.at, "status", _name(transition.by), d.number, d.code, d.title, summary)


def _drift_entries(item: Drift) -> list[Entry]:
    d = item.decision
    entries = [Entry(item.found_at, "drift", "The contracts", d.number, d.code, d.title,
                     f"drifted: {item.title.lower()} ({item.evidence})", f"drift-{item.pk}")]  # fmt: skip
    if item.acknowledged_at:
        said = f"acknowledged the drift ({item.title.lower()}): “{item.note[:200]}”"
        entries.append(Entry(item.acknowledged_at, "drift", _name(item.acknowledged_by), d.number, d.code, d.title,
                             said, f"drift-{item.pk}"))  # fmt: skip
    return entries


def decision_timeline(*, decision: Decision, history: list, comments: list[Comment], reviews: list[Review],
                      transitions: list[Transition], drifts: list[Drift] = ()) -> list[Entry]:  # fmt: skip
    """Everything that happened to one decision, oldest first, from rows the caller already loaded."""
    for item in (*comments, *reviews, *transitions, *drifts):
        item.decision = decision  # already known: spare a query per row
    streams = [
        _revision_entries(sorted(history, key=lambda r: (r.history_date, r.history_id))),
        [_comment_entry(c) for c in comments],
        [_review_entry(r) for r in reviews],
        [_transition_entry(t) for t in transitions],
        [entry for item in drifts for entry in _drift_entries(item)],
    ]
    return list(merge(*[sorted(s, key=lambda e: e.at) for s in streams], key=lambda e: e.at))


def recent_activity(limit: int = 50) -> list[Entry]:
    """The latest events across all decisions, newest first, in a fixed number of queries."""
    on_decision = ("decision__number", "decision__title")
    history = (
        Decision.history.select_related("history_user")
        .only(
            "id",
            "history_id",
            "history_date",
            "history_type",
            "history_change_reason",
            "number",
            "title",
            "history_user__username",
            "history_user__first_name",
            "history_user__last_name",
        )  # fmt: skip
        .order_by("-history_date")[:limit]
    )
    comments = (
        Comment.objects.select_related("author", "decision")
        .only(
            "created_at",
            "parent_id",
            "retracted_at",
            "author__username",
            "author__first_name",
            "author__last_name",
            *on_decision,
        )
        .order_by("-created_at")[:limit]
    )
    reviews = (
        Review.objects.select_related("reviewer", "decision")
        .only(
            "created_at",
            "verdict",
            "stale",
            "reviewer__username",
            "reviewer__first_name",
            "reviewer__last_name",
            *on_decision,
        )
        .order_by("-created_at")[:limit]
    )
    transitions = (
        Transition.objects.select_related("by", "decision")
        .only(
            "at",
            "from_status",
            "to_status",
            "note",
            "imported_from",
            "by__username",
            "by__first_name",
            "by__last_name",
            *on_decision,
        )
        .order_by("-at")[:limit]
    )
    entries = [
        Entry(r.history_date, "created" if r.history_type == "+" else "edited", _name(r.history_user), r.number,
              decision_code(r.number), r.title,
              "filed the decision" if r.history_type == "+" else "edited the decision")
        for r in history
        if not (r.history_change_reason or "").startswith((TRANSITION_NOTE, SUPERSEDED_NOTE))
    ]  # fmt: skip
    entries += [_comment_entry(c) for c in comments]
    entries += [_review_entry(r) for r in reviews]
    entries += [_transition_entry(t) for t in transitions]
    return sorted(entries, key=lambda e: e.at, reverse=True)[:limit]
