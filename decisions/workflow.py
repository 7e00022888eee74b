"""The one door for writes: decisions, reviews, comments, images, imports, contracts, teams, services, flows.

Every function here is one domain write, in one transaction, named <entity>_<verb>. It locks
the rows it changes and works from the locked copy, asks decisions.access whether the user
may (on that copy, so a page loaded before someone else's change cannot undo it), and
records what follows from the write in the door's batch. When the outermost write ends,
one after-write step runs: search documents and flows' current styles inside the same
transaction, notifications (their e-mails on commit), and the overview's tallies and
cache on commit.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime
import hashlib
import io
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import task

from . import drift, images, notifications, overview, pagecache, search, webhooks
from .access import (
    allowed_moves,
    can_acknowledge_drift,
    can_change_comment,
    can_comment,
    can_edit,
    can_retract_comment,
    refuse,
)
from .adr_files import importer
from .adr_files.importer import ImportReport
from .contracts import facts as contract_facts
from .contracts import reader as contract_reader
from .contracts.report import ContractReport
from .models import (
    DECISION_COUNTER,
    DECISIONS_TOTAL,
    KEPT_NUMBERS,
    Attachment,
    Comment,
    ContractImport,
    Counter,
    Decision,
    DecisionLink,
    Drift,
    Flow,
    FlowSnapshot,
    ImportJob,
    Notification,
    Review,
    ReviewRequest,
    Service,
    SourceFacts,
    Team,
    Transition,
    WebhookDelivery,
    WebhookSubscription,
    person_name,
)
from .status import (
    DECIDED_STATUSES,
    EDITABLE_STATUSES,
    IMPORT_NOTE,
    SUPERSEDED_NOTE,
    TRANSITION_NOTE,
    WERE_ACCEPTED,
    Status,
    TransitionRefused,
    check_import_move,
    check_person_move,
    label,
)

logger = logging.getLogger(__name__)

NOT_COUNTED = (Status.DRAFT, None, None)  # a decision that did not exist before the write


class EditConflict(Exception):
    """Someone saved the decision after this edit began; saving would overwrite their change."""

    def __init__(self, current_revision: int | None) -> None:
        super().__init__("The decision changed while you were editing it.")
        self.current_revision = current_revision


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
            names = ", ".join(person_name(r.reviewer) for r in self.changes_requested)
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


# --- the door and its after-write step ----------------------------------------------------

# What counted a decision in the overview before the door first wrote it: status, date, flow.
Counted = tuple[str, datetime.date | None, int | None]


@dataclass
class _Batch:
    counted: dict[int, Counted] = field(default_factory=dict)  # decisions whose counts may have moved
    indexed: set[int] = field(default_factory=set)  # decisions whose searchable text changed
    flows_renamed: set[int] = field(default_factory=set)  # flows whose decisions' text changed
    teams: set[int] = field(default_factory=set)  # teams whose tallies must be counted again
    notices: list[dict] = field(default_factory=list)
    events: list[tuple[str, int]] = field(default_factory=list)  # (webhooks.EVENTS name, decision id)

    def decision(self, decision: Decision, before: Counted | None = None) -> None:
        self.counted.setdefault(decision.pk, before or _counted(decision))
        self.indexed.add(decision.pk)

    def notify(self, **notice) -> None:
        self.notices.append(notice)

    def event(self, name: str, decision: Decision) -> None:
        self.events.append((name, decision.pk))


_local = threading.local()


@contextmanager
def _door() -> Iterator[_Batch]:
    """One transaction for the outermost write; writes called from it join its batch."""
    batch = getattr(_local, "batch", None)
    if batch is not None:
        yield batch
        return
    batch = _local.batch = _Batch()
    try:
        with transaction.atomic():
            yield batch
            _after_write(batch)
    finally:
        _local.batch = None


def _counted(decision: Decision) -> Counted:
    return decision.status, decision.decided_on, decision.flow_id


def _after_write(batch: _Batch) -> None:
    added = sum(1 for before in batch.counted.values() if before is NOT_COUNTED)
    if added and not Counter.objects.filter(name=DECISIONS_TOTAL).update(value=F("value") + added):
        # Only when the row is missing (the migration makes it; a flushed database has none).
        Counter.objects.get_or_create(name=DECISIONS_TOTAL, defaults={"value": Decision.objects.count()})
    flows: set[int] = set()
    tally_flows: set[int] = set()
    quarters: set[str] = set()
    rows = Decision.objects.filter(pk__in=list(batch.counted)).values_list("pk", "status", "decided_on", "flow_id")
    for pk, status, day, flow_id in rows:
        old_status, old_day, old_flow = batch.counted[pk]
        touched = {flow_id, old_flow} - {None}
        flows |= touched
        if {status, old_status} & WERE_ACCEPTED:
            quarters |= {overview.quarter_of(day), overview.quarter_of(old_day)}
            tally_flows |= touched
    for flow_id in sorted(flows):
        flow_refresh_current(flow_id)
    if batch.flows_renamed:
        batch.indexed |= set(Decision.objects.filter(flow_id__in=batch.flows_renamed).values_list("pk", flat=True))
    search.index_decisions(sorted(batch.indexed))
    for notice in batch.notices:
        notifications.notify(**notice)
    if batch.events:
        told = Decision.objects.select_related("flow").in_bulk({pk for _, pk in batch.events})
        webhooks.announce([(name, told[pk]) for name, pk in batch.events])
    teams = batch.teams | set(Flow.objects.filter(pk__in=tally_flows).values_list("owner_team_id", flat=True))
    if quarters or teams:
        overview.tally_later(quarters=quarters, teams=teams)
    transaction.on_commit(overview.overview_forget)
    transaction.on_commit(pagecache.forget)


def flow_refresh_current(flow_id: int) -> None:
    """Point a flow at its latest accepted decision (or none), and take its style."""
    latest = (
        Decision.objects.filter(flow_id=flow_id, status=Status.ACCEPTED)
        .order_by(F("decided_on").desc(nulls_last=True), "-number")
        .only("pk", "style")
        .first()
    )
    Flow.objects.filter(pk=flow_id).update(current_decision=latest, current_style=latest.style if latest else "")


def _locked(pk: int) -> Decision:
    related = Decision.objects.select_related("flow", "author", "supersedes")
    return related.select_for_update(of=("self",)).get(pk=pk)


def _save(decision: Decision, *, by: AbstractBaseUser | None, note: str = "") -> None:
    """Save one revision of a decision by `by`, and what its status implies: deciding stamps
    the date; accepting one that supersedes another marks the older one superseded."""
    if decision.status in DECIDED_STATUSES and decision.decided_on is None:
        decision.decided_on = timezone.localdate()
    decision._history_user = by
    decision._change_reason = note
    decision.save()
    older = decision.supersedes
    if decision.status == Status.ACCEPTED and older and older.status == Status.ACCEPTED:
        older = _locked(older.pk)
        _batch().decision(older)
        older.status = Status.SUPERSEDED
        older._history_user = by
        older._change_reason = f"{SUPERSEDED_NOTE} {decision.code}"
        older.save()
        Transition.objects.create(
            decision=older, from_status=Status.ACCEPTED, to_status=Status.SUPERSEDED, by=by,
            note=f"{SUPERSEDED_NOTE} {decision.code}",
        )  # fmt: skip
        _drifts_resolve(older, decision, by)
        _batch().event("superseded", older)


def _named(decision: Decision) -> str:
    """A decision as notifications name it: its id and its title."""
    return f"{decision.code} “{decision.title}”"


def _batch() -> _Batch:
    return _local.batch


# --- decisions ----------------------------------------------------------------------------


def decision_create(*, decision: Decision, by: AbstractBaseUser | None) -> Decision:
    """File a new decision (a draft, from the form and the API), by `by`."""
    with _door() as batch:
        if decision.author_id is None and by is not None:
            decision.author = by
        _save(decision, by=by)
        batch.decision(decision, before=NOT_COUNTED)
        batch.event("filed", decision)
    return decision


def decision_edit(*, decision: Decision, by: AbstractBaseUser, changes: dict, based_on: int | None = None) -> Decision:
    """Apply an author's changes (field name → new value) to the decision as it is now.

    With `based_on`, refuse if someone saved a newer revision since. Without it, only the
    fields sent change: a status or a field someone else set in between is never reverted.
    Editing a proposal makes its approvals stale: the reviewers are asked again.
    """
    with _door() as batch:
        current = _locked(decision.pk)
        if current.status not in EDITABLE_STATUSES and decision.status in EDITABLE_STATUSES:
            raise TransitionRefused(f"{current.code} is {label(current.status)} now, so it can no longer be edited.")
        if not can_edit(by, current):
            raise refuse("edit")
        revision = current.latest_revision_id()
        if based_on is not None and revision != based_on:
            raise EditConflict(revision)
        batch.decision(current)
        for name, value in changes.items():
            setattr(current, name, value)
        _save(current, by=by)
        if current.status == Status.PROPOSED and changes:
            _ask_again_after_edit(current, by)
    _refresh(decision)
    return decision


def _ask_again_after_edit(decision: Decision, by: AbstractBaseUser) -> None:
    """An edit to a proposal goes back to every reviewer who had answered: an approval of the
    old text is stale, and a request for changes may have been met. Each is asked again."""
    answered = list(
        decision.review_requests.filter(
            state__in=[ReviewRequest.State.APPROVED, ReviewRequest.State.CHANGES_REQUESTED]
        ).select_related("reviewer")
    )
    if not answered:
        return
    decision.reviews.filter(verdict=Review.Verdict.APPROVE, stale=False).update(stale=True)
    for request in answered:
        asked_for_changes = request.state == ReviewRequest.State.CHANGES_REQUESTED
        request.state = ReviewRequest.State.WAITING
        request.round += 1
        request.save(update_fields=["state", "round", "updated_at"])
        _batch().notify(
            recipients=[request.reviewer],
            actor=by,
            decision=decision,
            event=f"review-again:{decision.pk}:{decision.latest_revision_id()}",
            text=f"{_named(decision)} changed {'as you asked' if asked_for_changes else 'after your approval'}: "
            "please review it again",
        )


def _refresh(caller_copy: Decision) -> None:
    """Give the caller's instance the row as saved (and as its next save is checked against)."""
    caller_copy.refresh_from_db()
    caller_copy._stored = {"status": caller_copy.status}


def decision_propose(*, decision: Decision, by: AbstractBaseUser, reviewers: Iterable[User], note: str = "") -> None:
    """Send a draft for review to the reviewers the author picked."""
    reviewers = [r for r in reviewers if r.pk != decision.author_id]
    if not reviewers:
        raise TransitionRefused("Pick at least one reviewer other than the author.")
    with _door() as batch:
        transition = decision_transition(decision=decision, to=Status.PROPOSED, by=by, note=note)
        for reviewer in reviewers:
            request, created = ReviewRequest.objects.get_or_create(
                decision=decision, reviewer=reviewer, defaults={"requested_by": by}
            )
            if not created:
                request.state, request.round = ReviewRequest.State.WAITING, request.round + 1
                request.save(update_fields=["state", "round", "updated_at"])
        batch.notify(
            recipients=reviewers,
            actor=by,
            decision=decision,
            event=f"transition:{transition.pk}",
            text=f"{person_name(by)} asks you to review {decision.code}: {decision.title}",
        )


# The moves webhooks hear of (as webhooks.EVENTS names); back to draft is the author's own business.
MOVES_TOLD = {Status.PROPOSED, Status.ACCEPTED, Status.REJECTED, Status.DEPRECATED}


def decision_transition(*, decision: Decision, to: str, by: AbstractBaseUser, note: str = "") -> Transition:
    """Move a decision to another status, if the rules and the user's role allow it."""
    with _door() as batch:
        current = _locked(decision.pk)
        check_person_move(current.status, to)
        if to not in allowed_moves(by, current):
            raise refuse("move")
        if to == Status.ACCEPTED:
            state = review_state(current.review_requests.select_related("reviewer"))
            if not state.rule_holds:
                raise TransitionRefused(f"{current.code} cannot be accepted yet. {state.why_not}")
        if to == Status.REJECTED and not note.strip():
            raise TransitionRefused("Say why in the note: a rejected decision keeps its reason.")
        batch.decision(current)
        old = current.status
        current.status = to
        if to in DECIDED_STATUSES:
            current.decided_on = timezone.localdate()
        if to == Status.ACCEPTED and current.flow_id:
            current.consumers_when_decided = current.flow.consumers.count()
            current.facts_snapshot_id = current.flow.latest_snapshot_id
        _save(current, by=by, note=f"{TRANSITION_NOTE}: {old} → {to}")
        transition = Transition.objects.create(decision=current, from_status=old, to_status=to, by=by, note=note)
        if to == Status.ACCEPTED and current.facts_snapshot_id:
            _drift_check(current, current.flow, current.facts_snapshot, by=by)
        if to in MOVES_TOLD:
            batch.event(to, current)
        if current.author_id and to != Status.PROPOSED:
            batch.notify(
                recipients=[current.author],
                actor=by,
                decision=current,
                event=f"transition:{transition.pk}",
                text=f"{person_name(by)} moved {_named(current)} to {label(to)}",
            )
    _refresh(decision)
    return transition


def decision_backdate(
    *, decision: Decision, anchors: list[tuple[datetime.datetime, datetime.datetime]], decided: datetime.date | None
) -> None:
    """Move a decision's records (revisions, comments, reviews, review requests, moves and
    notifications) from when they were written to when its story says they happened, for a log
    entered after the fact (the demo). `anchors` pairs, in order, the moment each step of the
    story began to be written with the moment it stands for; a record keeps its distance from the
    start of its step, so the records of one step share its day and every record keeps its order.
    `decided` is the decided-on date, which the revisions from then on carry too."""
    starts = [written for written, _ in anchors]

    def story(written: datetime.datetime) -> datetime.datetime:
        step = max(bisect.bisect_right(starts, written) - 1, 0)
        return anchors[step][1] + (written - anchors[step][0])

    with _door() as batch:
        current = _locked(decision.pk)
        batch.decision(current)
        for record in decision.history.all():
            record.history_date = story(record.history_date)
            record.decided_on = decided if record.decided_on else None
            record.save(update_fields=["history_date", "decided_on"])
        for record in Comment.history.filter(decision_id=decision.pk):
            record.history_date = story(record.history_date)
            record.save(update_fields=["history_date"])
        for model, name in ((Comment, "created_at"), (Review, "created_at"), (Transition, "at"),
                            (ReviewRequest, "updated_at"), (Notification, "created_at")):  # fmt: skip
            for pk, written in model.objects.filter(decision=decision).values_list("pk", name):
                model.objects.filter(pk=pk).update(**{name: story(written)})
        Decision.objects.filter(pk=decision.pk).update(
            created_at=story(current.created_at), updated_at=story(current.updated_at), decided_on=decided
        )
        Decision.objects.filter(pk=decision.pk).stamp_status_times_from_transitions()


# --- reviews and comments -----------------------------------------------------------------


def review_submit(*, decision: Decision, by: AbstractBaseUser, verdict: str, body: str) -> Review:
    """A requested reviewer approves or requests changes, with a comment."""
    with _door() as batch:
        # The decision's lock: a review and an acceptance never interleave.
        current = _locked(decision.pk)
        request = ReviewRequest.objects.filter(decision=current, reviewer=by).first()
        if current.status != Status.PROPOSED or request is None or not by.has_perm("decisions.review_decision"):
            raise refuse("review")
        if verdict == Review.Verdict.REQUEST_CHANGES and not body.strip():
            raise TransitionRefused("Say which changes you need.")
        review = Review.objects.create(decision=current, reviewer=by, verdict=verdict, body=body)
        request.state = verdict
        request.save(update_fields=["state", "updated_at"])
        batch.event("reviewed" if verdict == Review.Verdict.APPROVE else "changes_requested", current)
        if current.author_id:
            batch.notify(
                recipients=[current.author],
                actor=by,
                decision=current,
                event=f"review:{review.pk}",
                text=f"{person_name(by)} reviewed {_named(current)}: {review.get_verdict_display().lower()}",
            )
    return review


def review_ask_again(*, decision: Decision, by: AbstractBaseUser, reviewer: AbstractBaseUser) -> ReviewRequest:
    """The author asks a reviewer who requested changes to look again (the changes may be made,
    or answered in the comments), without editing the decision."""
    with _door() as batch:
        current = _locked(decision.pk)
        if current.status != Status.PROPOSED or not can_edit(by, current):
            raise refuse("edit")
        request = ReviewRequest.objects.filter(decision=current, reviewer=reviewer).first()
        if request is None or request.state != ReviewRequest.State.CHANGES_REQUESTED:
            name = person_name(reviewer)
            raise TransitionRefused(f"{name} has not asked for changes, so there is nothing to ask again.")
        request.state = ReviewRequest.State.WAITING
        request.round += 1
        request.save(update_fields=["state", "round", "updated_at"])
        batch.notify(
            recipients=[reviewer], actor=by, decision=current, event=f"ask-again:{request.pk}:{request.round}",
            text=f"{person_name(by)} asks you to review {_named(current)} again",
        )  # fmt: skip
    return request


def comment_post(*, decision: Decision, by: AbstractBaseUser, body: str, parent: Comment | None = None) -> Comment:
    if not can_comment(by):
        raise refuse("comment")
    if parent is not None:
        if parent.decision_id != decision.pk:
            raise refuse("comment")
        parent = parent.parent or parent  # replies stay one level deep
    with _door() as batch:
        comment = Comment(decision=decision, author=by, parent=parent, body=body)
        comment._history_user = by
        comment.save()
        batch.indexed.add(decision.pk)
        batch.event("commented", decision)
        recipients = {decision.author} if decision.author_id else set()
        if parent is not None:
            recipients.add(parent.author)
        batch.notify(
            recipients=[r for r in recipients if r is not None],
            actor=by,
            decision=decision,
            event=f"comment:{comment.pk}",
            text=f"{person_name(by)} commented on {_named(decision)}",
        )
    return comment


def _locked_comment(comment: Comment) -> Comment:
    return Comment.objects.select_for_update().get(pk=comment.pk)


def comment_edit(*, comment: Comment, by: AbstractBaseUser, body: str) -> Comment:
    """Change a comment's text. The old text stays in the comment's history."""
    with _door() as batch:
        current = _locked_comment(comment)
        if not can_change_comment(by, current):
            raise refuse("change_comment")
        if body != current.body:
            current.body = body
            current.edited_at = timezone.now()
            current._history_user = by
            current.save()
            batch.indexed.add(current.decision_id)
    comment.refresh_from_db()
    return comment


def comment_retract(*, comment: Comment, by: AbstractBaseUser) -> Comment:
    """Withdraw a comment. Its text is kept, but shown as retracted."""
    with _door() as batch:
        current = _locked_comment(comment)
        if not can_retract_comment(by, current):
            raise refuse("retract_comment")
        if not current.retracted_at:
            current.retracted_at = timezone.now()
            current._history_user = by
            current.save(update_fields=["retracted_at"])
            batch.indexed.add(current.decision_id)
    comment.refresh_from_db()
    return comment


# --- the catalog --------------------------------------------------------------------------


def attachment_save(*, decision: Decision, name: str, data: bytes, by: AbstractBaseUser | None) -> Attachment:
    """Keep an image under `name` (the path the decision's Markdown links it with); the same name
    again replaces the image, as a new revision. images.NotAnImage says why bytes are refused."""
    kind = images.check(name, data)
    digest = hashlib.sha256(data).hexdigest()
    with _door():
        attachment = Attachment.objects.select_for_update().filter(decision=decision, name=name).first()
        if attachment is not None and attachment.sha256 == digest:
            return attachment
        attachment = attachment or Attachment(decision=decision, name=name)
        attachment.content_type, attachment.data, attachment.size, attachment.sha256 = kind, data, len(data), digest
        attachment.added_by, attachment.added_at = by, timezone.now()
        attachment._history_user = by
        attachment.save()
    return attachment


def team_save(*, team: Team, members: Iterable[AbstractBaseUser] | None = None) -> Team:
    """Create or change a team; `members` (when given) are told when its flows' contracts drift."""
    with _door():
        team.save()
        if members is not None:
            team.members.set(members)
    return team


def service_save(*, service: Service) -> Service:
    """Create or change a service; the decisions about its flows are found by its name."""
    with _door() as batch:
        service.save()
        batch.flows_renamed |= set(
            Flow.objects.filter(Q(producer=service) | Q(consumers=service)).values_list("pk", flat=True)
        )
    return service


def flow_save(*, flow: Flow, consumers: Iterable[Service]) -> Flow:
    """Create or change a flow with its consumers. Moving it to another team moves its
    accepted decisions between the teams' tallies."""
    with _door() as batch:
        ends = set()
        if flow.pk is not None:
            team, producer = (
                Flow.objects.select_for_update().values_list("owner_team_id", "producer_id").get(pk=flow.pk)
            )
            if team != flow.owner_team_id:
                batch.teams |= {team, flow.owner_team_id}
            ends |= {producer, *flow.consumers.values_list("pk", flat=True)}
        flow.save()
        flow.consumers.set(consumers)
        ends |= {flow.producer_id, *flow.consumers.values_list("pk", flat=True)}
        # Locked before counting, so a flow saved at the same time is counted once it is committed.
        list(Service.objects.select_for_update().filter(pk__in=ends).order_by("pk").values_list("pk"))
        _flow_ends_recount(Service.objects.filter(pk__in=ends))
        batch.flows_renamed.add(flow.pk)
    return flow


def _flow_ends_recount(services: QuerySet[Service]) -> None:
    """Count again how many flows each of these services produces and consumes (Service.flow_count)."""
    produced = Flow.objects.filter(producer=OuterRef("pk")).order_by().values("producer")
    consumed = Flow.consumers.through.objects.filter(service=OuterRef("pk")).order_by().values("service")
    services.update(flow_count=sum(Coalesce(Subquery(ends.annotate(n=Count("pk")).values("n")), 0)
                                   for ends in (produced, consumed)))  # fmt: skip


# --- bulk loads ---------------------------------------------------------------------------


def derived_rebuild(advance: Callable[[int], None] | None = None) -> None:
    """Work out everything derived from the decisions again: every flow's current style, the
    overview's tallies and the search index. After rows were loaded in bulk (the benchmark)."""
    current = {}
    for pk, flow_id, style in (
        Decision.objects.filter(status=Status.ACCEPTED, flow__isnull=False)
        .order_by(F("decided_on").asc(nulls_first=True), "number")
        .values_list("pk", "flow_id", "style")
    ):
        current[flow_id] = (pk, style)
    with transaction.atomic():
        Flow.objects.update(current_decision=None, current_style="")
        Flow.objects.bulk_update(
            [Flow(pk=f, current_decision_id=d, current_style=s) for f, (d, s) in current.items()],
            ["current_decision", "current_style"],
            batch_size=2000,
        )
    Counter.objects.update_or_create(name=DECISIONS_TOTAL, defaults={"value": Decision.objects.count()})
    _flow_ends_recount(Service.objects.all())
    overview.tally_rebuild()
    search.index_decisions(Decision.objects.order_by("pk").values_list("pk", flat=True), advance=advance)
    pagecache.forget()


# --- imports ------------------------------------------------------------------------------


class ImportProgress(Protocol):
    """Told what an import is doing: a phase and how many steps it has, then each step."""

    def phase(self, label: str, total: int) -> None: ...

    def advance(self, step: int = 1) -> None: ...


READING, SAVING = "Reading the files", "Saving the decisions"


def adrs_import(
    files: list[tuple[str, bytes]],
    *,
    collection: str,
    by: AbstractBaseUser | None,
    skip_broken: bool = False,
    progress: ImportProgress | None = None,
) -> ImportReport:
    """Import ADR files (path inside the collection, bytes). Nothing is written if a file is broken,
    unless `skip_broken`; then the broken files are reported and the others imported. `progress`
    hears of two phases: READING, a step per file, then SAVING, a step per decision written.

    A file whose decision exists already updates it in place. Its status may move only as
    decisions.status.IMPORT_MOVES allows, and never while the decision is under review in the
    app; otherwise that file is refused (reported, the decision left as it is).
    """
    if progress:
        progress.phase(READING, len(files))
    report, parsed = importer.read_files(files, collection=collection, advance=progress and progress.advance)
    if report.broken and not skip_broken:
        return report
    if progress:
        progress.phase(SAVING, len(parsed))
    with _door():
        decisions = _import_decisions(parsed, collection=collection, by=by, advance=progress and progress.advance)
        _import_links(parsed, decisions, collection=collection)
        for adr, result in parsed:
            for name, data in adr.images.items():
                try:
                    attachment_save(decision=decisions[adr.path], name=name, data=data, by=by)
                except images.NotAnImage as refusal:
                    result.warnings.append(f"the image is not kept: {refusal}")
    report.committed = True
    return report


def _import_decisions(parsed, *, collection, by, advance) -> dict[str, Decision]:
    batch = _batch()
    paths = [importer.source_path(collection, adr.path) for adr, _ in parsed]
    under_review = ReviewRequest.objects.filter(decision=OuterRef("pk"))
    existing = {
        decision.source_path: decision
        for decision in Decision.objects.select_for_update()
        .filter(source_path__in=paths)
        .annotate(under_review=Exists(under_review))
    }
    claims = _claim_numbers(
        [(adr, result) for adr, result in parsed if importer.source_path(collection, adr.path) not in existing]
    )
    flows = {flow.name: flow for flow in Flow.objects.filter(name__in=importer.flow_names(parsed))}
    decisions: dict[str, Decision] = {}
    for adr, result in parsed:
        path = importer.source_path(collection, adr.path)
        decision = existing.get(path)
        values = importer.decision_values(adr, flows, result)
        if decision is None:
            decision = Decision(source_path=path, author=by, number=claims.get(adr.path), **values)
            decision._change_reason = importer.history_reason("Imported from", adr.path)
            decision.save()
            batch.decision(decision, before=NOT_COUNTED)
            result.outcome = "imported"
        elif any(getattr(decision, name) != value for name, value in values.items()):
            old = decision.status
            try:
                check_import_move(old, values["status"], under_review=decision.under_review and old == Status.PROPOSED)
            except TransitionRefused as refusal:
                result.outcome, result.reason = "refused", f"{decision.code}: {refusal}"
            else:
                batch.decision(decision)
                for name, value in values.items():
                    setattr(decision, name, value)
                decision._change_reason = importer.history_reason("Updated from", adr.path)
                decision.save()
                if old != decision.status:
                    Transition.objects.create(
                        decision=decision, from_status=old, to_status=decision.status, by=by,
                        note=f"{IMPORT_NOTE} {adr.path}", imported_from=path,
                    )  # fmt: skip
                result.outcome = "updated"
        else:
            result.outcome = "unchanged"
        result.number = decision.number
        decisions[adr.path] = decision
        if advance:
            advance(1)
    return decisions


def _claim_numbers(new: list[tuple]) -> dict[str, int]:
    """Keep each file's own number where it is in KEPT_NUMBERS and free (the first file to
    claim a number wins), and move the counter past them, so that decisions without one are
    numbered after. The counter never moves past KEPT_NUMBERS this way."""
    wanted = {adr.number for adr, _ in new if adr.number is not None and adr.number in KEPT_NUMBERS}
    taken = set(Decision.objects.filter(number__in=wanted).values_list("number", flat=True))
    claims = {}
    for adr, result in new:
        if adr.number is None:
            continue
        if adr.number not in KEPT_NUMBERS:
            result.warnings.append(
                f"number {adr.number} is outside {KEPT_NUMBERS.start}–{KEPT_NUMBERS.stop - 1:,}, so it got a new number"
            )
        elif adr.number in taken:
            result.warnings.append(f"number {adr.number} was taken, so it got a new number")
        else:
            claims[adr.path] = adr.number
            taken.add(adr.number)
    if claims:
        Counter.objects.get_or_create(
            name=DECISION_COUNTER, defaults={"value": Decision.objects.aggregate(m=Max("number"))["m"] or 0}
        )
        highest = max(claims.values())
        Counter.objects.filter(name=DECISION_COUNTER, value__lt=highest).update(value=highest)
    return claims


def _import_links(parsed, decisions: dict[str, Decision], *, collection: str) -> None:
    """Make the links the files declare exist. The first decision a decision supersedes goes
    in `Decision.supersedes`, the field the rest of the app shows; any others become links."""
    applied = [(adr, result) for adr, result in parsed if result.outcome != "refused"]
    wanted = importer.wanted_links(applied, decisions, collection=collection)
    for source, target, kind in sorted(wanted, key=lambda link: (link[0].pk, link[1].pk, link[2])):
        if kind == DecisionLink.Kind.SUPERSEDES and source.supersedes_id in (None, target.pk):
            if source.supersedes_id is None:
                source.supersedes = target
                source._change_reason = "Link imported"
                source.save()
            continue
        DecisionLink.objects.get_or_create(source=source, target=target, kind=kind)


# --- import jobs: imports that outlast a request, run by a worker ---------------------------


def import_job_queue(
    *, upload: bytes, filename: str, collection: str, skip_broken: bool, by: AbstractBaseUser
) -> ImportJob:
    """Keep an upload (a zip) and queue its import for a worker. The job and its task are
    written in one transaction: both or neither."""
    with transaction.atomic():
        job = ImportJob.objects.create(
            created_by=by, filename=filename[:255], collection=collection, skip_broken=skip_broken, upload=upload
        )
        import_job_run.enqueue(job.pk)
    return job


@task()
def import_job_run(job_id: int) -> None:
    """The worker's side of an import job. Idempotent: a job that has finished is left alone, and
    one started again after a worker died imports again, updating what the first run wrote."""
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.finished:
        return
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING, phase="Unpacking the zip")
    progress = _JobProgress(job.pk)
    try:
        files = importer.read_zip(io.BytesIO(bytes(job.upload)))
        report = adrs_import(
            files, collection=job.collection, by=job.created_by, skip_broken=job.skip_broken, progress=progress
        )
    except importer.CollectionError as refusal:
        _job_finish(job.pk, state=ImportJob.State.FAILED, error=str(refusal))
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        _job_finish(job.pk, state=ImportJob.State.FAILED, error=JOB_FAILED)
    else:
        _job_finish(job.pk, state=ImportJob.State.DONE, report=report.as_dict(), done=progress.done,
                    total=progress.total)  # fmt: skip
    finally:
        progress.close()


JOB_FAILED = "Something went wrong on our side and nothing was imported. Try again, or ask an administrator."


def _job_finish(job_id: int, **values) -> None:
    ImportJob.objects.filter(pk=job_id).update(finished_at=timezone.now(), upload=b"", phase="", **values)


class _JobProgress:
    """Writes an import job's phase and count where its page reads them, at most twice a second.

    The import saves in one transaction, which would hide the count until the end; on PostgreSQL
    the count goes through a connection of its own. SQLite lets one writer at a time, so there
    the saving phase shows its size and moves on when the import commits.
    """

    EVERY = 0.5
    UPDATE = "UPDATE decisions_importjob SET phase = %s, total = %s, done = %s WHERE id = %s"

    def __init__(self, job_id: int) -> None:
        self.job_id, self.label, self.total, self.done, self.shown = job_id, "", 0, 0, 0.0
        self.side = connections.create_connection(DEFAULT_DB_ALIAS) if connection.vendor == "postgresql" else None

    def phase(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self._write()

    def advance(self, step: int = 1) -> None:
        self.done += step
        now = time.monotonic()
        if now - self.shown >= self.EVERY:
            self.shown = now
            self._write()

    def _write(self) -> None:
        if not connection.in_atomic_block:
            ImportJob.objects.filter(pk=self.job_id).update(phase=self.label, total=self.total, done=self.done)
        elif self.side is not None:
            with self.side.cursor() as cursor:
                cursor.execute(self.UPDATE, [self.label, self.total, self.done, self.job_id])

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


# --- webhook subscriptions ----------------------------------------------------------------


def webhook_save(*, subscription: WebhookSubscription, by: AbstractBaseUser) -> WebhookSubscription:
    """Add or change a subscription (turning it off included: nothing is deleted). A new one
    gets its signing secret here."""
    with transaction.atomic():
        if subscription.pk is None:
            subscription.created_by = by
            subscription.secret = secrets.token_urlsafe(32)
        subscription._history_user = by
        subscription.save()
    return subscription


def webhook_send_again(*, delivery: WebhookDelivery) -> None:
    """Send a delivery again, with the same id (a receiver that has it can drop it)."""
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(state=WebhookDelivery.State.PENDING, delivered_at=None)
        webhooks.webhook_deliver.enqueue(str(delivery.pk))


# --- message contracts: facts from AsyncAPI and EventCatalog, and the drift they reveal ------


UNASSIGNED_TEAM = "Unassigned"
READING_CONTRACTS, SAVING_CONTRACTS = "Reading the contracts", "Saving the flows"


def contracts_import(
    files: list[tuple[str, bytes]],
    *,
    source: str,
    via: str,
    by: AbstractBaseUser | None,
    progress: ImportProgress | None = None,
) -> ContractReport:
    """Import contract files (path, bytes) as what `source` says now: services matched by name or
    created, one flow per message some service sends, a snapshot of each flow whose facts changed,
    and the drift rules checked on each. A document that does not validate refuses the whole
    import (nothing is written); contracts.reader.NothingToRead says when there is nothing to read."""
    source = contract_facts.bounded(" ".join(source.split()), ContractImport._meta.get_field("source").max_length)
    if progress:
        progress.phase(READING_CONTRACTS, len(files))
    reading = contract_reader.read(files, advance=progress and progress.advance)
    report = ContractReport(
        source=source,
        documents=[dataclasses.asdict(d) for d in reading.documents],
        refused=[{"path": path, "reasons": reasons} for path, reasons in reading.refused],
    )
    if reading.refused:
        return report
    flows = reading.flows()
    if progress:
        progress.phase(SAVING_CONTRACTS, len(flows))
    with _door():
        run = ContractImport.objects.create(source=source, via=via, by=by)
        services = _contract_services(reading, report)
        said = {flow.message.key: contract_facts.source_facts(flow) for flow in flows}
        for facts in said.values():
            facts["producers"] = [services[name].name for name in facts["producers"]]
            facts["consumers"] = [services[name].name for name in facts["consumers"]]
        before = set(SourceFacts.objects.filter(source=source).exclude(facts={}).values_list("message", flat=True))
        withdrawn = {key: {} for key in before - said.keys()}
        _contract_facts_apply(run, source, said | withdrawn, report, by=by, advance=progress and progress.advance)
        report.committed, report.import_id = True, run.pk
        run.report = report.as_dict()
        run.save(update_fields=["report"])
    return report


def _contract_services(reading, report: ContractReport) -> dict[str, Service]:
    """The app's service for each service the contracts name: the one of the same name (spaces,
    case and punctuation aside), else a new one in its catalog team or UNASSIGNED_TEAM."""
    same = contract_facts.same_name
    known = {same(service.name): service for service in Service.objects.select_related("team")}
    teams = {same(team.name): team for team in Team.objects.all()}
    found = {}
    for name, facts in sorted(reading.services.items()):
        service = known.get(same(name))
        if service is not None:
            report.services_matched.append([name, service.name])
        else:
            team_name = (facts.team or UNASSIGNED_TEAM)[:100]
            team = teams.get(same(team_name))
            if team is None:
                team = teams[same(team_name)] = Team.objects.create(name=team_name)
            service = Service.objects.create(
                name=name[:100], team=team, description=facts.summary, repository=facts.repository[:300]
            )
            known[same(name)] = service
            report.services_created.append([service.name, team.name])
        found[name] = service
    return found


def _contract_facts_apply(run: ContractImport, source: str, said: dict[str, dict], report: ContractReport, *,
                          by: AbstractBaseUser | None, advance=None) -> None:  # fmt: skip
    """Store what `source` now says of each message ({} where it says nothing any more), then put
    every source's facts together per message and bring its flow up to date."""
    now = timezone.now()
    for key, facts in said.items():
        SourceFacts.objects.update_or_create(source=source, message=key, defaults={"facts": facts, "updated_at": now})
    stored: dict[str, list[dict]] = {}
    for key, facts in (
        SourceFacts.objects.filter(message__in=list(said)).order_by("updated_at", "pk").values_list("message", "facts")
    ):
        stored.setdefault(key, []).append(facts)
    flows = {
        flow.message: flow
        for flow in Flow.objects.select_related("latest_snapshot", "owner_team")
        .select_for_update(of=("self",))
        .filter(message__in=list(said))
    }
    services = {service.name: service for service in Service.objects.select_related("team")}
    for key in sorted(said):
        facts = contract_facts.merged(stored.get(key, []))
        _contract_flow(run, key, facts, flows.get(key), services, report, by=by)
        if advance:
            advance(1)


def _contract_flow(run, key: str, facts: dict, flow: Flow | None, services: dict[str, Service],
                   report: ContractReport, *, by) -> None:  # fmt: skip
    producers = [services[name] for name in facts["producers"] if name in services]
    consumers = [services[name] for name in facts["consumers"] if name in services]
    if flow is None:
        if not facts["present"]:
            return
        if not producers:
            report.unsent.append(facts.get("name") or key)
            return
        flow = _contract_flow_find(key, facts, producers[0], report)
    changed = False
    if producers and flow.producer_id != producers[0].pk:
        flow.producer, changed = producers[0], True
    if facts["present"] and set(flow.consumers.values_list("pk", flat=True)) != {s.pk for s in consumers}:
        changed = True
    if changed:
        flow_save(flow=flow, consumers=consumers if facts["present"] else flow.consumers.all())
    latest = flow.latest_snapshot.facts if flow.latest_snapshot_id else None
    if contract_facts.same_facts(latest, facts):
        report.flows_unchanged += 1
        return
    snapshot = FlowSnapshot.objects.create(flow=flow, contract_import=run, taken_at=run.at, facts=facts)
    Flow.objects.filter(pk=flow.pk).update(latest_snapshot=snapshot)
    flow.latest_snapshot = snapshot
    if not facts["present"]:
        report.flows_gone.append(flow.name)
    elif latest is not None and flow.name not in report.flows_created:
        report.flows_changed.append(flow.name)
    current = Decision.objects.select_related("author", "facts_snapshot").filter(pk=flow.current_decision_id).first()
    _drift_check(current, flow, snapshot, by=by, report=report)


def _contract_flow_find(key: str, facts: dict, producer: Service, report: ContractReport) -> Flow:
    """The flow a message the app has not seen yet is about: one of the same name not yet linked to a
    message, else a new one, owned by its producer's team."""
    name = (facts.get("name") or key)[:200]
    same = contract_facts.same_name
    unlinked = Flow.objects.select_for_update().filter(message="")
    flow = next((f for f in unlinked.filter(name__iexact=name)), None) or next(
        (f for f in unlinked.filter(producer=producer) if same(f.name) == same(name)), None
    )
    if flow is not None:
        flow.message = key
        flow.save(update_fields=["message"])
        report.flows_linked.append([key, flow.name])
        return flow
    taken = set(Flow.objects.filter(name__startswith=name[:150]).values_list("name", flat=True))
    if name in taken:
        name = f"{name} on {facts.get('channel') or key}"[:200]
    for n in range(2, 1000):
        if name not in taken:
            break
        name = f"{name[:190]} ({n})"
    flow = Flow(name=name, message=key, producer=producer, owner_team=producer.team,
                description=facts.get("summary") or "")  # fmt: skip
    flow_save(flow=flow, consumers=[])
    report.flows_created.append(flow.name)
    return flow


def _drift_check(decision: Decision | None, flow: Flow, snapshot: FlowSnapshot, *, by,
                 report: ContractReport | None = None) -> None:  # fmt: skip
    """Run the drift rules on a flow's snapshot against its accepted decision: on each new snapshot,
    and when a decision is accepted on a flow the contracts describe."""
    if decision is None or decision.status != Status.ACCEPTED:
        return
    baseline = decision.facts_snapshot
    if baseline is None:  # decided before any import: the first facts seen since stand in
        baseline = flow.snapshots.filter(taken_at__gte=decision.status_changed_at).order_by("taken_at", "pk").first()
    findings = drift.check(
        style=decision.style, growth=decision.growth, consumers_when_decided=decision.consumers_when_decided,
        baseline=baseline.facts if baseline else None, now=snapshot.facts,
    )  # fmt: skip
    told = None  # the decision's author and the owner team's members, looked up at the first new item
    for finding in findings:
        open_items = Drift.objects.select_for_update().filter(decision=decision, state=Drift.State.OPEN)
        item = open_items.filter(rule=finding.rule).first()
        if item is not None:
            if (item.before, item.after) != (finding.before, finding.after[:1000]):
                item.before, item.after, item.snapshot = finding.before[:500], finding.after[:1000], snapshot
                item.save()
            continue
        seen = Drift.objects.filter(decision=decision, rule=finding.rule, after=finding.after[:1000]).exists()
        if seen:
            continue
        item = Drift.objects.create(decision=decision, flow=flow, snapshot=snapshot, rule=finding.rule,
                                    before=finding.before[:500], after=finding.after[:1000])  # fmt: skip
        if report is not None:
            report.drifts.append({"decision": decision.code, "flow": flow.name, "title": item.title,
                                  "evidence": item.evidence})  # fmt: skip
        if told is None:
            told = [*([decision.author] if decision.author_id else []), *flow.owner_team.members.all()]
        _batch().notify(
            recipients=told, actor=by, decision=decision,
            event=f"drift:{item.pk}", text=f"The contracts drifted from {_named(decision)}: {item.title.lower()}",
        )  # fmt: skip


def drift_acknowledge(*, drift_item: Drift, by: AbstractBaseUser, note: str) -> Drift:
    """Keep a decision despite a drift, saying why: the note stays on the decision's timeline."""
    if not can_acknowledge_drift(by):
        raise refuse("acknowledge")
    if not note.strip():
        raise TransitionRefused("Say why the decision still holds: the note is kept on its timeline.")
    with _door():
        item = Drift.objects.select_for_update().get(pk=drift_item.pk)
        if item.state != Drift.State.OPEN:
            raise TransitionRefused(f"This drift is already {item.get_state_display()}.")
        item.state, item.note, item.acknowledged_by, item.acknowledged_at = (
            Drift.State.ACKNOWLEDGED, note.strip(), by, timezone.now()
        )  # fmt: skip
        item._history_user = by
        item.save()
    return item


def _drifts_resolve(older: Decision, newer: Decision, by) -> None:
    """A decision that supersedes another resolves the drift items the older one had."""
    for item in Drift.objects.select_for_update().filter(decision=older).exclude(state=Drift.State.RESOLVED):
        item.state, item.resolved_by, item.resolved_at = Drift.State.RESOLVED, newer, timezone.now()
        item._history_user = by
        item.save()


NOTICE_TYPES = ("consumer.added", "consumer.removed", "producer.changed", "schema.changed", "message.removed")


class NoticeRefused(Exception):
    """A change notice that cannot be applied; the message says why in plain words."""


def contracts_notice(*, notice: dict) -> ContractReport | None:
    """Apply one CloudEvent from a catalog tool (already checked as CloudEvents and signed) as a new
    snapshot of its message's flow, with the same drift rules as an import. A notice seen before
    (same source and id) changes nothing and answers None."""
    change = next((t for t in NOTICE_TYPES if notice["type"].endswith(t)), None)
    data = notice.get("data") if isinstance(notice.get("data"), dict) else {}
    if change is None:
        raise NoticeRefused(f"The type must end with one of: {', '.join(NOTICE_TYPES)}.")
    if not isinstance(data.get("message"), str) or not data["message"].strip():
        raise NoticeRefused('The data must name the message: {"message": "OrderPlaced", …}.')
    service_name = data.get("service")
    if change in NOTICE_TYPES[:3] and (not isinstance(service_name, str) or not service_name.strip()):
        raise NoticeRefused('The data must name the service: {"service": "Billing", …}.')
    source = f"notices from {notice['source']}"[:200]
    report = ContractReport(source=source)
    with _door():
        if ContractImport.objects.filter(source=source, notice_id=notice["id"][:200]).exists():
            return None
        key = _notice_message(contract_facts.bounded(data["message"].strip(), contract_facts.KEY_MAX))
        run = ContractImport.objects.create(source=source, via=ContractImport.Via.NOTICE, notice_id=notice["id"][:200])
        everyone = {row.source: row for row in SourceFacts.objects.select_for_update().filter(message=key)}
        own = dict(everyone[source].facts) if source in everyone else {"producers": [], "consumers": []}
        if change in NOTICE_TYPES[:3]:
            reading = contract_facts.Reading()
            named = reading.service(service_name)
            service = _contract_services(reading, report)[named.name].name
        changed: dict[str, dict] = {}
        if change == "consumer.added":
            own["consumers"] = sorted({*own.get("consumers", []), service})
        elif change in ("consumer.removed", "producer.changed"):
            side = "consumers" if change == "consumer.removed" else "producers"
            for other, row in everyone.items():
                if other != source and row.facts.get(side):
                    keep = [name for name in row.facts[side] if name != service] if side == "consumers" else []
                    changed[other] = row.facts | {side: keep}
            own[side] = [n for n in own.get(side, []) if n != service] if side == "consumers" else [service]
        elif change == "schema.changed":
            schema = data.get("schema")
            if not isinstance(schema, dict):
                raise NoticeRefused('A schema change must carry the new schema: {"schema": {…}}.')
            avro = schema.get("type") == "record"
            own["fields"] = contract_facts.avro_fields(schema) if avro else contract_facts.json_schema_fields(schema)
            own["schema_format"] = "Avro" if avro else "JSON Schema"
            if isinstance(data.get("version"), str):
                own["version"] = data["version"][:50]
        if change == "message.removed":
            changed = dict.fromkeys(everyone, {})
        for other, facts in changed.items():
            if other != source:
                SourceFacts.objects.filter(source=other, message=key).update(facts=facts)
        _contract_facts_apply(run, source, {key: {} if change == "message.removed" else own}, report, by=None)
        report.committed, report.import_id = True, run.pk
        run.report = report.as_dict()
        run.save(update_fields=["report"])
    return report


def _notice_message(named: str) -> str:
    """The message key a notice names: a key the contracts use, or a flow's name."""
    if SourceFacts.objects.filter(message=named).exists() or Flow.objects.filter(message=named).exists():
        return named
    flow = Flow.objects.exclude(message="").filter(name__iexact=named).first()
    if flow is None:
        raise NoticeRefused(f"No imported contract describes the message “{named[:100]}”.")
    return flow.message
