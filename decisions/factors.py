"""The sync gate, the four deciding factors and the recommendation.

Plain, deterministic domain code: no Django imports. Each factor is answered on a
scale of 1 to 3. Every level pulls towards Command (-1), towards Event (+1) or
neither (0); the recommendation is the sum of the pulls:

* a sum of 0 is Balanced: the author must say what matters more here,
  visibility or decoupling;
* a negative sum recommends Command, a positive one Event;
* the strength is "strong" when the sum is 3 or more either way, else "leaning".

If the caller must know the result immediately, the flow is synchronous and the
factors do not apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Recommendation(StrEnum):
    SYNC = "sync"
    COMMAND = "command"
    EVENT = "event"
    BALANCED = "balanced"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Strength(StrEnum):
    STRONG = "strong"
    LEANING = "leaning"
    BALANCED = "balanced"


COMMAND_PULL = -1
EVENT_PULL = 1
STRONG_FROM = 3


@dataclass(frozen=True)
class Level:
    value: int
    label: str
    words: str  # the level as it reads in a driver: "flow visibility: <words>"
    short: str  # the answer in a word or two, for chips and filters: "expected growth: stable"


@dataclass(frozen=True)
class Factor:
    key: str
    name: str
    question: str
    hint: str
    # Which way the top of the scale pulls; the bottom pulls the other way.
    high_pulls: int
    levels: tuple[Level, Level, Level]

    def level(self, value: int) -> Level:
        for level in self.levels:
            if level.value == value:
                return level
        raise ValueError(f"{self.name} has no level {value!r}")

    @property
    def choices(self) -> list[tuple[int, str]]:
        return [(level.value, level.short) for level in self.levels]

    def pull(self, value: int) -> int:
        self.level(value)
        return (value - 2) * self.high_pulls


VISIBILITY = Factor(
    key="visibility",
    name="Flow visibility",
    question="Do we need one place to understand and debug this business flow?",
    hint=(
        "A high need pulls to Command: the sender keeps the whole flow in one place, so it is easy to follow and debug."
    ),
    high_pulls=COMMAND_PULL,
    levels=(
        Level(1, "Not needed: each step can be understood on its own", "each step stands on its own", "not needed"),
        Level(
            2, "Helpful: we would like it, but can trace across services", "one place to debug is helpful", "helpful"
        ),
        Level(
            3,
            "Essential: one place to follow and debug the flow is a must",
            "one place to debug is essential",
            "essential",
        ),
    ),
)

GROWTH = Factor(
    key="growth",
    name="Expected growth",
    question="Will this likely attract more downstream reactions over time?",
    hint=(
        "High growth pulls to Event: new consumers subscribe without the sender changing. "
        "A stable flow gains little from that."
    ),
    high_pulls=EVENT_PULL,
    levels=(
        Level(1, "Stable: no other service is expected to react", "no new reactions expected", "stable"),
        Level(2, "Some: one or two more reactions may come in time", "a few new reactions are likely", "some"),
        Level(3, "Many: other teams will want to react to this", "many new reactions are expected", "many"),
    ),
)

COORDINATION = Factor(
    key="coordination",
    name="Coordination cost",
    question="Can the teams afford the extra schema, tracing and ownership overhead?",
    hint=(
        "If they cannot, this pulls to Command. If they already run schemas, tracing and "
        "clear ownership for events, Event is viable."
    ),
    high_pulls=EVENT_PULL,
    levels=(
        Level(
            1,
            "No: the teams cannot take on more schema, tracing and ownership work",
            "the teams cannot take on the overhead",
            "not affordable",
        ),
        Level(
            2,
            "With effort: it can be done, but it is new to these teams",
            "the overhead is affordable with effort",
            "affordable with effort",
        ),
        Level(
            3,
            "Yes: they already run this for other flows",
            "the teams already run this for other flows",
            "already paid",
        ),
    ),
)

COUPLING = Factor(
    key="coupling",
    name="Cost of coupling",
    question="Is the downstream a simple utility, or a separate domain we do not want to bind to?",
    hint=(
        "A simple utility pulls to Command: binding to it costs little. A separate domain "
        "pulls to Event: the sender should not know its rules."
    ),
    high_pulls=EVENT_PULL,
    levels=(
        Level(
            1, "A simple utility the sender may well know about", "the downstream is a simple utility", "simple utility"
        ),
        Level(
            2,
            "A neighbouring part of the same domain",
            "the downstream is a neighbouring part of the domain",
            "neighbouring domain",
        ),
        Level(
            3, "A separate domain we do not want to bind to", "the downstream is a separate domain", "separate domain"
        ),
    ),
)

FACTORS: tuple[Factor, ...] = (VISIBILITY, GROWTH, COORDINATION, COUPLING)
FACTORS_BY_KEY = {factor.key: factor for factor in FACTORS}

SYNC_GATE_QUESTION = "Must the caller know the result immediately?"
SYNC_GATE_HINT = (
    "For example a payment authorisation or a one-time password check: the caller "
    "cannot go on without the answer. Then the flow is synchronous and the factors step aside."
)


@dataclass(frozen=True)
class Driver:
    factor: Factor
    level: Level
    pull: int

    @property
    def towards(self) -> str:
        if self.pull < 0:
            return Recommendation.COMMAND.label
        if self.pull > 0:
            return Recommendation.EVENT.label
        return ""

    def __str__(self) -> str:
        text = f"{self.factor.name.lower()}: {self.level.words}"
        return f"{text}, pulls to {self.towards}" if self.pull else f"{text}, pulls neither way"


@dataclass(frozen=True)
class Assessment:
    """The outcome of the gate and the factors, as far as they are answered."""

    recommendation: Recommendation | None
    strength: Strength | None
    score: int
    drivers: tuple[Driver, ...]
    answered: int

    @property
    def pulling(self) -> tuple[Driver, ...]:
        return tuple(driver for driver in self.drivers if driver.pull)

    @property
    def complete(self) -> bool:
        return self.recommendation is not None and (
            self.recommendation is Recommendation.SYNC or self.answered == len(FACTORS)
        )

    def agrees_with(self, style: str) -> bool:
        return self.recommendation is not None and style == self.recommendation.value


def recommend(caller_needs_result: bool | None, levels: dict[str, int | None]) -> Assessment:
    """Recommend a style from the sync gate answer and the factor levels given so far."""
    if caller_needs_result:
        return Assessment(Recommendation.SYNC, Strength.STRONG, 0, (), 0)
    drivers = tuple(
        Driver(factor, factor.level(value), factor.pull(value))
        for factor in FACTORS
        if (value := levels.get(factor.key)) is not None
    )
    if caller_needs_result is None or not drivers:
        return Assessment(None, None, 0, drivers, len(drivers))
    score = sum(driver.pull for driver in drivers)
    if score == 0:
        recommendation, strength = Recommendation.BALANCED, Strength.BALANCED
    else:
        recommendation = Recommendation.EVENT if score > 0 else Recommendation.COMMAND
        strength = Strength.STRONG if abs(score) >= STRONG_FROM else Strength.LEANING
    # Drivers that agree with the outcome first, strongest reasons leading.
    ordered = tuple(sorted(drivers, key=lambda d: -d.pull * (1 if score >= 0 else -1)))
    return Assessment(recommendation, strength, score, ordered, len(drivers))


def needs_justification(assessment: Assessment, chosen_style: str) -> bool:
    """A choice needs a justification when the recommendation is Balanced or differs."""
    if assessment.recommendation is None:
        return False
    return assessment.recommendation is Recommendation.BALANCED or not assessment.agrees_with(chosen_style)


LOGIC_LOCATION_HINTS = {
    "command": "The sender orchestrates the flow: say which service holds the steps and decides what happens next.",
    "event": "Each consumer owns its reaction: say which services react and what each one now decides.",
}


def summarise_choices(styles: list[str]) -> str:
    """One line on what similar decisions chose: "4 of 5 similar decisions chose Event"."""
    if not styles:
        return ""
    counts: dict[str, int] = {}
    for style in styles:
        counts[style] = counts.get(style, 0) + 1
    style, count = max(counts.items(), key=lambda item: (item[1], item[0]))
    chose = f"chose {style.capitalize()}" if style else "chose no style"
    noun = "decision" if len(styles) == 1 else "decisions"
    return f"{count} of {len(styles)} similar {noun} {chose}"
