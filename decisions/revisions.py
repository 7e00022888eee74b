"""Readable differences between two revisions of a decision."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from . import factors
from .models import Decision, Flow

# Fields shown in a diff, in reading order.
DIFF_FIELDS = [
    "title", "status", "flow", "style", "logic_location",
    "caller_needs_result", "sync_reason",
    "visibility", "visibility_reason", "growth", "growth_reason",
    "coordination", "coordination_reason", "coupling", "coupling_reason",
    "recommendation", "recommendation_strength", "justification",
    "context", "decision_text", "consequences", "considered_options", "other_sections",
    "deciders", "tags", "decided_on", "revisit_on", "supersedes",
]  # fmt: skip


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added" or "removed"
    text: str


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str

    @property
    def lines(self) -> list[DiffLine]:
        return diff_lines(self.old, self.new)

    @property
    def is_long(self) -> bool:
        return "\n" in self.old or "\n" in self.new or len(self.old) + len(self.new) > 120


def diff_lines(old: str, new: str) -> list[DiffLine]:
    """An inline, line-by-line diff: removed lines, added lines and the lines between."""
    kinds = {" ": "same", "+": "added", "-": "removed"}
    return [
        DiffLine(kinds[line[0]], line[2:])
        for line in difflib.ndiff(old.splitlines(), new.splitlines())
        if line[0] in kinds
    ]


SHORT_LABELS = {"caller_needs_result": "Sync gate", "recommendation_strength": "Strength"}


def _label(field: str) -> str:
    return SHORT_LABELS.get(field) or str(Decision._meta.get_field(field).verbose_name).capitalize()


def changed_labels(old, new) -> list[str]:
    return [_label(field) for field in changed_fields(old, new)]


def _display(field: str, value, names: dict) -> str:
    if value is None or value == "":
        return ""
    if field in factors.FACTORS_BY_KEY:
        return factors.FACTORS_BY_KEY[field].level(value).label
    if field == "caller_needs_result":
        return "Yes" if value else "No"
    if field in ("status", "style"):
        return str(dict(Decision._meta.get_field(field).choices).get(value, value))
    if field in ("flow", "supersedes"):
        return names.get((field, value), f"#{value}")
    return str(value)


def changed_fields(old, new) -> list[str]:
    """Names of the diffed fields that differ between two historical records."""
    if old is None:
        return [f for f in DIFF_FIELDS if getattr(new, _attname(f)) not in (None, "")]
    return [f for f in DIFF_FIELDS if getattr(old, _attname(f)) != getattr(new, _attname(f))]


def _attname(field: str) -> str:
    return f"{field}_id" if field in ("flow", "supersedes") else field


def compare(old, new) -> list[FieldChange]:
    """Changes from historical record `old` (or nothing) to `new`, with values in words."""
    fields = changed_fields(old, new)
    records = [r for r in (old, new) if r is not None]
    flow_ids = {r.flow_id for r in records if "flow" in fields and r.flow_id}
    decision_ids = {r.supersedes_id for r in records if "supersedes" in fields and r.supersedes_id}
    names = {("flow", f.pk): f.name for f in Flow.objects.filter(pk__in=flow_ids)} if flow_ids else {}
    if decision_ids:
        names |= {("supersedes", d.pk): str(d) for d in Decision.objects.filter(pk__in=decision_ids)}
    return [
        FieldChange(
            field=f,
            label=_label(f),
            old=_display(f, getattr(old, _attname(f)), names) if old is not None else "",
            new=_display(f, getattr(new, _attname(f)), names),
        )
        for f in fields
    ]
