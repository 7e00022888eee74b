"""The decision page: content first, review and status beside it with one labelled note per action,
"Supersede with a new decision", and the searchable picker for what a decision supersedes."""

import re

import pytest
from django.urls import reverse

from decisions import workflow
from decisions.forms import DecisionForm
from decisions.models import Decision
from tests.factories import AssessedDecisionFactory, DecisionFactory

pytestmark = pytest.mark.django_db


def test_content_comes_before_the_side_panel_and_each_move_has_its_own_labelled_note(architect, architect_client):
    decision = AssessedDecisionFactory(status="accepted", author=architect)
    page = architect_client.get(decision.get_absolute_url()).content.decode()
    side = page.index('aria-label="Review and status"')
    assert page.index("Assessment and choice</h2>") < page.index("Context</h2>") < side < page.index("Change status")
    assert '<label for="note-deprecated">Why deprecate? (optional)</label>' in page
    moves = re.findall(r'<form method="post" action="[^"]*/transition/"', page)
    assert len(moves) == page.count('name="to"') == page.count('<label for="note-') >= 1


def test_a_draft_nobody_reviews_has_no_side_panel(architect, manager_client):
    decision = DecisionFactory(status="draft", author=architect)
    page = manager_client.get(decision.get_absolute_url()).content.decode()
    assert "with-side" not in page and "Review and status" not in page


def test_supersede_with_a_new_decision_starts_a_draft_that_replaces_it(architect, architect_client, manager_client):
    older = AssessedDecisionFactory(status="accepted", author=architect, title="Send orders as commands")
    page = architect_client.get(older.get_absolute_url()).content.decode()
    assert f'href="/decisions/new/?supersedes={older.number}">Supersede with a new decision</a>' in page
    assert "Supersede with a new decision" not in manager_client.get(older.get_absolute_url()).content.decode()
    form = architect_client.get(f"/decisions/new/?supersedes={older.number}").content.decode()
    assert f'value="{older.code} Send orders as commands"' in form
    assert f'<option value="{older.flow_id}" selected>' in form


def test_the_supersedes_picker_suggests_by_number_or_words_and_reads_what_people_type(architect, architect_client):
    kafka = DecisionFactory(title="Use Kafka for orders", context="ledger")
    DecisionFactory(title="Use Postgres", context="storage")
    by_number = architect_client.get(reverse("decision_pick"), {"supersedes": f"ADR-{kafka.number}"})
    assert by_number.content.decode().strip() == f'<option value="{kafka.code} Use Kafka for orders"></option>'
    by_words = architect_client.get(reverse("decision_pick"), {"supersedes": "kafka"}).content.decode()
    assert "Use Kafka for orders" in by_words and "Postgres" not in by_words
    for odd in ("", "-", '"', "OR", "%", "\x00"):
        assert architect_client.get(reverse("decision_pick"), {"supersedes": odd}).status_code == 200

    data = {"title": "Publish orders as events", "style": "", "supersedes": f"{kafka.code} Use Kafka for orders"}
    new = workflow.decision_create(decision=Decision(title="x"), by=architect)
    assert DecisionForm(data, instance=new).fields["supersedes"].clean(data["supersedes"]) == kafka
    bad = DecisionForm({"supersedes": "ADR-999999"}, instance=new)
    bad.is_valid()
    assert "No decision has that id" in bad.errors["supersedes"][0]
