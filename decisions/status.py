"""The life of a decision as a graph of statuses. Plain Python, no Django.

People move decisions along NEXT_STATUSES (through decisions.workflow, which also checks
roles and the review rule). An import records what a file says, so it may also record a
decision that was decided outside the app: IMPORT_MOVES. No door moves a decision along
any other edge: the model checks every save with `check_status_change`, and the
workflow checks each door's narrower rule (`check_person_move`, `check_import_move`).
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DEPRECATED = "deprecated"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class TransitionRefused(Exception):
    """A status change the rules do not allow; the message says why in plain words."""


# Where each status may go next. Superseded is only reached when another accepted
# decision supersedes this one.
NEXT_STATUSES: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.PROPOSED, Status.REJECTED}),
    Status.PROPOSED: frozenset({Status.DRAFT, Status.ACCEPTED, Status.REJECTED}),
    Status.ACCEPTED: frozenset({Status.DEPRECATED, Status.SUPERSEDED}),
    Status.REJECTED: frozenset(),
    Status.DEPRECATED: frozenset(),
    Status.SUPERSEDED: frozenset(),
}
# What a re-import may record on top of that: a team decided in its own repository.
# Decided decisions never go back to draft or proposed, and final ones never move.
IMPORT_MOVES: dict[str, frozenset[str]] = {
    **NEXT_STATUSES,
    Status.DRAFT: NEXT_STATUSES[Status.DRAFT] | {Status.ACCEPTED},
}
EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.PROPOSED})
DECIDED_STATUSES = frozenset({Status.ACCEPTED, Status.REJECTED})
# Decisions that were accepted at some point: still accepted, or later superseded or deprecated.
WERE_ACCEPTED = frozenset({Status.ACCEPTED, Status.SUPERSEDED, Status.DEPRECATED})

# The history's change reason for a status change; the timeline tells those by their transition.
TRANSITION_NOTE = "Status changed"
IMPORT_NOTE = "Status set by import from"
SUPERSEDED_NOTE = "Superseded by"

# What the buttons on a decision page say for each move.
ACTION_LABELS = {
    Status.PROPOSED: "Propose for review",
    Status.DRAFT: "Back to draft",
    Status.ACCEPTED: "Accept",
    Status.REJECTED: "Reject",
    Status.DEPRECATED: "Deprecate",
}


def label(status: str) -> str:
    return Status(status).label.lower()


def check_status_change(old: str, new: str) -> None:
    """The model's guard on every save: refuse any move that no door may make."""
    if old != new and new not in IMPORT_MOVES[old]:
        raise TransitionRefused(f"A {label(old)} decision cannot become {label(new)}.")


def check_person_move(old: str, new: str) -> None:
    """A move a person asks for: an edge of the graph, and never to superseded by hand."""
    if new == Status.SUPERSEDED or new not in NEXT_STATUSES[old]:
        raise TransitionRefused(f"A {label(old)} decision cannot become {label(new)}.")


def check_import_move(old: str, new: str, *, under_review: bool) -> None:
    """Refuse a move a re-imported file asks for that IMPORT_MOVES does not hold, and any change
    to a proposal that is being reviewed in the app: its reviewers decide it, not a file."""
    if old == new:
        return
    if under_review:
        raise TransitionRefused(
            f"it is under review in the app, so the file's status “{label(new)}” is not applied; "
            "accept or reject it in the app"
        )
    if new not in IMPORT_MOVES[old]:
        raise TransitionRefused(f"a {label(old)} decision cannot become {label(new)}, so the file is not applied")


def move_label(old: str, new: str) -> str:
    """The button for a move, as a decision page offers it."""
    return "Withdraw" if old == Status.DRAFT and new == Status.REJECTED else ACTION_LABELS[new]
