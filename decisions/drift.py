"""The drift rules: where what the contracts say now stops agreeing with a decision.

Pure functions over plain data. A flow's facts are a dict as a contracts import snapshots
them (producers, consumers, kind, version, channel, fields, present). `check` compares the
facts a decision was made on (or, if it was made before any import, the first facts seen
after) with the facts now, and names every rule that no longer holds, with the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from .factors import GROWTH

STABLE, SOME = 1, 2
# "Some: one or two more reactions may come in time": more than two new consumers is past it.
SOME_MORE = 2


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    explanation: str


RULES = {
    rule.name: rule
    for rule in (
        Rule(
            "consumers-grew",
            "Consumers grew past the expected growth",
            "The decision expected growth to be “stable” (no other service reacting) or “some” (one or two "
            "more), and the contracts now show more consumers than that.",
        ),
        Rule(
            "command-fan-out",
            "A command with more than one consumer",
            "A command has one known receiver. A command flow that several services now consume is being "
            "used as an event: publishing an event may serve them better.",
        ),
        Rule(
            "style-vs-kind",
            "The decided style disagrees with the message's kind",
            "The decision chose one style, and the contracts declare the message as the other "
            "(an event decided as a command, or the reverse).",
        ),
        Rule(
            "producer-changed",
            "The producer changed",
            "Another service now sends the message than when the decision was made; the logic may have moved.",
        ),
        Rule(
            "breaking-schema",
            "The schema had a breaking change",
            "A field of the message was removed or changed its type since the decision. Added fields are not breaking.",
        ),
        Rule(
            "flow-disappeared",
            "The flow disappeared from the contracts",
            "The contracts that described this flow no longer do: the decision may describe something gone.",
        ),
    )
}


@dataclass(frozen=True)
class Finding:
    rule: str
    before: str
    after: str

    @property
    def title(self) -> str:
        return RULES[self.rule].title

    @property
    def evidence(self) -> str:
        return f"{self.before} → {self.after}"


def check(*, style: str, growth: int | None, consumers_when_decided: int | None, baseline: dict | None,
          now: dict) -> list[Finding]:  # fmt: skip
    """The rules a decision (its style and expected growth) breaks, given its baseline facts and today's."""
    if not now.get("present", True):
        where = (baseline or {}).get("document") or "its contracts"
        return [Finding("flow-disappeared", f"described in {where}", "no longer in the contracts")]
    findings = []
    consumers = sorted(now.get("consumers") or [])
    before = sorted(baseline.get("consumers") or []) if baseline else None
    known = len(before) if before is not None else consumers_when_decided
    if known is not None and growth in (STABLE, SOME):
        allowed = known if growth == STABLE else known + SOME_MORE
        if len(consumers) > allowed:
            findings.append(Finding(
                "consumers-grew",
                f"{_count(known)} when decided, expected growth “{GROWTH.level(growth).short}”",
                f"{_count(len(consumers))} now: {', '.join(consumers)}",
            ))  # fmt: skip
    if style == "command" and len(consumers) > 1:
        findings.append(Finding("command-fan-out", "a command (one receiver)", f"{_count(len(consumers))}: "
                                f"{', '.join(consumers)}"))  # fmt: skip
    kind = now.get("kind", "unknown")
    if style in ("command", "event") and kind in ("command", "event") and kind != style:
        findings.append(Finding("style-vs-kind", f"decided as {_a(style)}", f"the contracts declare {_a(kind)}"))
    if baseline:
        was, now_producers = sorted(baseline.get("producers") or []), sorted(now.get("producers") or [])
        if was and now_producers and was != now_producers:
            findings.append(
                Finding("producer-changed", f"sent by {', '.join(was)}", f"sent by {', '.join(now_producers)}")
            )
        breaking = breaking_changes(baseline.get("fields") or [], now.get("fields") or [])
        if breaking:
            findings.append(Finding("breaking-schema", _version(baseline), f"{_version(now)}: {'; '.join(breaking)}"))
    return findings


def breaking_changes(before: list[dict], after: list[dict]) -> list[str]:
    """What a change of payload fields breaks: a field removed or a type changed."""
    now = {row["name"]: row.get("type", "") for row in after}
    changes = []
    for row in before:
        name, kind = row["name"], row.get("type", "")
        if name not in now:
            changes.append(f"“{name}” removed")
        elif now[name] != kind:
            changes.append(f"“{name}” changed from {kind} to {now[name]}")
    return changes


def _count(n: int) -> str:
    return f"{n} consumer{'s' if n != 1 else ''}"


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _version(facts: dict) -> str:
    return f"version {facts['version']}" if facts.get("version") else "the schema then"
