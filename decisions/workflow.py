"""Writes that touch more than one decision, kept in one transaction."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .models import Decision

DECIDED_STATUSES = {Decision.Status.ACCEPTED, Decision.Status.REJECTED}


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
        if decision.status == Decision.Status.ACCEPTED and older and older.status == Decision.Status.ACCEPTED:
            older.status = Decision.Status.SUPERSEDED
            older._history_user = by
            older._change_reason = f"Superseded by {decision.code}"
            older.save()
    return decision


def is_overdue(decision: Decision, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return bool(decision.revisit_on and decision.revisit_on < today and decision.status == Decision.Status.ACCEPTED)
