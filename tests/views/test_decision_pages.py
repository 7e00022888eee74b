import re

import pytest
from django.test import Client
from django.urls import reverse

from decisions import workflow
from decisions.models import DecisionLink
from tests.factories import AssessedDecisionFactory, CommentFactory, DecisionFactory, FlowFactory

pytestmark = pytest.mark.django_db


class TestDecisionList:
    def test_it_lists_newest_first_with_badges(self, manager_client):
        old = AssessedDecisionFactory(title="Older one")
        new = DecisionFactory(title="Newer one", status="proposed", style="event")
        page = manager_client.get(reverse("decision_list")).content.decode()
        assert page.index(new.code) < page.index(old.code)
        assert "Older one" in page and old.flow.name in page
        assert '<span class="badge style-event">Event</span>' in page
        assert '<span class="badge status-proposed">Proposed</span>' in page
        assert "Recommended: Command" in page
        assert "<title>Decision log · Decision Log</title>" in page

    def test_it_paginates_and_tolerates_bad_page_numbers(self, manager_client, settings):
        settings.DECISION_LOG_PAGE_SIZE = 2
        decisions = DecisionFactory.create_batch(5)
        for page, expected in [("2", decisions[2]), ("abc", decisions[4]), ("999999999", decisions[0])]:
            response = manager_client.get(reverse("decision_list"), {"page": page})
            assert response.status_code == 200
            assert expected.code in response.content.decode(), page

    def test_htmx_requests_get_only_the_results(self, manager_client):
        DecisionFactory(title="In the fragment")
        response = manager_client.get(reverse("decision_list"), headers={"HX-Request": "true"})
        body = response.content.decode()
        assert "In the fragment" in body
        assert "<html" not in body and body.strip().startswith('<section id="decision-results"')

    def test_boosted_requests_get_the_whole_page(self, manager_client):
        response = manager_client.get(reverse("decision_list"), headers={"HX-Request": "true", "HX-Boosted": "true"})
        assert "<html" in response.content.decode()

    def test_the_empty_log_says_what_to_do(self, architect_client, manager_client):
        assert "File the first decision" in architect_client.get(reverse("decision_list")).content.decode()
        assert "ask one to start" in manager_client.get(reverse("decision_list")).content.decode()

    def test_the_query_count_does_not_grow_with_the_data(self, manager_client, django_assert_max_num_queries):
        AssessedDecisionFactory.create_batch(30)
        with django_assert_max_num_queries(9):
            assert manager_client.get(reverse("decision_list")).status_code == 200


class TestDecisionDetail:
    def test_it_renders_every_section_and_the_assessment(self, manager_client):
        decision = AssessedDecisionFactory(
            context="The **context**.", decision_text="We decided.", consequences="* one", considered_options="Two."
        )
        page = manager_client.get(reverse("decision_detail", args=[decision.number])).content.decode()
        assert "<strong>context</strong>" in page
        assert "We decided." in page and "<li>one</li>" in page and "Considered options" in page
        assert "Support debugs from one place." in page
        assert "Essential: one place to follow and debug the flow is a must" in page
        assert "flow visibility: one place to debug is essential, pulls to Command" in page
        assert f"<title>{decision.code} {decision.title} · Decision Log</title>" in page

    def test_it_says_plainly_when_the_choice_went_against_the_recommendation(self, manager_client):
        decision = AssessedDecisionFactory(style="event", justification="Decoupling matters more for billing.")
        page = manager_client.get(reverse("decision_detail", args=[decision.number])).content.decode()
        assert "went against the recommendation because:" in page
        assert "Decoupling matters more for billing." in page

    def test_a_general_decision_displays_cleanly(self, manager_client):
        decision = DecisionFactory(flow=None)
        page = manager_client.get(reverse("decision_detail", args=[decision.number])).content.decode()
        assert "None: a general decision" in page
        assert "Assessment and choice" not in page

    def test_supersession_links_both_ways(self, manager_client):
        old = AssessedDecisionFactory(status="superseded")
        new = AssessedDecisionFactory(flow=old.flow, supersedes=old)
        old_page = manager_client.get(reverse("decision_detail", args=[old.number])).content.decode()
        new_page = manager_client.get(reverse("decision_detail", args=[new.number])).content.decode()
        assert "Superseded by" in old_page and new.get_absolute_url() in old_page
        assert "Supersedes" in new_page and old.get_absolute_url() in new_page

    def test_unknown_numbers_are_404(self, manager_client):
        assert manager_client.get(reverse("decision_detail", args=[4242])).status_code == 404

    def test_a_fixed_number_of_queries(self, manager_client, architect, django_assert_max_num_queries):
        decision = AssessedDecisionFactory(author=architect)
        newer = AssessedDecisionFactory.create_batch(5, flow=decision.flow, supersedes=decision)
        for other in newer:
            DecisionLink.objects.create(source=decision, target=other, kind="amends")
            DecisionLink.objects.create(source=other, target=decision, kind="relates")
        for index in range(25):
            top = CommentFactory(decision=decision, body=f"Comment {index}")
            CommentFactory(decision=decision, parent=top)
        decision.context = " ".join(f"![{n}]({n}.png)" for n in range(3))
        decision.save()
        for n in range(3):
            workflow.attachment_save(decision=decision, name=f"{n}.png", data=b"\x89PNG\r\n\x1a\n", by=architect)
        # Two more than before imports: the links out of and into the decision; one more for its images.
        with django_assert_max_num_queries(15):
            page = manager_client.get(reverse("decision_detail", args=[decision.number])).content.decode()
        assert page.count('class="comment"') == 50
        assert page.count(f'src="/decisions/{decision.number}/images/') == 3
        assert page.count("<dt>Amends</dt>") == 5 and page.count("<dt>Related to</dt>") == 5


class TestFlowPage:
    def test_decisions_read_oldest_first_as_a_story(self, manager_client):
        flow = FlowFactory()
        first = AssessedDecisionFactory(flow=flow, title="Commands in 2024", status="superseded")
        second = AssessedDecisionFactory(flow=flow, title="Events in 2026", style="event", supersedes=first,
                                         justification="Decoupling.")  # fmt: skip
        page = manager_client.get(reverse("flow_detail", args=[flow.pk])).content.decode()
        assert page.index("Commands in 2024") < page.index("Events in 2026")
        assert f"Supersedes {first.code}" in page
        assert second.get_absolute_url() in page

    def test_flow_list_shows_the_current_style_in_fixed_queries(self, manager_client, django_assert_max_num_queries):
        for _ in range(10):
            decision = AssessedDecisionFactory(flow=FlowFactory(consumers=[]))
            workflow.flow_refresh_current(decision.flow_id)
        with django_assert_max_num_queries(8):
            page = manager_client.get(reverse("flow_list")).content.decode()
        assert page.count('<span class="badge style-command">Command</span>') == 10


def test_a_decision_page_is_kept_for_each_person_until_anything_changes(
    settings, reviewer, reviewer_client, manager_client, django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.DECISION_LOG_CACHE_SECONDS = 60
    decision = AssessedDecisionFactory(status="proposed")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.comment_post(decision=decision, by=reviewer, body="First thoughts.")
    url = decision.get_absolute_url()
    first = reviewer_client.get(url).content.decode()
    assert "First thoughts." in first and "Retract your comment" in first  # her own comment
    with django_assert_max_num_queries(7):  # session, person, permissions, the decision, unread, version with page
        kept = reviewer_client.get(url).content.decode()
    assert "Retract your comment" in kept
    # A kept page carries the token of the view that shows it, which the CSRF check accepts.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reviewer)
    token = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', strict.get(url).content.decode())[-1]
    form = {"body": "Kept, then posted.", "csrfmiddlewaretoken": token}
    posted = strict.post(reverse("comment_create", args=[decision.number]), form)
    assert posted.status_code in (200, 302) and decision.comments.filter(body="Kept, then posted.").exists()
    assert "Retract your comment" not in manager_client.get(url).content.decode()  # kept apart per person
    with django_capture_on_commit_callbacks(execute=True):
        workflow.comment_post(decision=decision, by=reviewer, body="Second thoughts.")
    assert "Second thoughts." in reviewer_client.get(url).content.decode()
