"""The demo tells one coherent story: every date agrees across a decision, its timeline, history and
the activity, each conversation is its own, and people start with a handful of notifications."""

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from decisions import demo, timeline
from decisions.models import Comment, Decision, Notification, Review, ReviewRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(db):
    demo.load_demo(log=lambda line: None)


def _local(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def test_every_decision_dates_agree(story):
    for decision in Decision.objects.all():
        moves = list(decision.transitions.order_by("at", "pk"))
        assert [t.pk for t in moves] == sorted(t.pk for t in moves), decision  # in the order they were made
        decisive = [t for t in moves if t.to_status in ("accepted", "rejected")]
        if decision.decided_on:
            assert _local(decisive[0].at) == decision.decided_on, decision
            assert _local(decision.created_at) < decision.decided_on
        history = list(decision.history.order_by("history_id"))
        assert [h.history_date for h in history] == sorted(h.history_date for h in history), decision
        assert {h.decided_on for h in history} <= {None, decision.decided_on}, decision
        proposed = next((t.at for t in moves if t.to_status == "proposed"), None)
        for review in decision.reviews.all():
            assert proposed and review.created_at > proposed, decision  # no approval before the proposal
        for comment in decision.comments.all():
            assert proposed and comment.created_at > proposed, decision
        assert _local(decision.status_changed_at) <= timezone.localdate()


def test_supersessions_happen_when_the_successor_is_accepted(story):
    for older in Decision.objects.filter(status="superseded"):
        newer = older.superseded_by.get()
        when = older.transitions.get(to_status="superseded").at
        assert _local(when) == newer.decided_on


def test_the_activity_shows_the_story_not_the_day_it_was_loaded(story):
    today = timezone.localdate()
    recent = [entry for entry in timeline.recent_activity() if _local(entry.at) == today]
    assert not recent


def test_each_conversation_is_written_for_its_decision(story):
    comments = Counter(Comment.objects.values_list("body", flat=True))
    reviews = Counter(Review.objects.values_list("body", flat=True))
    assert max(comments.values()) == 1 and max(reviews.values()) == 1
    waiting = ReviewRequest.objects.filter(state="waiting")
    assert waiting and all(timezone.now() - r.updated_at > datetime.timedelta(days=1) for r in waiting)


@pytest.mark.parametrize("username", ["architect", "reviewer"])
def test_people_start_with_a_handful_of_unread_notifications(story, username):
    unread = Notification.objects.filter(recipient__username=username, read_at=None).count()
    assert 1 <= unread <= 5
