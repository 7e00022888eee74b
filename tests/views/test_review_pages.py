import pytest
from django.urls import reverse

from decisions import roles, workflow
from decisions.models import Comment
from tests.factories import AssessedDecisionFactory, CommentFactory, DecisionFactory, NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(architect, reviewer):
    decision = AssessedDecisionFactory(status="draft", author=architect, title="Publish OrderPlaced")
    workflow.decision_propose(decision=decision, by=architect, reviewers=[reviewer])
    return decision


class TestDecisionPage:
    def test_the_review_state_reads_at_a_glance(self, manager_client, proposal, reviewer):
        page = manager_client.get(proposal.get_absolute_url()).content.decode()
        assert "Still waiting on</dt><dd>rui" in page
        assert "Not ready to accept: It needs 1 more approval" in page
        workflow.review_submit(decision=proposal, by=reviewer, verdict="approved", body="Fine by me")
        page = manager_client.get(proposal.get_absolute_url()).content.decode()
        assert "Approved by</dt><dd>rui" in page and "may be accepted" in page
        assert "Fine by me" in page

    def test_controls_follow_the_role(self, architect_client, reviewer_client, manager_client, proposal, reviewer):
        architect_page = architect_client.get(proposal.get_absolute_url()).content.decode()
        assert ">Accept</button>" not in architect_page  # not offered while the review rule does not hold
        assert ">Reject</button>" in architect_page and "Submit review" not in architect_page
        workflow.review_submit(decision=proposal, by=reviewer, verdict="approved", body="Fine")
        assert ">Accept</button>" in architect_client.get(proposal.get_absolute_url()).content.decode()
        reviewer_page = reviewer_client.get(proposal.get_absolute_url()).content.decode()
        assert "Submit review" in reviewer_page and ">Accept</button>" not in reviewer_page  # may review again
        assert "Add a comment" in reviewer_page
        manager_page = manager_client.get(proposal.get_absolute_url()).content.decode()
        for control in ("Submit review", ">Accept</button>", "Add a comment", ">Edit</a>", ">Reply<"):
            assert control not in manager_page

    def test_the_timeline_tells_the_whole_story(self, manager_client, proposal, architect, reviewer):
        workflow.comment_post(decision=proposal, by=reviewer, body="Who owns alerts?")
        workflow.review_submit(decision=proposal, by=reviewer, verdict="changes_requested", body="Alerts")
        workflow.decision_edit(decision=proposal, by=architect, changes={"context": "Now with alerts."})
        page = manager_client.get(proposal.get_absolute_url()).content.decode()
        story = [
            "filed the decision", "moved it from draft to proposed", "commented", "requested changes",
            "edited context",
        ]  # fmt: skip
        positions = [page.index(f"</strong> {step}") for step in story]
        assert positions == sorted(positions)

    def test_accepting_before_the_rule_holds_says_why(self, architect_client, proposal):
        response = architect_client.post(reverse("decision_transition", args=[proposal.number]), {"to": "accepted"})
        assert "Nothing changed:" in response.content.decode() and "needs 1 more approval" in response.content.decode()
        proposal.refresh_from_db()
        assert proposal.status == "proposed"

    def test_a_review_requesting_changes_without_a_word_is_refused(self, reviewer_client, proposal):
        response = reviewer_client.post(
            reverse("decision_review", args=[proposal.number]), {"verdict": "changes_requested", "body": ""}
        )
        assert response.status_code == 200 and "Say which changes you need." in response.content.decode()


class TestComments:
    def test_posting_without_javascript_redirects_to_the_comment(self, reviewer_client, proposal):
        response = reviewer_client.post(reverse("comment_create", args=[proposal.number]), {"body": "**Why** now?"})
        comment = Comment.objects.get()
        assert response.status_code == 302 and response.url.endswith(f"#comment-{comment.pk}")
        page = reviewer_client.get(proposal.get_absolute_url()).content.decode()
        assert "<strong>Why</strong> now?" in page

    def test_posting_with_htmx_returns_the_discussion_in_place(self, reviewer_client, proposal):
        response = reviewer_client.post(
            reverse("comment_create", args=[proposal.number]), {"body": "In place"}, headers={"HX-Request": "true"}
        )
        body = response.content.decode()
        assert response.status_code == 200 and body.strip().startswith('<section class="md-section comments"')
        assert "In place" in body and "<html" not in body

    def test_an_empty_comment_is_explained_in_place(self, reviewer_client, proposal):
        response = reviewer_client.post(
            reverse("comment_create", args=[proposal.number]), {"body": "  "}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        assert "Write something before posting." in response.content.decode()
        assert not Comment.objects.exists()

    def test_a_reply_to_a_comment_of_another_decision_is_404(self, reviewer_client, proposal):
        elsewhere = CommentFactory(decision=DecisionFactory())
        response = reviewer_client.post(
            reverse("comment_create", args=[proposal.number]), {"body": "x", "parent": elsewhere.pk}
        )
        assert response.status_code == 404

    def test_editing_marks_the_comment_edited(self, reviewer_client, reviewer, proposal):
        comment = workflow.comment_post(decision=proposal, by=reviewer, body="Frist")
        form = reviewer_client.get(reverse("comment_edit", args=[comment.pk]), headers={"HX-Request": "true"})
        assert "<html" not in form.content.decode() and "Frist" in form.content.decode()
        reviewer_client.post(reverse("comment_edit", args=[comment.pk]), {"body": "First"})
        page = reviewer_client.get(proposal.get_absolute_url()).content.decode()
        assert "First" in page and "· edited" in page

    def test_retracting_shows_it_as_retracted(self, reviewer_client, reviewer, proposal):
        comment = workflow.comment_post(decision=proposal, by=reviewer, body="Hasty words")
        reviewer_client.post(reverse("comment_retract", args=[comment.pk]))
        page = reviewer_client.get(proposal.get_absolute_url()).content.decode()
        assert "This comment was retracted by its author." in page and "Hasty words" not in page
        assert reviewer_client.get(reverse("comment_edit", args=[comment.pk])).status_code == 403

    def test_unknown_comments_are_404(self, reviewer_client):
        assert reviewer_client.get(reverse("comment_edit", args=[999])).status_code == 404
        assert reviewer_client.post(reverse("comment_retract", args=[999])).status_code == 404


class TestMyWork:
    def test_it_gathers_what_waits_on_me(self, client, architect, reviewer, proposal):
        AssessedDecisionFactory(status="draft", author=architect, title="My draft")
        AssessedDecisionFactory(status="accepted", author=architect, title="Old call", revisit_on="2020-01-01")
        client.force_login(architect)
        page = client.get(reverse("my_work")).content.decode()
        assert "My draft" in page and "Publish OrderPlaced" in page and "rui: waiting" in page
        assert "Old call" in page and "revisit was due 1 Jan 2020" in page
        client.force_login(reviewer)
        page = client.get(reverse("my_work")).content.decode()
        assert "Waiting for my review" in page and "Publish OrderPlaced" in page

    def test_it_keeps_a_fixed_number_of_queries(self, client, architect, reviewer, django_assert_max_num_queries):
        for _ in range(8):
            decision = AssessedDecisionFactory(status="draft", author=architect)
            workflow.decision_propose(decision=decision, by=architect, reviewers=[reviewer])
        client.force_login(architect)
        with django_assert_max_num_queries(10):
            client.get(reverse("my_work"))


class TestNotifications:
    def test_the_count_shows_in_the_navigation_and_opening_reads_it(self, client, architect, reviewer, proposal):
        client.force_login(reviewer)
        page = client.get(reverse("decision_list")).content.decode()
        assert 'aria-label="1 unread">1</span>' in page
        notification = reviewer.notifications.get()
        assert "asks you to review" in client.get(reverse("notification_list")).content.decode()
        response = client.post(reverse("notification_open", args=[notification.pk]))
        assert response.url == proposal.get_absolute_url()
        assert "unread" not in client.get(reverse("decision_list")).content.decode()
        NotificationFactory(recipient=reviewer, read_at=None)
        client.force_login(architect)
        assert "unread" not in client.get(reverse("decision_list")).content.decode(), "another person's count"

    def test_mark_all_as_read(self, client):
        user = UserFactory(role=roles.VIEWERS)
        NotificationFactory.create_batch(3, recipient=user)
        client.force_login(user)
        client.post(reverse("notification_read_all"))
        assert not user.notifications.filter(read_at__isnull=True).exists()

    def test_nothing_new_says_what_to_expect(self, manager_client):
        assert "Nothing new" in manager_client.get(reverse("notification_list")).content.decode()


def test_recent_activity_spans_decisions_in_fixed_queries(manager_client, architect, reviewer,
                                                          django_assert_max_num_queries):  # fmt: skip
    for index in range(6):
        decision = AssessedDecisionFactory(status="draft", author=architect, title=f"Decision {index}")
        workflow.decision_propose(decision=decision, by=architect, reviewers=[reviewer])
        workflow.comment_post(decision=decision, by=reviewer, body="hm")
    with django_assert_max_num_queries(10):
        page = manager_client.get(reverse("activity")).content.decode()
    assert "moved it from draft to proposed" in page and "commented" in page
    assert "Decision 5" in page and "Decision 0" in page


def test_the_panel_offers_ask_again_when_it_is_the_authors_turn(architect, architect_client, reviewer):
    decision = AssessedDecisionFactory(author=architect, status="draft")
    workflow.decision_propose(decision=decision, by=architect, reviewers=[reviewer])
    workflow.review_submit(decision=decision, by=reviewer, verdict="changes_requested", body="Name the topic.")
    page = architect_client.get(decision.get_absolute_url()).content.decode()
    assert "nobody: the author's turn" in page and f"Ask {reviewer.username} to review again" in page
    request = decision.review_requests.get()
    response = architect_client.post(reverse("review_ask_again", args=[decision.number]), {"request": request.pk})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == "waiting"
    assert "(asked again)" in architect_client.get(decision.get_absolute_url()).content.decode()


def test_people_are_named_by_their_full_name_wherever_they_have_one(architect, reviewer, manager_client):
    reviewer.first_name, reviewer.last_name = "Rui", "Reviewer"
    reviewer.save()
    decision = AssessedDecisionFactory(status="draft", author=architect)
    workflow.decision_propose(decision=decision, by=architect, reviewers=[reviewer])
    workflow.comment_post(decision=decision, by=reviewer, body="Who owns the alerts?")
    page = manager_client.get(decision.get_absolute_url()).content.decode()
    assert "Still waiting on</dt><dd>Rui Reviewer" in page
    assert "<strong>Rui Reviewer</strong>" in page  # the comment's author
    assert ">rui<" not in page
    history = manager_client.get(reverse("decision_history", args=[decision.number])).content.decode()
    assert architect.get_username() in history  # no full name: the username
