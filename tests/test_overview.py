"""The overview's tallies: counted ahead, and always what counting the log again would give."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from decisions import charts, overview, workflow
from decisions.adr_files import importer
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
    """Move a decision along the status graph (proposed, then accepted, by default), committing each step."""
    for status in statuses or ("proposed", "accepted"):
        decision.status = status
        with committed(execute=True):
            workflow.decision_save(decision=decision, by=None)
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


def test_moves_between_quarters_styles_flows_and_teams_are_followed():
    decision = decide(AssessedDecisionFactory(status="draft", style="command"))
    decision.decided_on = datetime.date(2023, 2, 1)
    decision.style = "event"
    decision.flow = FlowFactory()
    with committed(execute=True):
        decision.save()
    assert {key for _, key, _ in tallies()} == {"2023 Q1", str(decision.flow.owner_team_id)}
    flow = decision.flow
    flow.owner_team = TeamFactory()
    with committed(execute=True):
        flow.save()
    assert ("team", str(flow.owner_team_id), "event") in tallies()
    assert_tallies_are_true()


def test_deprecated_decisions_stay_counted_rejected_ones_never_were():
    older = decide(AssessedDecisionFactory(status="draft", style="command"))
    decide(older, "deprecated")
    decide(AssessedDecisionFactory(status="draft", style="event"), "proposed", "rejected")
    assert {(kind, style): counts[0] for (kind, _, style), counts in tallies().items()} == {
        ("quarter", "command"): 1,
        ("team", "command"): 1,
    }
    assert_tallies_are_true()


def test_many_saves_in_one_transaction_count_once(monkeypatch):
    calls = []
    monkeypatch.setattr(overview, "tally_refresh", calls.append)
    with committed(execute=True), transaction.atomic():
        for _ in range(5):
            AssessedDecisionFactory(style="event", status="accepted")
    assert len(calls) == 1 and len(calls[0]["team"]) == 5


def test_a_rolled_back_transaction_leaves_the_tallies_true():
    kept = decide(AssessedDecisionFactory(status="draft", style="event"))
    with pytest.raises(RuntimeError), transaction.atomic():
        AssessedDecisionFactory(style="command", status="accepted")
        raise RuntimeError
    decide(kept, "deprecated")
    assert_tallies_are_true()
    assert not Decision.objects.filter(style="command").exists()


def test_an_import_that_changes_a_status_counts_it_again(architect):
    accepted = b"# 1. Use events\n\nDate: 2024-05-02\n\n## Status\n\nAccepted\n\n## Context\n\nWhy.\n"
    with committed(execute=True):
        importer.adrs_import([("0001-use-events.md", accepted)], collection="team", by=architect)
    assert tallies() == {}  # no style: general ADRs are not in the charts
    decision = Decision.objects.get()
    decision.style = "event"
    with committed(execute=True):
        decision.save()
    assert tallies() == {("quarter", "2024 Q2", "event"): (1, 0, 0)}
    draft = accepted.replace(b"Accepted", b"Draft")
    with committed(execute=True):
        importer.adrs_import([("0001-use-events.md", draft)], collection="team", by=architect)
    assert tallies() == {}
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
