import datetime

import pytest
from django.utils import timezone

from decisions.models import Comment, Review, Transition
from decisions.timeline import decision_timeline
from tests.factories import CommentFactory, DecisionFactory, ReviewFactory, TransitionFactory

pytestmark = pytest.mark.django_db


def test_the_timeline_merges_every_kind_of_event_in_time_order():
    decision = DecisionFactory(status="proposed")
    start = timezone.now()
    made = [
        (TransitionFactory(decision=decision), Transition, "at", 1),
        (CommentFactory(decision=decision), Comment, "created_at", 3),
        (ReviewFactory(decision=decision, verdict="changes_requested", stale=True), Review, "created_at", 2),
    ]
    for row, model, field, minutes in made:
        model.objects.filter(pk=row.pk).update(**{field: start + datetime.timedelta(minutes=minutes)})
    entries = decision_timeline(
        decision=decision,
        history=list(decision.history.all()),
        comments=list(decision.comments.all()),
        reviews=list(decision.reviews.all()),
        transitions=list(decision.transitions.all()),
    )
    assert [e.kind for e in entries] == ["created", "status", "review", "comment"]
    assert entries[2].summary == "requested changes (stale after later edits)"
    assert entries[1].summary == "moved it from draft to proposed"
