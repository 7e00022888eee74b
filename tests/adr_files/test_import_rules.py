"""A re-import respects the workflow, and no number a file gives can stop filing."""

import pytest
from django.urls import reverse

from decisions import workflow
from decisions.models import Counter, Decision, Transition
from tests.factories import DecisionFactory

pytestmark = pytest.mark.django_db
TEXT = "# {title}\n\n## Status\n\n{status}\n\n## Context\n\nWhy.\n"


def import_as(status: str, by=None, name="0001-use-events.md", title="1. Use events"):
    data = TEXT.format(title=title, status=status).encode()
    report = workflow.adrs_import([(name, data)], collection="team", by=by)
    return report.results[0]


def test_a_reimport_walks_only_the_import_graph_and_says_why_it_refuses(architect):
    import_as("Proposed", architect)
    walk = ["Accepted", "Draft", "Rejected", "Accepted", "Superseded", "Proposed"]
    outcomes = [(status, import_as(status, architect).outcome) for status in walk]
    assert outcomes == [
        ("Accepted", "updated"),  # decided in the team's own repository
        ("Draft", "refused"),  # an accepted decision never goes back
        ("Rejected", "refused"),
        ("Accepted", "unchanged"),
        ("Superseded", "updated"),
        ("Proposed", "refused"),
    ]
    decision = Decision.objects.get()
    assert decision.status == "superseded"
    moves = list(Transition.objects.filter(decision=decision).values_list("from_status", "to_status", "note"))
    assert moves == [
        ("proposed", "accepted", "Status set by import from 0001-use-events.md"),
        ("accepted", "superseded", "Status set by import from 0001-use-events.md"),
    ]
    refused = import_as("Draft", architect)
    assert refused.reason == f"{decision.code}: a superseded decision cannot become draft, so the file is not applied"


def test_a_reimport_may_not_decide_a_proposal_under_review_in_the_app(architect, reviewer):
    import_as("Draft", architect)
    decision = Decision.objects.get()
    workflow.decision_propose(decision=decision, by=architect, reviewers=[reviewer])
    result = import_as("Accepted", architect)
    assert result.outcome == "refused" and "under review in the app" in result.reason
    decision.refresh_from_db()
    assert decision.status == "proposed"


def test_the_timeline_shows_an_imported_move_as_an_import(architect, manager_client):
    import_as("Proposed", architect)
    import_as("Accepted", architect)
    page = manager_client.get(reverse("decision_detail", args=[Decision.objects.get().number])).content.decode()
    assert "imported team/0001-use-events.md, which moved it from proposed to accepted" in page


@pytest.mark.parametrize("number", ["2147483647", "99999999999", "-1", "0", "1e9", "abc", "100000"])
def test_no_number_in_a_file_stops_filing(architect, number):
    data = f"---\nnumber: {number}\ntitle: Odd number\nstatus: accepted\n---\n\nWhy.\n".encode()
    report = workflow.adrs_import([("odd.md", data)], collection="team", by=architect)
    assert report.committed and not report.broken
    imported = Decision.objects.get()
    assert 1 <= imported.number < 100_000
    assert Counter.objects.get(name="decision").value < 100_000
    assert DecisionFactory().number == imported.number + 1


def test_a_number_in_range_is_kept_and_the_counter_moves_past_it(architect):
    data = b"---\nnumber: 99999\ntitle: Last kept number\nstatus: accepted\n---\n\nWhy.\n"
    workflow.adrs_import([("last.md", data)], collection="team", by=architect)
    assert Decision.objects.get().number == 99_999
    assert DecisionFactory().number == 100_000  # filing in the app goes on past the kept range
