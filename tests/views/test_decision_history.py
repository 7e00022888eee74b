import pytest
from django.urls import reverse

from decisions.workflow import decision_save
from tests.factories import AssessedDecisionFactory, DecisionFactory, FlowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def revised(architect):
    decision = decision_save(decision=DecisionFactory.build(title="First title", context="line one\nline two"),
                             by=architect)  # fmt: skip
    decision.title = "Second title"
    decision.context = "line one\nline 2 changed\nline three"
    decision_save(decision=decision, by=architect, note="After review")
    decision.status = "proposed"
    decision.flow = FlowFactory(name="Order placed")
    decision_save(decision=decision, by=architect)
    return decision


def test_it_lists_every_revision_with_who_and_what_changed(manager_client, revised):
    page = manager_client.get(reverse("decision_history", args=[revised.number])).content.decode()
    assert page.count('name="from"') == 3
    assert "ada" in page
    assert "Title, Context" in page
    assert "After review" in page
    assert "(created)" in page


def test_the_default_diff_is_the_latest_change(manager_client, revised):
    page = manager_client.get(reverse("decision_history", args=[revised.number])).content.decode()
    assert '<del class="diff-removed">Draft</del> → <ins class="diff-added">Proposed</ins>' in page
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
    decision = AssessedDecisionFactory()
    decision.visibility = 1
    decision.justification = "Decoupling now matters more."
    decision_save(decision=decision, by=architect)
    page = manager_client.get(reverse("decision_history", args=[decision.number])).content.decode()
    assert "Essential: one place to follow and debug the flow is a must</del>" in page
    assert "Not needed: each step can be understood on its own</ins>" in page
    assert "Decoupling now matters more." in page


def test_hostile_text_in_a_diff_is_escaped(manager_client, architect):
    decision = decision_save(decision=DecisionFactory.build(title="Safe"), by=architect)
    decision.title = '<img src=x onerror="alert(1)">'
    decision_save(decision=decision, by=architect)
    page = manager_client.get(reverse("decision_history", args=[decision.number])).content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page


def test_unknown_decision_is_404(manager_client):
    assert manager_client.get(reverse("decision_history", args=[5555])).status_code == 404


def test_history_keeps_a_fixed_number_of_queries(manager_client, architect, django_assert_max_num_queries):
    decision = decision_save(decision=DecisionFactory.build(), by=architect)
    for index in range(15):
        decision.title = f"Title {index}"
        decision.flow = FlowFactory()
        decision_save(decision=decision, by=architect)
    with django_assert_max_num_queries(8):
        manager_client.get(reverse("decision_history", args=[decision.number]))
