import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from decisions import factors
from decisions.models import Decision
from tests.factories import AssessedDecisionFactory, FlowFactory

pytestmark = pytest.mark.django_db


def _answers(**overrides):
    data = {
        "title": "Publish OrderPlaced",
        "status": "draft",
        "caller_needs_result": "false",
        "visibility": "1", "visibility_reason": "Each step stands alone.",
        "growth": "3", "growth_reason": "Marketing wants in.",
        "coordination": "3", "coordination_reason": "We run a registry.",
        "coupling": "3", "coupling_reason": "Separate domains.",
        "style": "event",
        "logic_location": "Each consumer owns its reaction.",
        "context": "Why.", "decision_text": "What.", "consequences": "So.",
        "tags": "Orders, kafka ,orders",
    }  # fmt: skip
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


class TestCreate:
    def test_an_architect_files_a_decision(self, architect_client, architect):
        flow = FlowFactory()
        response = architect_client.post(reverse("decision_create"), _answers(flow=flow.pk))
        decision = Decision.objects.get()
        assert response.status_code == 302 and response.url == decision.get_absolute_url()
        assert decision.author == architect
        assert decision.recommendation == "event" and decision.recommendation_strength == "strong"
        assert decision.tags == "orders,kafka"
        assert decision.history.get().history_user == architect

    def test_the_form_page_shows_the_questions_with_help_links(self, architect_client):
        page = architect_client.get(reverse("decision_create")).content.decode()
        assert "Must the caller know the result immediately?" in page
        assert "the teams cannot take on more schema, tracing and ownership work" in page
        assert page.count('href="/help/factors/#') >= 5
        assert "<title>File a decision · Decision Log</title>" in page

    def test_a_flow_can_be_preselected(self, architect_client):
        flow = FlowFactory()
        page = architect_client.get(reverse("decision_create"), {"flow": flow.pk}).content.decode()
        assert f'<option value="{flow.pk}" selected>' in page
        assert architect_client.get(reverse("decision_create"), {"flow": "x'"}).status_code == 200

    def test_errors_are_explained_and_nothing_typed_is_lost(self, architect_client):
        flow = FlowFactory()
        response = architect_client.post(
            reverse("decision_create"),
            _answers(flow=flow.pk, title="   ", visibility_reason="", coupling=None, context="Keep this text"),
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert "Give the decision a title." in page
        assert "Say why you picked this level." in page
        assert "Pick the level that fits: cost of coupling." in page
        assert "Keep this text" in page
        assert not Decision.objects.exists()

    def test_a_flow_decision_must_answer_the_gate(self, architect_client):
        response = architect_client.post(
            reverse("decision_create"), _answers(flow=FlowFactory().pk, caller_needs_result=None)
        )
        assert "Answer this first" in response.content.decode()

    def test_sync_needs_a_reason_and_sets_the_factors_aside(self, architect_client):
        flow = FlowFactory()
        response = architect_client.post(
            reverse("decision_create"), _answers(flow=flow.pk, caller_needs_result="true", style="sync")
        )
        assert "Explain why the caller cannot wait" in response.content.decode()
        architect_client.post(
            reverse("decision_create"),
            _answers(flow=flow.pk, caller_needs_result="true", style="sync", sync_reason="The customer waits."),
        )
        decision = Decision.objects.get()
        assert decision.recommendation == "sync"
        assert decision.visibility is None and decision.visibility_reason == ""

    def test_going_against_the_recommendation_requires_a_justification(self, architect_client):
        flow = FlowFactory()
        response = architect_client.post(reverse("decision_create"), _answers(flow=flow.pk, style="command"))
        assert "against the recommendation (Event)" in response.content.decode()
        assert not Decision.objects.exists()
        architect_client.post(
            reverse("decision_create"),
            _answers(flow=flow.pk, style="command", justification="Visibility matters more this year."),
        )
        assert Decision.objects.get().against_recommendation

    def test_balanced_factors_require_saying_what_matters_more(self, architect_client):
        answers = _answers(flow=FlowFactory().pk, visibility="3", growth="3", coordination="2", coupling="2")
        response = architect_client.post(reverse("decision_create"), answers)
        assert "The factors are balanced" in response.content.decode()

    def test_command_and_event_need_to_say_where_the_logic_lives(self, architect_client):
        response = architect_client.post(reverse("decision_create"), _answers(flow=FlowFactory().pk, logic_location=""))
        page = response.content.decode()
        assert "Say where the logic lives. Each consumer owns its reaction" in page

    def test_a_general_decision_needs_no_assessment(self, architect_client):
        response = architect_client.post(
            reverse("decision_create"), {"title": "Use Kafka", "style": "", "context": "Why."}
        )
        assert response.status_code == 302
        decision = Decision.objects.get()
        assert decision.status == "draft" and decision.recommendation == ""

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("tags", "<script>", "is not a tag we can keep"),
            ("title", "x" * 201, "at most 200 characters"),
            ("context", "x" * 50_001, "at most 50000 characters"),
            ("title", "nul\x00byte", "Null characters are not allowed."),
            ("style", "carrier-pigeon", "Select a valid choice"),
            ("visibility", "9", "Select a valid choice"),
            ("decided_on", "yesterday", "Enter a valid date."),
        ],
    )
    def test_bad_input_is_refused_in_plain_words(self, architect_client, field, value, message):
        response = architect_client.post(reverse("decision_create"), _answers(flow=FlowFactory().pk, **{field: value}))
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Decision.objects.exists()

    def test_the_no_script_button_updates_the_recommendation_without_saving(self, architect_client):
        response = architect_client.post(
            reverse("decision_create"),
            {"_assess": "1", "caller_needs_result": "false", "visibility": "3", "growth": "1"},
        )
        page = response.content.decode()
        assert "Command so far" in page
        assert "Give the decision a title." not in page
        assert not Decision.objects.exists()


class TestEdit:
    def test_an_edit_is_a_new_revision(self, architect_client, architect):
        decision = AssessedDecisionFactory(status="draft", author=architect)
        data = _answers(flow=decision.flow.pk, title="Renamed", status="accepted")
        response = architect_client.post(reverse("decision_edit", args=[decision.number]), data)
        assert response.status_code == 302
        decision.refresh_from_db()
        assert decision.title == "Renamed" and decision.status == "draft"
        assert decision.history.count() == 2
        assert decision.history.first().history_user == architect

    def test_a_decision_cannot_supersede_itself(self, architect_client, architect):
        decision = AssessedDecisionFactory(status="draft", author=architect)
        data = _answers(flow=decision.flow.pk, supersedes=decision.code)  # typed as people write ids
        response = architect_client.post(reverse("decision_edit", args=[decision.number]), data)
        assert "A decision cannot supersede itself." in response.content.decode()

    def test_editing_an_unknown_decision_is_404(self, architect_client):
        assert architect_client.get(reverse("decision_edit", args=[777])).status_code == 404


class TestLiveRecommendation:
    def test_the_panel_follows_the_answers(self, architect_client):
        url = reverse("decision_assess")
        event = architect_client.post(url, _answers(), headers={"HX-Request": "true"}).content.decode()
        assert 'data-testid="recommendation">Event</p>' in event
        assert "<html" not in event
        command = _answers(visibility="3", growth="1", coordination="1", coupling="1", style="command")
        page = architect_client.post(url, command, headers={"HX-Request": "true"}).content.decode()
        assert 'data-testid="recommendation">Command</p>' in page
        assert "flow visibility: one place to debug is essential, pulls to Command" in page
        assert 'id="logic-hint" class="hint logic-hint" hx-swap-oob="true">The sender orchestrates' in page

    def test_the_panel_follows_the_gate_before_any_factor(self, architect_client):
        url = reverse("decision_assess")
        page = architect_client.post(url, {"title": "X", "caller_needs_result": "false"}).content.decode()
        assert "Async, then. Answer the four factors below" in page and "to start" not in page
        page = architect_client.post(url, {"title": "X"}).content.decode()
        assert "to start." in page and "justification is required" not in page

    def test_precedents_show_the_closest_accepted_decisions(self, architect_client):
        flow = FlowFactory()
        close = AssessedDecisionFactory(title="Close one", style="event", visibility=1, growth=3, coordination=3,
                                        coupling=3, flow=flow)  # fmt: skip
        AssessedDecisionFactory(title="Far one")
        AssessedDecisionFactory(title="Not accepted yet", status="proposed", visibility=1, growth=3)
        page = architect_client.post(reverse("decision_assess"), _answers(flow=flow.pk)).content.decode()
        assert page.index("Close one") < page.index("Far one")
        assert "Not accepted yet" not in page.split("Earlier on this flow")[0]
        assert "1 of 2 similar decisions chose" in page
        assert "Earlier on this flow" in page and close.code in page

    def test_precedents_answered_the_same_way_come_first_newest_first(self):
        same = [AssessedDecisionFactory(decided_on=date(2024, 1, day)) for day in range(1, 8)]
        near = AssessedDecisionFactory(decided_on=date(2025, 1, 1), coupling=3)  # newer, one step away
        assessment = factors.recommend(False, {"visibility": 3, "growth": 1, "coordination": 2, "coupling": 2})
        found = Decision.objects.precedents(assessment=assessment, flow=None, exclude=None).similar
        assert found == list(reversed(same))[:5]
        found = Decision.objects.precedents(assessment=assessment, flow=None, exclude=same[0].pk).similar
        assert near not in found and len(found) == 5
        Decision.objects.filter(pk__in=[d.pk for d in same[2:]]).update(status="deprecated")
        found = Decision.objects.precedents(assessment=assessment, flow=None, exclude=None).similar
        assert found == [same[1], same[0], near]  # fewer than five the same: then the nearest

    def test_precedents_of_a_sync_flow_are_those_whose_caller_needed_the_result(self):
        needed = AssessedDecisionFactory(title="Waits for the answer", caller_needs_result=True, style="sync")
        AssessedDecisionFactory(title="Fire and forget")
        assessment = factors.recommend(True, {})
        found = Decision.objects.precedents(assessment=assessment, flow=None, exclude=None).similar
        assert found == [needed]

    @pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner")
    def test_sqlite_reads_the_precedents_newest_first_from_their_index(self):
        """Not a skip-scan of the index and a sort of every decision answered the same way."""
        AssessedDecisionFactory.create_batch(3)
        assessment = factors.recommend(False, {"visibility": 3, "growth": 1, "coordination": 2, "coupling": 2})
        with CaptureQueriesContext(connection) as queries:
            Decision.objects.precedents(assessment=assessment, flow=None, exclude=None)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE decisions_decision")  # as `migrate` does (decisions/apps.py)
            cursor.execute(f"EXPLAIN QUERY PLAN {queries.captured_queries[0]['sql']}")
            plan = " / ".join(row[3] for row in cursor.fetchall())
        assert "INDEX decision_precedents (status=? AND caller_needs_result=? AND" in plan, plan
        assert "TEMP B-TREE" not in plan, plan

    def test_the_panel_keeps_a_fixed_number_of_queries(self, architect_client, django_assert_max_num_queries):
        AssessedDecisionFactory.create_batch(20)
        answers = _answers(flow=FlowFactory().pk)
        # Session, person, permissions, the flow, its snapshot, the precedents (one query when five
        # were answered the same way, else two) and the flow's earlier decisions; the model's own
        # checks (the flow again, the constraints) are left to the save.
        with django_assert_max_num_queries(8):
            architect_client.post(reverse("decision_assess"), answers)

    def test_garbage_answers_do_not_break_the_panel(self, architect_client):
        response = architect_client.post(reverse("decision_assess"), {"visibility": "zzz", "number": "abc"})
        assert response.status_code == 200


class TestMarkdownPreview:
    def test_it_renders_the_field_that_changed_sanitised(self, architect_client):
        response = architect_client.post(
            reverse("markdown_preview"),
            {"context": "**bold** <script>alert(1)</script>", "consequences": "other"},
            headers={"HX-Request": "true", "HX-Trigger-Name": "context"},
        )
        body = response.content.decode()
        assert "<strong>bold</strong>" in body
        assert "<script" not in body and "other" not in body

    def test_it_refuses_oversized_text_politely(self, architect_client):
        response = architect_client.post(
            reverse("markdown_preview"),
            {"context": "x" * 60_000},
            headers={"HX-Request": "true", "HX-Trigger-Name": "context"},
        )
        assert response.status_code == 200
        assert "at most 50000 characters" in response.content.decode()


def test_errors_are_listed_at_the_top_with_links_to_their_fields(architect_client):
    page = architect_client.post(reverse("decision_create"), {"title": "", "caller_needs_result": "true"}).content
    page = page.decode()
    summary = page[page.index('id="error-summary"') : page.index("</div>", page.index('id="error-summary"'))]
    assert 'href="#id_title"' in summary and 'href="#id_sync_reason"' in summary
    assert 'aria-invalid="true"' in page and 'aria-describedby="id_title_helptext id_title_error"' in page
    assert 'id="id_title_error"' in page  # the message the input points at


def test_a_new_decision_has_no_style_picked_yet(architect_client):
    page = architect_client.get(reverse("decision_create")).content.decode()
    radios = re.findall(r'<input[^>]*name="style"[^>]*>', page)
    assert len(radios) == 4 and not any("checked" in radio for radio in radios)
