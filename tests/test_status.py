"""The status graph: plain Python, no database."""

import itertools

import pytest

from decisions import status
from decisions.status import IMPORT_MOVES, NEXT_STATUSES, Status, TransitionRefused

PAIRS = list(itertools.product(list(Status), repeat=2))


def test_the_people_graph_has_the_documented_moves():
    assert {
        "draft": {"proposed", "rejected"},
        "proposed": {"draft", "accepted", "rejected"},
        "accepted": {"deprecated", "superseded"},
        "rejected": set(),
        "deprecated": set(),
        "superseded": set(),
    } == NEXT_STATUSES


def test_an_import_may_also_record_a_decision_taken_outside_the_app():
    extra = {old: IMPORT_MOVES[old] - NEXT_STATUSES[old] for old in Status}
    assert {old: moves for old, moves in extra.items() if moves} == {"draft": {"accepted"}}


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_a_person_moves_only_along_the_graph_and_never_supersedes_by_hand(old, new):
    if new in NEXT_STATUSES[old] and new != Status.SUPERSEDED:
        status.check_person_move(old, new)
    else:
        with pytest.raises(TransitionRefused, match=f"A {old} decision cannot become {new}"):
            status.check_person_move(old, new)


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_an_import_moves_only_along_the_import_graph(old, new):
    if old == new or new in IMPORT_MOVES[old]:
        status.check_import_move(old, new, under_review=False)
    else:
        with pytest.raises(TransitionRefused, match="so the file is not applied"):
            status.check_import_move(old, new, under_review=False)


@pytest.mark.parametrize("new", ["accepted", "rejected", "draft"])
def test_an_import_never_moves_a_proposal_under_review_in_the_app(new):
    with pytest.raises(TransitionRefused, match="under review in the app"):
        status.check_import_move("proposed", new, under_review=True)
    status.check_import_move("proposed", "proposed", under_review=True)


def test_decided_decisions_never_go_back_by_any_door():
    for old in ("accepted", "rejected", "deprecated", "superseded"):
        for new in ("draft", "proposed"):
            with pytest.raises(TransitionRefused):
                status.check_status_change(old, new)


def test_buttons_say_what_they_do():
    assert status.move_label("draft", "rejected") == "Withdraw"
    assert status.move_label("proposed", "rejected") == "Reject"
    assert status.move_label("proposed", "accepted") == "Accept"
