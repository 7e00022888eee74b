"""Importing collections: numbers, links, atomicity, idempotence, zips, the command."""

import io

import pytest
from django.core.management import CommandError, call_command

from decisions import workflow
from decisions.adr_files import importer
from decisions.models import Decision, DecisionLink, SearchDocument, Transition
from tests.archives import zipped
from tests.factories import DecisionFactory, FlowFactory
from tests.shared import CORPORA

needs_corpora = pytest.mark.skipif(CORPORA is None, reason="../shared/corpora is not on this machine")


def _import(files: dict[str, str | bytes], collection="team-adrs", **kwargs):
    encoded = [(path, text.encode() if isinstance(text, str) else text) for path, text in files.items()]
    return workflow.adrs_import(encoded, collection=collection, by=None, **kwargs)


def test_free_numbers_are_kept_and_a_clash_gets_a_new_one_with_the_original_id_visible(db):
    existing = DecisionFactory()  # number 1
    report = _import({"0001-a.md": "# 1. A\n", "0005-b.md": "# 5. B\n", "0005-dup.md": "# 5. Dup\n", "c.md": "# C\n"})
    numbers = {result.path: result.number for result in report.results}
    assert numbers["0005-b.md"] == 5
    assert numbers["0001-a.md"] not in (1, 5)
    assert numbers["0005-dup.md"] not in (1, 5)
    clashed = Decision.objects.get(number=numbers["0001-a.md"])
    assert clashed.source_id == "0001" and clashed.pk != existing.pk
    assert any("taken" in warning for result in report.results for warning in result.warnings)
    assert DecisionFactory().number > max(numbers.values())  # numbers given later never collide


def test_links_between_files_become_links_between_decisions(db):
    _import(
        {
            "0001-old.md": "# 1. Old\n\n## Status\n\nSuperceded by [2. New](0002-new.md)\n",
            "0002-new.md": "# 2. New\n\n## Status\n\nAccepted\n\nSupersedes [1. Old](0001-old.md)\n",
            "0003-amend.md": "# 3. Amend\n\n## Status\n\nAccepted\n\nAmends [2. New](./0002-new.md)\n\n"
            "Amends [1. Old](0001-old.md)\n",
            "sub/0004-rel.md": "# 4. Rel\n\n## Links\n\n* Relates to [3](../0003-amend.md)\n"
            "* Relates to [9](0009-x.md)\n",
        }
    )
    old, new, amend, rel = (Decision.objects.get(number=n) for n in (1, 2, 3, 4))
    assert (old.status, new.supersedes) == ("superseded", old)
    assert set(DecisionLink.objects.values_list("source__number", "target__number", "kind")) == {
        (3, 2, "amends"),
        (3, 1, "amends"),
        (4, 3, "relates"),
    }
    assert rel.pk and amend.pk


def test_log4brains_links_resolve_across_packages(db):
    _import(
        {
            "docs/adr/20200101-first.md": "# First\n\n- Status: superseded by [x](../../pkg/adr/20200102-second.md)\n",
            "pkg/adr/20200102-second.md": "# Second\n\n- Status: accepted\n",
        }
    )
    second = Decision.objects.get(title="Second")
    assert second.supersedes.title == "First"


def test_a_broken_file_stops_the_whole_import_unless_asked_to_skip_it(db):
    aliases = "---\na: &x 1\nb: *x\n---\n# Y\n"
    files = {"0001-good.md": "# 1. Good\n", "0002-bad.md": b"# Bad \x81\x8d", "0003-yaml.md": aliases}
    report = _import(files)
    assert not report.committed
    assert [result.path for result in report.broken] == ["0002-bad.md", "0003-yaml.md"]
    assert not Decision.objects.exists()

    report = _import(files, skip_broken=True)
    assert report.committed and report.count("imported") == 1
    assert Decision.objects.get().title == "Good"


def test_importing_again_updates_in_place_with_a_revision_and_never_duplicates(db):
    _import({"0001-a.md": "# 1. A\n\n## Status\n\nProposed\n\n## Context\n\nOld.\n"})
    decision = Decision.objects.get()
    report = _import({"0001-a.md": "# 1. A\n\n## Status\n\nAccepted\n\n## Context\n\nNew.\n"})
    assert report.count("updated") == 1
    decision.refresh_from_db()
    assert (decision.status, decision.context, Decision.objects.count()) == ("accepted", "New.", 1)
    assert decision.history.count() == 2
    assert Transition.objects.get(decision=decision).to_status == "accepted"
    assert _import({"0001-a.md": "# 1. A\n\n## Status\n\nAccepted\n\n## Context\n\nNew.\n"}).count("unchanged") == 1


def test_the_same_file_name_in_two_collections_gives_two_decisions(db):
    _import({"0001-record.md": "# 1. Record\n"}, collection="one")
    _import({"0001-record.md": "# 1. Record\n"}, collection="two")
    assert Decision.objects.count() == 2


def test_imported_decisions_are_searchable_at_once(db):
    _import({"0001-a.md": "# 1. Use Kafka\n\n## Context\n\nThroughput of zanzibar events.\n"})
    assert "zanzibar" in SearchDocument.objects.get().body


def test_an_integration_section_links_an_existing_flow(db):
    flow = FlowFactory(name="Order placed")
    text = (
        "# 1. X\n\n## Integration style\n\n- Flow: Order placed\n- Chosen style: Event\n\n"
        "### Flow visibility: Low\n\nNobody traces it.\n"
    )
    report = _import({"0001-x.md": text, "0002-y.md": text.replace("Order placed", "Unknown flow")})
    first, second = Decision.objects.get(number=1), Decision.objects.get(number=2)
    assert (first.flow, first.style, first.visibility, first.visibility_reason) == (
        flow, "event", 1, "Nobody traces it."
    )  # fmt: skip
    assert second.flow is None
    assert any("Unknown flow" in warning for warning in report.results[1].warnings)


def test_a_zip_of_a_folder_reads_like_the_folder():
    files = importer.read_zip(
        zipped({"adr/0001-a.md": b"# A", "adr/img.png": b"\x89PNG", "adr/notes.pdf": b"%PDF", "__MACOSX/._x": b""})
    )
    # Markdown and images are unpacked; anything else is listed only
    assert files == [("0001-a.md", b"# A"), ("img.png", b"\x89PNG"), ("notes.pdf", b"")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (io.BytesIO(b"not a zip"), "not a valid zip"),
        (zipped({f"{n}.md": b"" for n in range(importer.MAX_FILES + 1)}), "limit"),
        (zipped({"big.md": b"x" * (importer.MAX_TOTAL_BYTES + 1)}), "more than"),
    ],
)
def test_bad_and_gigantic_zips_are_refused(data, message):
    with pytest.raises(importer.CollectionError, match=message):
        importer.read_zip(data)


def test_the_command_reports_each_file_and_a_summary(db, tmp_path, capsys):
    (tmp_path / "0001-a.md").write_text("# 1. A\n\n## Status\n\nMaybe\n")
    (tmp_path / "template.md").write_text("# [short title]\n")
    (tmp_path / "diagram.png").write_bytes(b"\x89PNG")
    call_command("import_adrs", str(tmp_path), "--collection", "mine")
    out = capsys.readouterr().out
    assert "imported  0001-a.md  -> ADR-0001" in out
    assert "skipped  template.md  (a template for new decisions, not a decision)" in out
    assert 'note: status "Maybe"' in out
    assert "mine: 1 imported, 0 updated, 0 unchanged, 1 skipped, 0 broken, 1 other files ignored." in out
    assert Decision.objects.get().source_path == "mine/0001-a.md"


def test_the_command_fails_on_a_broken_file_and_names_it(db, tmp_path, capsys):
    (tmp_path / "0001-a.md").write_text("# 1. A\n")
    (tmp_path / "0002-b.md").write_bytes(b"\x81")  # no byte a text encoding the import reads gives
    with pytest.raises(CommandError, match="--skip-broken"):
        call_command("import_adrs", str(tmp_path))
    assert "broken  0002-b.md  (the file is not UTF-8 text" in capsys.readouterr().out
    assert not Decision.objects.exists()


def test_the_command_reads_a_zip_and_refuses_a_missing_path(db, tmp_path):
    path = tmp_path / "adrs.zip"
    path.write_bytes(zipped({"adrs/0001-a.md": b"# 1. A\n"}).getvalue())
    call_command("import_adrs", str(path))
    assert Decision.objects.get().source_path == "adrs/0001-a.md"
    with pytest.raises(CommandError, match="not a folder"):
        call_command("import_adrs", str(tmp_path / "missing"))


@needs_corpora
def test_real_links_come_through(db):
    for name in ("npryce__adr-tools", "alphagov__govuk-aws", "JabRef__jabref"):
        workflow.adrs_import(importer.read_folder(CORPORA / name), collection=name, by=None)
    by_path = {d.source_path: d for d in Decision.objects.all()}
    help_scripts = by_path["npryce__adr-tools/0009-help-scripts.md"]
    assert help_scripts.links.get().target == by_path["npryce__adr-tools/0005-help-comments.md"]
    dns = by_path["alphagov__govuk-aws/0015-dns-infrastructure.md"]
    assert dns.supersedes == by_path["alphagov__govuk-aws/0004-dns-definitions-for-hosts-and-services.md"]
    positional = by_path["JabRef__jabref/0057-allow-positional-input-file-argument.md"]
    assert positional.supersedes == by_path["JabRef__jabref/0045-use-input-flag-always-for-input-files.md"]


class Steps:
    def __init__(self) -> None:
        self.phases: list[tuple[str, int]] = []
        self.counts: list[int] = []

    def phase(self, label: str, total: int) -> None:
        self.phases.append((label, total))
        self.counts.append(0)

    def advance(self, step: int = 1) -> None:
        self.counts[-1] += step


def test_progress_reads_every_file_then_saves_every_decision(db):
    steps = Steps()
    files = {"0001-a.md": "# 1. A\n", "index.md": "# ADRs\n", "bad.md": b"\x81", "image.png": b"\x89PNG"}
    _import(files, skip_broken=True, progress=steps)
    assert steps.phases == [(workflow.READING, 4), (workflow.SAVING, 1)]
    assert steps.counts == [4, 1]


def test_an_export_of_5000_decisions_with_its_index_reads_back():
    exported = {f"{n:04d}-decision.md": b"# X\n" for n in range(1, 5001)} | {"index.md": b"# ADRs\n"}
    assert len(importer.read_zip(zipped(exported))) == 5001
