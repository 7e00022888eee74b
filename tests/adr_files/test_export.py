"""Exporting ADR files, reading them with adr-tools, and the round trip through an empty log."""

import contextlib
import os
import re
import shutil
import subprocess  # nosec B404 (runs Debian's adr-tools on files the test wrote)
from datetime import date
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from decisions import workflow
from decisions.adr_files import export, importer
from decisions.models import Decision, DecisionLink
from tests.factories import AssessedDecisionFactory, DecisionFactory, FlowFactory

ROUND_TRIP_FIELDS = [
    "number", "title", "status", "decided_on", "revisit_on", "deciders", "tags", "context", "decision_text",
    "consequences", "considered_options", "other_sections", "flow_id", "style", "logic_location",
    "caller_needs_result", "sync_reason", "visibility", "visibility_reason", "growth", "growth_reason",
    "coordination", "coordination_reason", "coupling", "coupling_reason", "justification", "recommendation",
    "against_recommendation", "supersedes_id",
]  # fmt: skip


def _log(flow) -> None:
    """A small log with every kind of thing a file must carry."""
    first = AssessedDecisionFactory(
        flow=flow, title="Send orders as commands", status="superseded", decided_on=date(2024, 3, 1),
        deciders="Ada, Rui", tags="orders,kafka", considered_options="* Commands\n* Events",
        other_sections="## Rollout\n\nStaging first.\n\n## More Information\n\nSee [the wiki](https://wiki.example).",
    )  # fmt: skip
    AssessedDecisionFactory(
        flow=flow, title="Publish OrderPlaced as an event", status="accepted", style="event", supersedes=first,
        decided_on=date(2026, 1, 15), revisit_on=date(2027, 1, 15), growth=3, growth_reason="Loyalty will react.",
        justification="Growth matters more than visibility.\n\nTwo paragraphs, even.",
        context="Orders grow.\n\n```python\n# not a heading\nprint('x')\n```", consequences="* More topics",
    )  # fmt: skip
    sync = DecisionFactory(
        title="Authorise [card] payments synchronously", status="proposed", flow=flow, caller_needs_result=True,
        sync_reason="Checkout must know at once.", style="sync", logic_location="payments decides",
    )  # fmt: skip
    general = DecisionFactory(title="Record architecture decisions", status="draft", tags="process")
    DecisionLink.objects.create(source=general, target=sync, kind="amends")
    DecisionLink.objects.create(source=sync, target=first, kind="relates")


def _snapshot() -> dict:
    decisions = {
        d.number: {name: getattr(d, name) for name in ROUND_TRIP_FIELDS} for d in Decision.objects.order_by("number")
    }
    for decision in decisions.values():
        decision["supersedes_id"] = (
            Decision.objects.get(pk=decision["supersedes_id"]).number if decision["supersedes_id"] else None
        )
    links = set(DecisionLink.objects.values_list("source__number", "target__number", "kind"))
    return {"decisions": decisions, "links": links}


def _differences(before: dict, after: dict) -> list[str]:
    """Field by field, what the round trip changed (readable when the test fails)."""
    found = []
    for number in sorted(set(before) | set(after)):
        old, new = before.get(number, {}), after.get(number, {})
        found += [f"{number}.{name}: {old.get(name)!r} -> {new.get(name)!r}" for name in ROUND_TRIP_FIELDS
                  if old.get(name) != new.get(name)]  # fmt: skip
    return found


class _Rollback(Exception):
    pass


@pytest.mark.parametrize("fmt", ["nygard", "madr"])
def test_round_trip_through_an_empty_log_gives_the_same_decisions(db, tmp_path, fmt):
    flow = FlowFactory(name="Order placed")
    with contextlib.suppress(_Rollback), transaction.atomic():
        _log(flow)
        before = _snapshot()
        export.write_folder(tmp_path, export.for_export(Decision.objects.all()), fmt)
        raise _Rollback
    assert not Decision.objects.exists()

    report = workflow.adrs_import(importer.read_folder(tmp_path), collection="exported", by=None)

    assert report.count("imported") == 4 and report.count("skipped") == 1  # the index
    assert not [w for result in report.results for w in result.warnings]
    after = _snapshot()
    assert _differences(before["decisions"], after["decisions"]) == []
    assert after["links"] == before["links"]
    assert {d.source_format for d in Decision.objects.all()} == {"nygard" if fmt == "nygard" else "madr2"}


def test_eventcatalog_export_uses_its_front_matter_and_reads_back(db, tmp_path):
    flow = FlowFactory(name="Order placed")
    with contextlib.suppress(_Rollback), transaction.atomic():
        _log(flow)
        before = _snapshot()
        export.write_folder(tmp_path, export.for_export(Decision.objects.all()), "eventcatalog")
        raise _Rollback
    folder = next((tmp_path / "adrs").glob("adr-0002-*"))
    front = yaml.safe_load((folder / "index.mdx").read_text().split("---")[1])
    assert front["id"] == folder.name and front["version"] == "1.0.0"
    assert front["name"] == "ADR-0002: Publish OrderPlaced as an event"
    assert (front["status"], front["x-style"], front["x-expected-growth"]) == ("accepted", "event", "many")
    assert front["appliesTo"][0] == {"type": "flow", "id": "order-placed"}
    assert front["supersedes"] == [{"id": "adr-0001-send-orders-as-commands"}]
    assert all(key in {"id", "name", "version", "summary", "status", "date", "owners", "decisionMakers",
                       "appliesTo", "supersedes", "supersededBy", "amends", "amendedBy", "related", "badges",
                       "draft"} or key.startswith("x-") for key in front)  # fmt: skip

    workflow.adrs_import(importer.read_folder(tmp_path), collection="catalog", by=None)
    after = _snapshot()
    assert after["links"] == before["links"]
    # EventCatalog has no draft status: a draft goes out as proposed with `draft: true`; and its
    # date is required, so an undecided decision goes out with the day it was filed.
    before["decisions"][4]["status"] = "proposed"
    for number in (3, 4):
        before["decisions"][number]["decided_on"] = after["decisions"][number]["decided_on"]
    assert after["decisions"][3]["decided_on"] == timezone.now().date()
    assert _differences(before["decisions"], after["decisions"]) == []


def test_file_names_follow_adr_tools(db):
    decision = DecisionFactory(title="Use Kafka — for Orders & Billing!")
    assert export.file_name(decision) == f"{decision.number:04d}-use-kafka-for-orders-billing.md"


def test_the_command_writes_every_decision_and_an_index(db, tmp_path, capsys):
    _log(FlowFactory())
    call_command("export_adrs", str(tmp_path / "out"), "--format", "madr")
    names = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert names == ["0001-send-orders-as-commands.md", "0002-publish-orderplaced-as-an-event.md",
                     "0003-authorise-card-payments-synchronously.md", "0004-record-architecture-decisions.md",
                     "index.md"]  # fmt: skip
    index = (tmp_path / "out" / "index.md").read_text()
    assert "* [2. Publish OrderPlaced as an event](0002-publish-orderplaced-as-an-event.md)" in index
    assert "Wrote 4 decisions" in capsys.readouterr().out


ADR = shutil.which("adr")


# CI installs adr-tools (.ci/run), so there a missing `adr` fails instead of skipping.
@pytest.mark.skipif(ADR is None and not os.environ.get("CI"), reason="Debian's adr-tools is not installed")
def test_adr_tools_lists_and_indexes_a_nygard_export(db, tmp_path):
    _log(FlowFactory())
    export.write_folder(tmp_path, export.for_export(Decision.objects.all()), "nygard")

    def adr(*args: str) -> str:
        done = subprocess.run([ADR, *args], cwd=tmp_path, capture_output=True, text=True, check=True, timeout=30)  # noqa: S603 # nosec B603
        return done.stdout

    assert adr("list").split() == [f"./{path}" for path in sorted(p.name for p in tmp_path.glob("0*.md"))]
    toc = adr("generate", "toc")
    assert "* [2. Publish OrderPlaced as an event](0002-publish-orderplaced-as-an-event.md)" in toc
    adr("new", "-s", "2", "Go back to commands")  # adr-tools edits decision 2's status in place
    edited = Path(tmp_path, "0002-publish-orderplaced-as-an-event.md").read_text()
    assert re.search(r"Superc?s?eded by \[5\. Go back to commands\]", edited)

    workflow.adrs_import(importer.read_folder(tmp_path), collection="back", by=None)
    newest = Decision.objects.get(source_path="back/0005-go-back-to-commands.md")
    assert newest.supersedes.title == "Publish OrderPlaced as an event"
    assert newest.supersedes.status == "superseded"


LOG4BRAINS = Path(__file__).resolve().parents[1] / "log4brains" / "node_modules" / ".bin" / "log4brains"


# `make test` installs log4brains from tests/log4brains/package-lock.json when npm is present.
@pytest.mark.skipif(not LOG4BRAINS.exists() and not os.environ.get("CI"), reason="log4brains is not installed")
def test_log4brains_builds_a_site_from_a_madr_export(db, tmp_path):
    _log(FlowFactory())
    adr_folder = tmp_path / "docs" / "adr"
    export.write_folder(adr_folder, export.for_export(Decision.objects.all()), "madr")
    (tmp_path / ".log4brains.yml").write_text(
        "project:\n  name: Decision Log export\n  tz: UTC\n  adrFolder: ./docs/adr\n"
    )
    environment = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                   "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}  # fmt: skip
    for command in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-qm", "export"]):
        subprocess.run(command, cwd=tmp_path, check=True, env=environment, timeout=30)  # noqa: S603 S607 # nosec B603 B607
    built = subprocess.run(  # noqa: S603 # nosec B603
        [str(LOG4BRAINS), "build", "--out", str(tmp_path / "site")],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, env=environment,
    )  # fmt: skip
    output = built.stdout + built.stderr
    assert built.returncode == 0 and "error" not in output.lower(), output[-3000:]
    pages = {path.parent.name for path in (tmp_path / "site" / "adr").rglob("index.html")}
    assert {path.stem for path in adr_folder.glob("0*.md")} <= pages
    superseded = (tmp_path / "site" / "adr" / "0001-send-orders-as-commands" / "index.html").read_text()
    assert "0002-publish-orderplaced-as-an-event" in superseded
