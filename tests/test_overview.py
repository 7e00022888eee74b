"""The overview's tallies: counted ahead, and always what counting the log again would give."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.test import TestCase, override_settings
from django.utils import timezone

from decisions import charts, overview, workflow
from decisions.models import Decision, StyleTally, Transition
from decisions.templatetags.decisions_tags import chart_bars
from tests.factories import AssessedDecisionFactory, FlowFactory, TeamFactory, TransitionFactory, UserFactory

pytestmark = pytest.mark.django_db

committed = TestCase.captureOnCommitCallbacks  # runs what waits for the commit, as a real request's end would


def tallies() -> dict[tuple[str, str, str], tuple[int, int, int]]:
    rows = StyleTally.objects.values_list("kind", "key", "style", "decided", "assessed", "against")
    return {(kind, key, style): tuple(numbers) for kind, key, style, *numbers in rows}


def assert_tallies_are_true():
    kept = tallies()
    overview.tally_rebuild()
    assert kept == tallies()


def decide(decision, *statuses):
    """Move a decision along the status graph (proposed, then accepted, by default) through the
    workflow, as a superuser with no approvals needed, committing each step."""
    admin = UserFactory(is_superuser=True)
    with override_settings(DECISION_REVIEW_MIN_APPROVALS=0):
        for status in statuses or ("proposed", "accepted"):
            with committed(execute=True):
                workflow.decision_transition(decision=decision, to=status, by=admin, note="Decided in a test.")
    return decision


def test_quarters_are_named_and_bounded():
    assert overview.quarter_of(datetime.date(2026, 11, 26)) == "2026 Q4"
    assert overview.quarter_of(datetime.date(2026, 1, 1)) == "2026 Q1"
    assert overview.quarter_of(None) == ""
    assert overview._quarter_days("2026 Q4") == (datetime.date(2026, 10, 1), datetime.date(2027, 1, 1))
    assert overview._quarter_days("2026 Q2") == (datetime.date(2026, 4, 1), datetime.date(2026, 7, 1))


def test_an_accepted_decision_is_counted_in_its_quarter_and_its_teams():
    team = TeamFactory()
    decision = decide(
        AssessedDecisionFactory(status="draft", style="event", flow=FlowFactory(owner_team=team)), "proposed"
    )
    assert tallies() == {}  # proposals are not counted yet
    decide(decision, "accepted")
    quarter = overview.quarter_of(decision.decided_on)
    assessed, against = (1, int(decision.against_recommendation)) if decision.recommendation else (0, 0)
    assert tallies() == {
        ("quarter", quarter, "event"): (1, assessed, against),
        ("team", str(team.pk), "event"): (1, assessed, against),
    }
    assert_tallies_are_true()


def test_moves_between_quarters_and_teams_are_followed():
    decision = decide(AssessedDecisionFactory(status="draft", style="command"))
    with committed(execute=True):
        now = timezone.now()
        workflow.decision_backdate(decision=decision, anchors=[(now, now)], decided=datetime.date(2023, 2, 1))
    assert {key for _, key, _ in tallies()} == {"2023 Q1", str(decision.flow.owner_team_id)}
    flow = decision.flow
    flow.owner_team = TeamFactory()
    with committed(execute=True):
        workflow.flow_save(flow=flow, consumers=flow.consumers.all())
    assert {key for _, key, _ in tallies()} == {"2023 Q1", str(flow.owner_team_id)}
    assert_tallies_are_true()


def test_an_import_that_changes_a_status_counts_it_again(architect):
    proposed = (
        b"# 1. Use events\n\nDate: 2024-05-02\n\n## Status\n\nProposed\n\n## Context\n\nWhy.\n\n"
        b"## Integration style\n\n- Chosen style: Event\n"
    )
    with committed(execute=True):
        workflow.adrs_import([("0001-use-events.md", proposed)], collection="team", by=architect)
    assert tallies() == {}  # proposals are not in the charts
    accepted = proposed.replace(b"Proposed", b"Accepted")
    with committed(execute=True):
        workflow.adrs_import([("0001-use-events.md", accepted)], collection="team", by=architect)
    assert tallies() == {("quarter", "2024 Q2", "event"): (1, 0, 0)}
    draft = accepted.replace(b"Accepted", b"Draft")
    with committed(execute=True):
        report = workflow.adrs_import([("0001-use-events.md", draft)], collection="team", by=architect)
    assert report.results[0].outcome == "refused"  # an accepted decision never goes back to draft
    assert tallies() == {("quarter", "2024 Q2", "event"): (1, 0, 0)}
    assert_tallies_are_true()


def test_the_overview_reads_the_tallies():
    team = TeamFactory(name="Ledger")
    for style in ("event", "event", "command"):
        decide(AssessedDecisionFactory(status="draft", style=style, flow=FlowFactory(owner_team=team)))
    figures = overview._compute()
    quarter = overview.quarter_of(datetime.date.today())
    assert [(bar.label, bar.counts) for bar in figures["quarter_chart"].bars] == [(quarter, {"event": 2, "command": 1})]
    assert [(bar.label, bar.counts) for bar in figures["team_chart"].bars] == [
        ("Ledger", {"command": 1, "event": 2, "sync": 0})
    ]
    assert figures["assessed"]["total"] == 3


def test_a_decision_knows_since_when_it_has_its_status():
    decision = AssessedDecisionFactory(status="draft")
    filed = decision.status_changed_at
    decision.title = "Retitled"
    decision.save()
    assert Decision.objects.get(pk=decision.pk).status_changed_at == filed
    decide(decision, "proposed")
    assert Decision.objects.get(pk=decision.pk).status_changed_at > filed


def test_waiting_proposals_come_longest_waiting_first_with_the_reviewers_yet_to_answer(architect, reviewer):
    proposals = []
    for title in ("First", "Second", "Third"):
        proposal = AssessedDecisionFactory(status="draft", title=title, author=architect)
        workflow.decision_propose(decision=proposal, by=architect, reviewers=[reviewer, UserFactory()])
        proposals.append(proposal)
    now = timezone.now()
    for days, proposal in zip((1, 5, 3), proposals, strict=True):
        Decision.objects.filter(pk=proposal.pk).update(status_changed_at=now - datetime.timedelta(days=days))
    workflow.review_submit(decision=proposals[1], by=reviewer, verdict="approved", body="")
    figures = overview._compute()
    assert [(d.title, d.waiting_on) for d in figures["waiting"]] == [("Second", 1), ("Third", 2), ("First", 2)]
    assert figures["waiting_count"] == 3


def test_the_migration_takes_since_when_from_the_transitions():
    backfill = importlib.import_module("decisions.migrations.0019_status_changed_at").backfill
    proposal = AssessedDecisionFactory(status="proposed")
    imported = AssessedDecisionFactory(status="accepted")
    proposed_at = timezone.now() - datetime.timedelta(days=9)
    for to_status, at in (("draft", proposed_at - datetime.timedelta(days=1)), ("proposed", proposed_at)):
        Transition.objects.filter(pk=TransitionFactory(decision=proposal, to_status=to_status).pk).update(at=at)
    backfill(apps, None)
    assert Decision.objects.get(pk=proposal.pk).status_changed_at == proposed_at
    assert Decision.objects.get(pk=imported.pk).status_changed_at == imported.created_at


def test_chart_bars_are_drawn_with_escaped_labels_and_plain_numbers():
    chart = charts.stacked_bars([("<b>Ops</b>", {"command": 3, "event": 1}), ("Tiny", {"sync": 1})])
    svg = chart_bars(chart)
    assert "<b>" not in svg and "&lt;b&gt;Ops&lt;/b&gt;: 3 command" in svg
    assert '<rect x="150" y="0" width="315" height="22" fill="url(#fill-command)"' in svg
    assert '<rect x="465" y="0" width="105" height="22" fill="url(#fill-event)"' in svg
    assert svg.count('class="chart-total"') == 2 and ">4</text>" in svg


def test_two_counts_of_one_key_in_a_row_leave_one_true_row():
    decision = decide(AssessedDecisionFactory(status="draft", style="event"))
    keys = {"quarter": {overview.quarter_of(decision.decided_on)}, "team": {str(decision.flow.owner_team_id)}}
    overview.tally_refresh(keys)
    overview.tally_refresh(keys)
    assert StyleTally.objects.count() == 2
    assert_tallies_are_true()


def test_a_failed_count_does_not_undo_the_change(monkeypatch, caplog):
    def broken(keys):
        raise RuntimeError("database went away")

    monkeypatch.setattr(overview, "tally_refresh", broken)
    decision = decide(AssessedDecisionFactory(status="draft", style="event"))
    assert Decision.objects.get(pk=decision.pk).status == "accepted"
    assert "database went away" in caplog.text


def test_the_quarter_chart_shows_the_empty_quarters_between():
    rows = overview._every_quarter({"2024 Q3": {"event": 1}, "2025 Q2": {"command": 2}})
    assert [label for label, _ in rows] == ["2024 Q3", "2024 Q4", "2025 Q1", "2025 Q2"]
    assert rows[1] == ("2024 Q4", {})
    assert overview._every_quarter({}) == []
