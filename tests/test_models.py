import threading

import pytest
from django.db import connection, transaction

from decisions import workflow
from decisions.models import Counter, Decision, DecisionDeletionError, SearchDocument, SearchTerms
from tests.factories import AssessedDecisionFactory, DecisionFactory, FlowFactory


@pytest.mark.django_db
class TestNumbering:
    def test_numbers_count_up_and_show_as_adr_codes(self):
        first, second = DecisionFactory(), DecisionFactory()
        assert second.number == first.number + 1
        assert first.code == f"ADR-{first.number:04d}"

    def test_a_number_is_never_reused_even_if_the_newest_decision_is_gone_from_the_table(self):
        first = DecisionFactory()
        for index in (SearchTerms, SearchDocument):
            index.objects.filter(pk=first.pk)._raw_delete(connection.alias)
        Decision.objects.filter(pk=first.pk)._raw_delete(connection.alias)  # as if lost by a restore
        assert DecisionFactory().number == first.number + 1

    def test_numbering_survives_a_missing_counter_row(self):
        DecisionFactory()
        highest = Decision.objects.order_by("-number").first().number
        Counter.objects.all()._raw_delete(connection.alias)
        assert DecisionFactory().number == highest + 1

    def test_saving_again_keeps_the_number(self):
        decision = DecisionFactory()
        number = decision.number
        decision.title = "Renamed"
        decision.save()
        assert decision.number == number


@pytest.mark.django_db(transaction=True)
def test_parallel_creations_get_unique_numbers():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers, so there is no real parallel transaction to test")
    DecisionFactory()
    start_after = Counter.objects.get(name="decision").value
    parallel = 8
    barrier = threading.Barrier(parallel)
    numbers, errors = [], []

    def create(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                numbers.append(Decision.objects.create(title=f"Parallel {index}").number)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == list(range(start_after + 1, start_after + parallel + 1))


@pytest.mark.django_db
class TestNeverDeleted:
    def test_a_decision_refuses_deletion(self):
        decision = DecisionFactory()
        with pytest.raises(DecisionDeletionError):
            decision.delete()
        assert Decision.objects.filter(pk=decision.pk).exists()

    def test_a_queryset_refuses_deletion(self):
        DecisionFactory()
        with pytest.raises(DecisionDeletionError):
            Decision.objects.all().delete()
        assert Decision.objects.count() == 1


@pytest.mark.django_db
class TestDerivedAssessment:
    def test_the_recommendation_is_stored_on_save(self):
        decision = AssessedDecisionFactory()
        assert decision.recommendation == "command"
        assert decision.recommendation_strength == "leaning"
        assert not decision.against_recommendation

    def test_choosing_against_the_recommendation_is_flagged(self):
        decision = AssessedDecisionFactory(style="event", justification="Decoupling matters more.")
        assert decision.against_recommendation

    def test_a_balanced_recommendation_is_not_against_either_choice(self):
        decision = AssessedDecisionFactory(visibility=3, growth=3, coordination=2, coupling=2, style="event")
        assert decision.recommendation == "balanced"
        assert not decision.against_recommendation

    def test_a_general_decision_has_no_recommendation(self):
        decision = DecisionFactory()
        assert decision.recommendation == ""
        assert not decision.has_assessment
        assert decision.factor_answers == []


@pytest.mark.django_db
class TestHistoryAndSupersession:
    def test_every_save_is_a_revision_with_its_author(self, architect):
        decision = workflow.decision_create(decision=DecisionFactory.build(title="First"), by=architect)
        workflow.decision_edit(decision=decision, by=architect, changes={"title": "Changed"})
        workflow.decision_transition(decision=decision, to="rejected", by=architect, note="Not needed after all.")
        records = list(decision.history.order_by("history_date"))
        assert [r.title for r in records] == ["First", "Changed", "Changed"]
        assert {r.history_user for r in records} == {architect}
        assert records[-1].history_change_reason == "Status changed: draft → rejected"

    def test_accepting_a_superseding_decision_supersedes_the_older_one(self, architect):
        flow = FlowFactory()
        old = AssessedDecisionFactory(flow=flow)
        new = AssessedDecisionFactory.build(flow=flow, supersedes=old, status="accepted")
        workflow.decision_create(decision=new, by=architect)
        old.refresh_from_db()
        assert old.status == "superseded"
        assert list(old.superseded_by.all()) == [new]
        assert old.history.first().history_change_reason == f"Superseded by {new.code}"

    def test_deciding_stamps_the_date(self, architect):
        decision = workflow.decision_create(decision=DecisionFactory.build(status="accepted"), by=architect)
        assert decision.decided_on is not None

    def test_the_current_style_of_a_flow_comes_from_its_latest_accepted_decision(self, architect):
        flow = FlowFactory()
        old = AssessedDecisionFactory(flow=flow, style="command")
        workflow.decision_create(
            decision=AssessedDecisionFactory.build(flow=flow, style="event", supersedes=old, justification="x"),
            by=architect,
        )
        AssessedDecisionFactory(flow=flow, style="sync", status="proposed")
        flow.refresh_from_db()
        assert flow.current_style == "event" and flow.current_decision.style == "event"
