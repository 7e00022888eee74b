"""The recommendation rules: no database needed."""

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from decisions import factors
from decisions.factors import Recommendation, Strength, recommend

TABLE = Path(__file__).parent / "data" / "recommendation_table.csv"
KEYS = ("visibility", "growth", "coordination", "coupling")


def _rows():
    with TABLE.open() as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


@pytest.mark.parametrize("row", _rows(), ids=lambda r: "-".join(r[k] for k in KEYS))
def test_every_combination_matches_the_table(row):
    result = recommend(False, {key: int(row[key]) for key in KEYS})
    assert (result.score, result.recommendation.value, result.strength.value) == (
        int(row["score"]),
        row["recommendation"],
        row["strength"],
    )
    assert result.complete


def test_the_table_covers_all_81_combinations():
    assert len({tuple(row[k] for k in KEYS) for row in _rows()}) == 81


def test_the_sync_gate_recommends_sync_and_sets_the_factors_aside():
    result = recommend(True, {"visibility": 1, "growth": 3})
    assert result.recommendation is Recommendation.SYNC
    assert result.drivers == ()
    assert result.complete


def test_nothing_is_recommended_before_the_gate_is_answered():
    result = recommend(None, {"visibility": 3})
    assert result.recommendation is None
    assert not result.complete


def test_a_partial_answer_gives_a_provisional_recommendation():
    result = recommend(False, {"visibility": 3, "growth": None})
    assert result.recommendation is Recommendation.COMMAND
    assert result.answered == 1
    assert not result.complete


def test_drivers_read_in_words_with_their_pull():
    result = recommend(False, {"visibility": 3, "growth": 1, "coordination": 2, "coupling": 1})
    assert [str(d) for d in result.pulling] == [
        "flow visibility: one place to debug is essential, pulls to Command",
        "expected growth: no new reactions expected, pulls to Command",
        "cost of coupling: the downstream is a simple utility, pulls to Command",
    ]
    assert result.strength is Strength.STRONG


def test_drivers_that_agree_with_the_recommendation_come_first():
    result = recommend(False, {"visibility": 3, "growth": 3, "coordination": 3, "coupling": 2})
    assert result.recommendation is Recommendation.EVENT
    assert [d.towards for d in result.pulling] == ["Event", "Event", "Command"]


def test_an_unknown_level_is_refused():
    with pytest.raises(ValueError, match="no level 7"):
        recommend(False, {"visibility": 7})


@pytest.mark.parametrize(
    ("recommended", "style", "needed"),
    [
        ({"visibility": 3, "growth": 1, "coordination": 1, "coupling": 1}, "command", False),
        ({"visibility": 3, "growth": 1, "coordination": 1, "coupling": 1}, "event", True),
        ({"visibility": 3, "growth": 3, "coordination": 2, "coupling": 2}, "command", True),
        ({"visibility": 3, "growth": 3, "coordination": 2, "coupling": 2}, "event", True),
    ],
)
def test_a_justification_is_needed_against_the_recommendation_or_when_balanced(recommended, style, needed):
    assert factors.needs_justification(recommend(False, recommended), style) is needed


def test_choosing_async_for_a_sync_flow_needs_a_justification():
    assert factors.needs_justification(recommend(True, {}), "event")
    assert not factors.needs_justification(recommend(True, {}), "sync")


def test_every_level_is_labelled_in_words_not_numbers():
    for factor in factors.FACTORS:
        assert len(factor.levels) >= 3
        for level in factor.levels:
            assert not level.label.strip().isdigit()
            assert len(level.label.split()) >= 3


def test_precedent_summary_counts_the_most_common_choice():
    assert factors.summarise_choices(["event", "event", "command", "event", "event"]) == (
        "4 of 5 similar decisions chose Event"
    )
    assert factors.summarise_choices(["sync"]) == "1 of 1 similar decision chose Sync"
    assert factors.summarise_choices([]) == ""


# Monotonicity: moving one factor along its scale never moves the outcome against its pull.
levels = st.integers(min_value=1, max_value=3)
answers = st.fixed_dictionaries(dict.fromkeys(KEYS, levels))
ORDER = {Recommendation.COMMAND: -1, Recommendation.BALANCED: 0, Recommendation.EVENT: 1}


@given(answers=answers, factor=st.sampled_from(factors.FACTORS))
def test_raising_a_factor_never_moves_against_its_pull(answers, factor):
    if answers[factor.key] == 3:
        return
    before = recommend(False, answers)
    after = recommend(False, answers | {factor.key: answers[factor.key] + 1})
    if factor.high_pulls == factors.EVENT_PULL:
        assert ORDER[after.recommendation] >= ORDER[before.recommendation]
        assert after.score >= before.score
    else:
        assert ORDER[after.recommendation] <= ORDER[before.recommendation]
        assert after.score <= before.score


@given(answers=answers)
def test_the_recommendation_is_deterministic(answers):
    assert recommend(False, answers) == recommend(False, dict(answers))
