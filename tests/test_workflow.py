import itertools
import smtplib

import pytest
from django.core import mail

from decisions import retry, roles, workflow
from decisions.access import NotAllowed
from decisions.models import Comment, Decision, Notification, Review, ReviewRequest, Transition
from decisions.status import IMPORT_MOVES, TransitionRefused
from tests.factories import AssessedDecisionFactory, CommentFactory, DecisionFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = Decision.Status


def proposal(people, **kwargs):
    decision = AssessedDecisionFactory(status="draft", author=people["author"], **kwargs)
    workflow.decision_propose(decision=decision, by=people["author"], reviewers=[people["reviewer"]])
    return decision


class TestStatusGraph:
    @pytest.mark.parametrize(("old", "new"), list(itertools.product(Status.values, repeat=2)))
    def test_the_model_refuses_every_move_off_the_graph(self, old, new):
        decision = DecisionFactory(status=old)
        decision.status = new
        if old == new or new in IMPORT_MOVES[old]:
            decision.save()
        else:
            with pytest.raises(TransitionRefused):
                decision.save()
            assert Decision.objects.get(pk=decision.pk).status == old


class TestTransitions:
    def test_propose_asks_the_picked_reviewers_and_records_the_move(self, people):
        decision = proposal(people)
        assert decision.status == "proposed"
        assert list(decision.review_requests.values_list("reviewer__username", "state")) == [("rui", "waiting")]
        move = Transition.objects.get(decision=decision)
        assert (move.from_status, move.to_status, move.by) == ("draft", "proposed", people["author"])

    def test_the_author_cannot_review_their_own_proposal(self, people):
        decision = AssessedDecisionFactory(status="draft", author=people["author"])
        with pytest.raises(TransitionRefused, match="at least one reviewer"):
            workflow.decision_propose(decision=decision, by=people["author"], reviewers=[people["author"]])
        decision.refresh_from_db()
        assert decision.status == "draft"

    def test_only_the_author_proposes(self, people):
        decision = AssessedDecisionFactory(status="draft", author=people["author"])
        with pytest.raises(NotAllowed):
            workflow.decision_propose(decision=decision, by=people["architect"], reviewers=[people["reviewer"]])

    def test_accepting_needs_an_approval(self, people):
        decision = proposal(people)
        with pytest.raises(TransitionRefused, match="needs 1 more approval"):
            workflow.decision_transition(decision=decision, to="accepted", by=people["architect"])
        workflow.review_submit(decision=decision, by=people["reviewer"], verdict="approved", body="ok")
        workflow.decision_transition(decision=decision, to="accepted", by=people["architect"], note="Agreed")
        decision.refresh_from_db()
        assert decision.status == "accepted" and decision.decided_on is not None
        assert decision.transitions.last().note == "Agreed"

    def test_outstanding_changes_requested_block_acceptance(self, people):
        decision = AssessedDecisionFactory(status="draft", author=people["author"])
        workflow.decision_propose(
            decision=decision, by=people["author"], reviewers=[people["reviewer"], people["second"]]
        )
        workflow.review_submit(decision=decision, by=people["reviewer"], verdict="approved", body="ok")
        workflow.review_submit(decision=decision, by=people["second"], verdict="changes_requested", body="Fix X")
        with pytest.raises(TransitionRefused, match="Changes are requested by sam"):
            workflow.decision_transition(decision=decision, to="accepted", by=people["architect"])

    def test_the_minimum_of_approvals_is_configurable(self, people, settings):
        settings.DECISION_REVIEW_MIN_APPROVALS = 2
        decision = AssessedDecisionFactory(status="draft", author=people["author"])
        workflow.decision_propose(
            decision=decision, by=people["author"], reviewers=[people["reviewer"], people["second"]]
        )
        workflow.review_submit(decision=decision, by=people["reviewer"], verdict="approved", body="")
        with pytest.raises(TransitionRefused, match="needs 1 more approval"):
            workflow.decision_transition(decision=decision, to="accepted", by=people["author"])
        workflow.review_submit(decision=decision, by=people["second"], verdict="approved", body="")
        workflow.decision_transition(decision=decision, to="accepted", by=people["author"])

    @pytest.mark.parametrize("role", ["reviewer", "manager"])
    def test_only_architects_decide(self, people, role):
        decision = proposal(people)
        workflow.review_submit(decision=decision, by=people["reviewer"], verdict="approved", body="")
        for to in ("accepted", "rejected"):
            with pytest.raises(NotAllowed):
                workflow.decision_transition(decision=decision, to=to, by=people[role], note="x")

    def test_rejecting_keeps_its_reason(self, people):
        decision = proposal(people)
        with pytest.raises(TransitionRefused, match="Say why"):
            workflow.decision_transition(decision=decision, to="rejected", by=people["architect"])
        workflow.decision_transition(decision=decision, to="rejected", by=people["architect"], note="Too costly")
        assert decision.status == "rejected" and decision.transitions.last().note == "Too costly"

    def test_a_proposal_goes_back_to_draft_only_by_its_author(self, people):
        decision = proposal(people)
        with pytest.raises(NotAllowed):
            workflow.decision_transition(decision=decision, to="draft", by=people["architect"])
        workflow.decision_transition(decision=decision, to="draft", by=people["author"])
        assert decision.status == "draft"

    def test_the_author_withdraws_a_mistaken_draft(self, people):
        decision = AssessedDecisionFactory(status="draft", author=people["author"])
        workflow.decision_transition(decision=decision, to="rejected", by=people["author"], note="Filed by mistake")
        assert decision.status == "rejected"

    def test_accepted_decisions_are_deprecated_by_architects(self, people):
        decision = AssessedDecisionFactory(status="accepted", author=people["author"])
        with pytest.raises(NotAllowed):
            workflow.decision_transition(decision=decision, to="deprecated", by=people["reviewer"])
        workflow.decision_transition(decision=decision, to="deprecated", by=people["architect"])
        assert decision.status == "deprecated"

    @pytest.mark.parametrize("final", ["rejected", "deprecated", "superseded"])
    def test_final_statuses_go_nowhere(self, people, final):
        decision = AssessedDecisionFactory(status=final, author=people["author"])
        for to in Status.values:
            if to != final:
                with pytest.raises((TransitionRefused, NotAllowed)):
                    workflow.decision_transition(decision=decision, to=to, by=people["architect"], note="x")

    def test_superseded_is_never_chosen_by_hand(self, people):
        decision = AssessedDecisionFactory(status="accepted")
        with pytest.raises(TransitionRefused):
            workflow.decision_transition(decision=decision, to="superseded", by=people["architect"])

    def test_accepting_a_successor_supersedes_the_older_decision_both_ways(self, people):
        old = AssessedDecisionFactory(status="accepted")
        new = proposal(people, supersedes=old, flow=old.flow)
        workflow.review_submit(decision=new, by=people["reviewer"], verdict="approved", body="")
        workflow.decision_transition(decision=new, to="accepted", by=people["architect"])
        old.refresh_from_db()
        assert old.status == "superseded"
        assert list(old.superseded_by.all()) == [new] and new.supersedes == old
        moved = old.transitions.get()
        assert (moved.from_status, moved.to_status, moved.note) == (
            "accepted",
            "superseded",
            f"Superseded by {new.code}",
        )


class TestReviews:
    def test_only_requested_reviewers_review(self, people):
        decision = proposal(people)
        for person in ("second", "author", "manager"):
            with pytest.raises(NotAllowed):
                workflow.review_submit(decision=decision, by=people[person], verdict="approved", body="")

    def test_requesting_changes_needs_a_comment(self, people):
        decision = proposal(people)
        with pytest.raises(TransitionRefused, match="Say which changes"):
            workflow.review_submit(decision=decision, by=people["reviewer"], verdict="changes_requested", body=" ")

    def test_editing_after_approval_makes_it_stale_and_asks_again(self, people):
        decision = proposal(people)
        workflow.review_submit(decision=decision, by=people["reviewer"], verdict="approved", body="ok")
        workflow.decision_edit(decision=decision, by=people["author"], changes={"title": "Sharper title"})
        request = decision.review_requests.get()
        assert (request.state, request.round) == ("waiting", 2)
        assert Review.objects.get().stale
        assert Notification.objects.filter(recipient=people["reviewer"], text__contains="review it again").exists()
        with pytest.raises(TransitionRefused):
            workflow.decision_transition(decision=decision, to="accepted", by=people["architect"])

    def test_an_edit_after_changes_were_requested_asks_the_reviewer_again(self, people):
        decision = proposal(people)
        workflow.review_submit(decision=decision, by=people["reviewer"], verdict="changes_requested", body="X")
        workflow.decision_edit(decision=decision, by=people["author"], changes={"context": "More context."})
        request = decision.review_requests.get()
        assert (request.state, request.round) == ("waiting", 2)  # back in their "waiting for my review"
        told = Notification.objects.get(recipient=people["reviewer"], key__startswith="review-again:")
        assert told.text == f"{decision.code} “{decision.title}” changed as you asked: please review it again"
        with pytest.raises(TransitionRefused):  # still not accepted without an approval
            workflow.decision_transition(decision=decision, to="accepted", by=people["architect"])

    def test_the_author_asks_a_reviewer_again_without_editing(self, people):
        decision = proposal(people)
        with pytest.raises(TransitionRefused, match="nothing to ask again"):
            workflow.review_ask_again(decision=decision, by=people["author"], reviewer=people["reviewer"])
        workflow.review_submit(decision=decision, by=people["reviewer"], verdict="changes_requested", body="X")
        with pytest.raises(NotAllowed):
            workflow.review_ask_again(decision=decision, by=people["architect"], reviewer=people["reviewer"])
        request = workflow.review_ask_again(decision=decision, by=people["author"], reviewer=people["reviewer"])
        assert (request.state, request.round) == ("waiting", 2)
        assert Notification.objects.filter(recipient=people["reviewer"], text__contains="review ADR").exists()

    def test_an_edit_that_changes_nothing_keeps_approvals(self, people):
        decision = proposal(people)
        workflow.review_submit(decision=decision, by=people["reviewer"], verdict="approved", body="ok")
        workflow.decision_edit(decision=decision, by=people["author"], changes={})
        assert decision.review_requests.get().state == "approved"

    def test_only_the_author_edits_and_only_drafts_and_proposals(self, people):
        decision = proposal(people)
        with pytest.raises(NotAllowed):
            workflow.decision_edit(decision=decision, by=people["architect"], changes={"title": "Another title"})
        accepted = AssessedDecisionFactory(status="accepted", author=people["author"])
        with pytest.raises(NotAllowed):
            workflow.decision_edit(decision=accepted, by=people["author"], changes={"title": "Another title"})


class TestComments:
    def test_replies_stay_one_level_deep(self, people):
        decision = DecisionFactory()
        top = workflow.comment_post(decision=decision, by=people["reviewer"], body="Q?")
        reply = workflow.comment_post(decision=decision, by=people["author"], body="A.", parent=top)
        deeper = workflow.comment_post(decision=decision, by=people["reviewer"], body="Thanks", parent=reply)
        assert reply.parent == top and deeper.parent == top

    def test_editing_keeps_the_old_text(self, people):
        comment = workflow.comment_post(decision=DecisionFactory(), by=people["reviewer"], body="Frist")
        workflow.comment_edit(comment=comment, by=people["reviewer"], body="First")
        assert comment.edited_at is not None
        assert [h.body for h in comment.history.order_by("history_date")] == ["Frist", "First"]

    def test_retracting_keeps_the_comment(self, people):
        comment = workflow.comment_post(decision=DecisionFactory(), by=people["reviewer"], body="Oops")
        workflow.comment_retract(comment=comment, by=people["reviewer"])
        comment.refresh_from_db()
        assert comment.retracted_at and comment.body == "Oops"
        with pytest.raises(NotAllowed):
            workflow.comment_edit(comment=comment, by=people["reviewer"], body="again")

    def test_others_cannot_change_a_comment(self, people):
        comment = CommentFactory(author=people["reviewer"])
        with pytest.raises(NotAllowed):
            workflow.comment_edit(comment=comment, by=people["author"], body="x")
        with pytest.raises(NotAllowed):
            workflow.comment_retract(comment=comment, by=people["author"])

    def test_viewers_cannot_comment(self, people):
        with pytest.raises(NotAllowed):
            workflow.comment_post(decision=DecisionFactory(), by=people["manager"], body="hi")

    def test_comments_are_never_deleted(self):
        comment = CommentFactory()
        with pytest.raises(Exception, match="never deleted"):
            comment.delete()
        assert Comment.objects.filter(pk=comment.pk).exists()


class TestNotifications:
    def test_each_party_hears_once_by_mail_and_in_the_app(self, people, django_capture_on_commit_callbacks):
        decision = AssessedDecisionFactory(status="draft", author=people["author"])
        with django_capture_on_commit_callbacks(execute=True):
            workflow.decision_propose(decision=decision, by=people["author"], reviewers=[people["reviewer"]])
        assert [m.to for m in mail.outbox] == [["rui@example.org"]]
        assert "asks you to review" in mail.outbox[0].subject
        assert decision.get_absolute_url() in mail.outbox[0].body
        with django_capture_on_commit_callbacks(execute=True):
            workflow.review_submit(decision=decision, by=people["reviewer"], verdict="approved", body="")
            workflow.comment_post(decision=decision, by=people["reviewer"], body="Nice")
            workflow.decision_transition(decision=decision, to="accepted", by=people["architect"])
        assert [m.to for m in mail.outbox[1:]] == [["ada@example.org"]] * 3
        assert people["author"].notifications.filter(read_at__isnull=True).count() == 3

    def test_the_same_event_never_notifies_twice(self, people, django_capture_on_commit_callbacks):
        decision = DecisionFactory(author=people["author"])
        from decisions import notifications

        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(3):
                notifications.notify(recipients=[people["author"]], actor=people["reviewer"], decision=decision,
                                     event="comment:1", text="x")  # fmt: skip
        assert len(mail.outbox) == 1 and Notification.objects.count() == 1

    def test_nobody_is_notified_of_their_own_action(self, people, django_capture_on_commit_callbacks):
        decision = DecisionFactory(author=people["author"])
        with django_capture_on_commit_callbacks(execute=True):
            workflow.comment_post(decision=decision, by=people["author"], body="Note to self")
        assert mail.outbox == [] and not Notification.objects.exists()

    def test_a_failing_mail_server_does_not_fail_the_action(self, people, monkeypatch, caplog,
                                                             django_capture_on_commit_callbacks):  # fmt: skip
        def refuse(*args, **kwargs):
            raise smtplib.SMTPConnectError(421, "down")

        monkeypatch.setattr("decisions.notifications.send_mail", refuse)
        decision = DecisionFactory(author=people["author"])
        with django_capture_on_commit_callbacks(execute=True):
            comment = workflow.comment_post(decision=decision, by=people["reviewer"], body="Still saved")
        assert Comment.objects.filter(pk=comment.pk).exists()
        assert Notification.objects.filter(recipient=people["author"]).exists()
        assert "Gave up on the e-mail for notification" in caplog.text  # after trying again (decisions.retry)
        assert caplog.text.count("trying again later") == len(retry.BACKOFF_MINUTES)


def test_review_requests_are_unique_per_reviewer(people):
    decision = proposal(people)
    workflow.decision_transition(decision=decision, to="draft", by=people["author"])
    workflow.decision_propose(decision=decision, by=people["author"], reviewers=[people["reviewer"]])
    request = ReviewRequest.objects.get()
    assert (request.state, request.round) == ("waiting", 2)


@pytest.mark.django_db(transaction=True)
def test_a_review_and_an_acceptance_racing_never_both_win():
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers, so there is no real parallel transaction to test")
    import threading

    author = UserFactory(username="ada", role=roles.ARCHITECTS)
    approver = UserFactory(username="rui", role=roles.REVIEWERS)
    objector = UserFactory(username="sam", role=roles.REVIEWERS)
    for attempt in range(5):
        decision = AssessedDecisionFactory(status="draft", author=author, title=f"Race {attempt}")
        workflow.decision_propose(decision=decision, by=author, reviewers=[approver, objector])
        workflow.review_submit(decision=decision, by=approver, verdict="approved", body="")
        barrier = threading.Barrier(2)
        outcomes = {}

        def run(name, action, barrier=barrier, outcomes=outcomes):
            try:
                barrier.wait(timeout=10)
                action()
                outcomes[name] = "done"
            except (TransitionRefused, NotAllowed) as refusal:
                outcomes[name] = type(refusal).__name__
            finally:
                connection.close()

        threads = [
            threading.Thread(target=run, args=("accept", lambda d=decision: workflow.decision_transition(
                decision=Decision.objects.get(pk=d.pk), to="accepted", by=author))),
            threading.Thread(target=run, args=("object", lambda d=decision: workflow.review_submit(
                decision=Decision.objects.get(pk=d.pk), by=objector, verdict="changes_requested", body="Wait"))),
        ]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        decision.refresh_from_db()
        objected = Review.objects.filter(decision=decision, verdict="changes_requested").exists()
        assert sorted(outcomes.values()) in (["NotAllowed", "done"], ["TransitionRefused", "done"]), outcomes
        assert (decision.status == "accepted") != objected
