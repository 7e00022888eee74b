"""The drift rules, one by one, on plain facts."""

import pytest

from decisions import drift


def facts(consumers=("Billing",), producers=("Orders",), kind="command", fields=None, version="1.0.0", present=True):
    fields = fields if fields is not None else [{"name": "id", "type": "string"}, {"name": "total", "type": "number"}]
    return {"consumers": list(consumers), "producers": list(producers), "kind": kind, "fields": fields,
            "version": version, "present": present, "document": "orders.yaml"}  # fmt: skip


def rules(style="command", growth=1, baseline=None, now=None, when_decided=None):
    found = drift.check(style=style, growth=growth, consumers_when_decided=when_decided,
                        baseline=baseline if baseline is not None else facts(), now=now or facts())  # fmt: skip
    return {finding.rule: finding for finding in found}


def test_nothing_drifts_while_the_facts_hold():
    assert rules() == {}


def test_consumers_grew_after_stable_or_past_what_some_meant():
    grown = facts(consumers=("Billing", "Loyalty"))
    assert "consumers-grew" in rules(growth=1, now=grown, style="event")
    assert "consumers-grew" not in rules(growth=2, now=grown, style="event")
    assert "consumers-grew" in rules(growth=2, now=facts(consumers=("Billing", "A", "B", "C")), style="event")
    assert "consumers-grew" not in rules(growth=3, now=facts(consumers=("Billing", "A", "B", "C")), style="event")
    finding = rules(growth=1, now=grown)["consumers-grew"]
    assert finding.evidence == "1 consumer when decided, expected growth “stable” → 2 consumers now: Billing, Loyalty"


def test_without_a_baseline_the_count_when_decided_stands_in():
    found = drift.check(style="event", growth=1, consumers_when_decided=1, baseline=None,
                        now=facts(consumers=("A", "B"), kind="event"))  # fmt: skip
    assert [f.rule for f in found] == ["consumers-grew"]


def test_a_command_has_one_receiver():
    assert "command-fan-out" in rules(growth=3, now=facts(consumers=("A", "B")))
    assert "command-fan-out" not in rules(growth=3, style="event", now=facts(consumers=("A", "B"), kind="event"))


@pytest.mark.parametrize("style, kind, drifts", [("command", "event", True), ("event", "command", True),
                                                 ("event", "event", False), ("command", "unknown", False),
                                                 ("sync", "event", False)])  # fmt: skip
def test_the_style_must_agree_with_a_known_kind(style, kind, drifts):
    assert ("style-vs-kind" in rules(style=style, now=facts(kind=kind))) is drifts


def test_the_producer_changed():
    finding = rules(now=facts(producers=("Checkout",)))["producer-changed"]
    assert finding.evidence == "sent by Orders → sent by Checkout"


def test_removed_fields_and_changed_types_break_added_fields_do_not():
    added = facts(fields=[{"name": "id", "type": "string"}, {"name": "total", "type": "number"},
                          {"name": "currency", "type": "string"}])  # fmt: skip
    assert rules(now=added) == {}
    changed = facts(version="2.0.0", fields=[{"name": "id", "type": "integer"}])
    finding = rules(now=changed)["breaking-schema"]
    assert finding.after == "version 2.0.0: “id” changed from string to integer; “total” removed"


def test_a_flow_gone_from_the_contracts():
    assert list(rules(now=facts(present=False))) == ["flow-disappeared"]


def test_every_rule_has_a_title_and_an_explanation():
    assert all(rule.title and len(rule.explanation) > 40 for rule in drift.RULES.values())
