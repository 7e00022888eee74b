"""Writes that race never lose an update: each works from the row as it is when it locks it.

The stale-copy tests replay a race step by step (a copy loaded, someone else's write, then the
write from the old copy) and run on both databases. The parallel tests run two real
transactions at once; SQLite lets one writer in at a time, so they are PostgreSQL's.
"""

import threading

import pytest
from django.db import connection

from decisions import workflow
from decisions.access import NotAllowed
from decisions.models import Comment, Decision, Transition
from decisions.status import TransitionRefused
from tests.factories import AssessedDecisionFactory

pytestmark = pytest.mark.django_db(transaction=True)
TRIALS = 10


def parallel_only():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers, so there is no real parallel transaction to test")


def parallel(**actions) -> dict[str, str]:
    """Run the actions at once, each in its own thread and connection: name → done or the refusal."""
    barrier = threading.Barrier(len(actions))
    outcomes: dict[str, str] = {}

    def run(name, action):
        try:
            prepared = action()  # loads its own copy first, as a request would
            barrier.wait(timeout=10)
            prepared()
            outcomes[name] = "done"
        except (TransitionRefused, NotAllowed, workflow.EditConflict) as refusal:
            outcomes[name] = type(refusal).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in actions.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def approved_proposal(people, title="Use events") -> Decision:
    decision = AssessedDecisionFactory(status="draft", author=people["author"], title=title)
    workflow.decision_propose(decision=decision, by=people["author"], reviewers=[people["reviewer"]])
    workflow.review_submit(decision=decision, by=people["reviewer"], verdict="approved", body="Fine.")
    return decision


def fresh(decision: Decision) -> Decision:
    return Decision.objects.get(pk=decision.pk)


def test_an_edit_from_a_copy_loaded_before_an_accept_never_reverts_it(people):
    decision = approved_proposal(people)
    stale = fresh(decision)
    workflow.decision_transition(decision=fresh(decision), to="accepted", by=people["architect"])
    with pytest.raises(TransitionRefused, match="accepted now, so it can no longer be edited"):
        workflow.decision_edit(decision=stale, by=people["author"], changes={"title": "Sharper"})
    assert (fresh(decision).status, fresh(decision).title) == ("accepted", "Use events")


def test_an_edit_without_a_revision_changes_only_the_fields_it_sends(people):
    decision = AssessedDecisionFactory(status="draft", author=people["author"])
    first, second = fresh(decision), fresh(decision)
    workflow.decision_edit(decision=first, by=people["author"], changes={"title": "From the first tab"})
    workflow.decision_edit(decision=second, by=people["author"], changes={"context": "From the second tab"})
    assert (fresh(decision).title, fresh(decision).context) == ("From the first tab", "From the second tab")


def test_an_edit_with_an_old_revision_is_refused(people):
    decision = AssessedDecisionFactory(status="draft", author=people["author"])
    revision = decision.latest_revision_id()
    workflow.decision_edit(decision=fresh(decision), by=people["author"], changes={"title": "Newer"})
    with pytest.raises(workflow.EditConflict):
        workflow.decision_edit(
            decision=fresh(decision), by=people["author"], changes={"title": "Old"}, based_on=revision
        )
    assert fresh(decision).title == "Newer"


def test_a_transition_from_a_stale_copy_keeps_the_fields_saved_since(people):
    decision = AssessedDecisionFactory(status="draft", author=people["author"])
    stale = fresh(decision)
    workflow.decision_edit(decision=fresh(decision), by=people["author"], changes={"title": "Edited meanwhile"})
    workflow.decision_propose(decision=stale, by=people["author"], reviewers=[people["reviewer"]])
    assert (fresh(decision).status, fresh(decision).title) == ("proposed", "Edited meanwhile")


def test_a_comment_edited_from_a_copy_loaded_before_its_retraction_stays_retracted(people):
    decision = AssessedDecisionFactory()
    comment = workflow.comment_post(decision=decision, by=people["reviewer"], body="First thought")
    stale = Comment.objects.get(pk=comment.pk)
    workflow.comment_retract(comment=Comment.objects.get(pk=comment.pk), by=people["reviewer"])
    with pytest.raises(NotAllowed):
        workflow.comment_edit(comment=stale, by=people["reviewer"], body="Second thought")
    current = Comment.objects.get(pk=comment.pk)
    assert current.retracted_at is not None and current.body == "First thought"


def test_a_retraction_from_a_copy_loaded_before_an_edit_keeps_the_edit(people):
    decision = AssessedDecisionFactory()
    comment = workflow.comment_post(decision=decision, by=people["reviewer"], body="First thought")
    stale = Comment.objects.get(pk=comment.pk)
    workflow.comment_edit(comment=Comment.objects.get(pk=comment.pk), by=people["reviewer"], body="Second thought")
    workflow.comment_retract(comment=stale, by=people["reviewer"])
    current = Comment.objects.get(pk=comment.pk)
    assert current.retracted_at is not None and current.body == "Second thought"


def test_edit_and_accept_in_parallel_never_lose_the_accept(people):
    parallel_only()
    for trial in range(TRIALS):
        decision = approved_proposal(people, title=f"Race {trial}")

        def edit(d=decision):
            copy = fresh(d)
            return lambda: workflow.decision_edit(decision=copy, by=people["author"], changes={"context": "Later"})

        def accept(d=decision):
            copy = fresh(d)
            return lambda: workflow.decision_transition(decision=copy, to="accepted", by=people["architect"])

        outcomes = parallel(edit=edit, accept=accept)
        final = fresh(decision)
        accepted = Transition.objects.filter(decision=decision, to_status="accepted").exists()
        assert (outcomes["accept"] == "done") == accepted == (final.status == "accepted"), outcomes
        # Either the edit came first (its change made the approval stale, so the accept was
        # refused), or the accept did (and the edit was refused): never both, never neither.
        assert sorted(outcomes.values()) == ["TransitionRefused", "done"], outcomes


def test_two_edits_in_parallel_both_land(people):
    parallel_only()
    for trial in range(TRIALS):
        decision = AssessedDecisionFactory(status="draft", author=people["author"], title=f"Race {trial}")

        def edit(name, value, d=decision):
            def prepare():
                copy = fresh(d)
                return lambda: workflow.decision_edit(decision=copy, by=people["author"], changes={name: value})

            return prepare

        outcomes = parallel(title=edit("title", "New title"), context=edit("context", "New context"))
        assert outcomes == {"title": "done", "context": "done"}
        assert (fresh(decision).title, fresh(decision).context) == ("New title", "New context")


def test_comment_edit_and_retraction_in_parallel(people):
    parallel_only()
    decision = AssessedDecisionFactory()
    for trial in range(TRIALS):
        comment = workflow.comment_post(decision=decision, by=people["reviewer"], body=f"Thought {trial}")

        def edit(c=comment):
            copy = Comment.objects.get(pk=c.pk)
            return lambda: workflow.comment_edit(comment=copy, by=people["reviewer"], body="Edited")

        def retract(c=comment):
            copy = Comment.objects.get(pk=c.pk)
            return lambda: workflow.comment_retract(comment=copy, by=people["reviewer"])

        outcomes = parallel(edit=edit, retract=retract)
        current = Comment.objects.get(pk=comment.pk)
        assert outcomes["retract"] == "done" and current.retracted_at is not None, outcomes
        assert (outcomes["edit"] == "done") == (current.body == "Edited"), outcomes


def test_import_and_edit_in_parallel_keep_the_imported_status(people):
    parallel_only()
    text = "# {n}. Imported\n\n## Status\n\n{status}\n\n## Context\n\nFrom the file.\n"
    for trial in range(1, TRIALS + 1):
        name = f"{trial:04d}-imported.md"
        proposed = text.format(n=trial, status="Proposed").encode()
        workflow.adrs_import([(name, proposed)], collection="race", by=people["author"])
        decision = Decision.objects.get(source_path=f"race/{name}")
        accepted = proposed.replace(b"Proposed", b"Accepted")

        def reimport(files=((name, accepted),)):
            return lambda: workflow.adrs_import(list(files), collection="race", by=people["author"])

        def edit(d=decision):
            copy = fresh(d)
            return lambda: workflow.decision_edit(decision=copy, by=people["author"], changes={"title": "Edited"})

        outcomes = parallel(reimport=reimport, edit=edit)
        final = fresh(decision)
        assert outcomes["reimport"] == "done" and final.status == "accepted", outcomes
        assert Transition.objects.filter(decision=decision, imported_from=f"race/{name}").count() == 1
