import pytest
from django.urls import reverse

from decisions import workflow
from tests.factories import AssessedDecisionFactory, DecisionFactory, FlowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def revised(architect):
    decision = workflow.decision_create(
        decision=DecisionFactory.build(title="First title", context="line one\nline two"), by=architect
    )
    changes = {"title": "Second title", "context": "line one\nline 2 changed\nline three"}
    workflow.decision_edit(decision=decision, by=architect, changes=changes)
    workflow.decision_edit(decision=decision, by=architect, changes={"flow": FlowFactory(name="Order placed")})
    return decision


def test_a_change_of_status_shows_with_its_reason(manager_client, architect, reviewer):
    decision = workflow.decision_create(decision=DecisionFactory.build(), by=architect)
    workflow.decision_propose(decision=decision, by=architect, reviewers=[reviewer])
    page = manager_client.get(reverse("decision_history", args=[decision.number])).content.decode()
    assert '<del class="diff-removed">Draft</del> → <ins class="diff-added">Proposed</ins>' in page
    assert "Status changed: draft → proposed" in page


def test_it_lists_every_revision_with_who_and_what_changed(manager_client, revised):
    page = manager_client.get(reverse("decision_history", args=[revised.number])).content.decode()
    assert page.count('name="from"') == 3
    assert "ada" in page
    assert "Title, Context" in page
    assert "edited flow" in page.lower() or ">Flow<" in page
    assert "(created)" in page


def test_the_default_diff_is_the_latest_change(manager_client, revised):
    page = manager_client.get(reverse("decision_history", args=[revised.number])).content.decode()
    assert '<ins class="diff-added">Order placed</ins>' in page


def test_any_two_revisions_can_be_compared(manager_client, revised):
    first, _, last = revised.history.order_by("history_date")
    page = manager_client.get(
        reverse("decision_history", args=[revised.number]), {"from": first.history_id, "to": last.history_id}
    ).content.decode()
    assert '<del class="diff-removed">First title</del> → <ins class="diff-added">Second title</ins>' in page
    assert '<span class="diff-removed">- line two</span>' in page
    assert '<span class="diff-added">+ line 2 changed</span>' in page
    assert '<span class="diff-same">  line one</span>' in page


def test_reversed_and_unknown_revision_ids_are_handled(manager_client, revised):
    first, _, last = revised.history.order_by("history_date")
    url = reverse("decision_history", args=[revised.number])
    page = manager_client.get(url, {"from": last.history_id, "to": first.history_id}).content.decode()
    assert "First title</del>" in page
    assert manager_client.get(url, {"from": "abc", "to": "99999"}).status_code == 200


def test_assessment_changes_show_in_words(manager_client, architect):
    decision = AssessedDecisionFactory(status="draft", author=architect)
    workflow.decision_edit(
        decision=decision, by=architect, changes={"visibility": 1, "justification": "Decoupling now matters more."}
    )
    page = manager_client.get(reverse("decision_history", args=[decision.number])).content.decode()
    assert "Essential: one place to follow and debug the flow is a must</del>" in page
    assert "Not needed: each step can be understood on its own</ins>" in page
    assert "Decoupling now matters more." in page


def test_hostile_text_in_a_diff_is_escaped(manager_client, architect):
    decision = workflow.decision_create(decision=DecisionFactory.build(title="Safe"), by=architect)
    workflow.decision_edit(decision=decision, by=architect, changes={"title": '<img src=x onerror="alert(1)">'})
    page = manager_client.get(reverse("decision_history", args=[decision.number])).content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page


def test_unknown_decision_is_404(manager_client):
    assert manager_client.get(reverse("decision_history", args=[5555])).status_code == 404


def test_history_keeps_a_fixed_number_of_queries(manager_client, architect, django_assert_max_num_queries):
    decision = workflow.decision_create(decision=DecisionFactory.build(), by=architect)
    for index in range(15):
        workflow.decision_edit(
            decision=decision, by=architect, changes={"title": f"Title {index}", "flow": FlowFactory()}
        )
    with django_assert_max_num_queries(8):
        manager_client.get(reverse("decision_history", args=[decision.number]))
