"""The parser's named rules (README, "Importing ADR files"), each on a real file from ../shared/corpora
where one shows it, else on a minimal file written for the test."""

import re
from datetime import date

import pytest

from decisions.adr_files import importer
from decisions.adr_files.parse import decode, parse, skip_reason
from decisions.adr_files.values import is_guidance, is_placeholder, parse_date, read_title
from decisions.markdown import render_markdown
from tests.shared import CORPORA

needs_corpora = pytest.mark.skipif(CORPORA is None, reason="../shared/corpora is not on this machine")


def real(collection: str, path: str):
    return parse(path, decode((CORPORA / collection / path).read_bytes()))


# Metadata lines.


@needs_corpora
def test_metadata_lines_in_other_languages_with_a_space_before_the_colon_and_a_typo_in_the_key():
    adr = real("MTES-MCT__dialog", "009_nommage_metier.md")  # "* Créatrion : 2024-05-02", "* Statut : Accepté"
    assert (adr.status, adr.decided_on) == ("accepted", date(2024, 5, 2))
    assert adr.deciders.startswith("Florimond Manca, Mathieu Marchois")
    assert "Créatrion" not in adr.context and "Statut" not in adr.context
    chinese = real("phodal__adr", "0001-编写完整的单元测试.md")  # "日期: 2017/11/22"
    assert chinese.decided_on == date(2017, 11, 22)


@needs_corpora
def test_bold_metadata_lines_and_an_update_date_that_is_not_the_filing_date():
    adr = real("fluxcd__flux2", "0004-insecure-http/README.md")  # **Creation Date:** then **Last update:**
    assert (adr.status, adr.status_text, adr.decided_on) == ("accepted", "implementable", date(2022, 9, 8))
    assert adr.sources["date"] == "a metadata line"


@pytest.mark.parametrize(
    "line",
    ["- Date 2023-03-14", "- Date: [2023-03-14]", "Date 14/03/2023", "* **Date**: 2023-03-14", "日期：2023-03-14"],
)
def test_date_line_variants(line):
    adr = parse("0001-x.md", f"# X\n\n{line}\n- Decider: Ann\n\n## Context\n\nWhy.\n")
    assert (adr.decided_on, adr.deciders, adr.context) == (date(2023, 3, 14), "Ann", "Why.")


# Metadata tables.


@pytest.mark.parametrize(
    "table",
    [
        "| **Status** | Draft |\n|---|---|\n| **Date** | 2023-03-14 |\n| Deciders | Ann, Bo |",
        "| | |\n|---|---|\n| Status | Draft |\n| Date | 2023-03-14 |\n| Deciders | Ann, Bo |",
        "| Status | Date | Deciders |\n| --- | :---: | --- |\n| Draft | 2023-03-14 | Ann, Bo |",
    ],
)
def test_metadata_in_a_markdown_table(table):
    adr = parse("0001-x.md", f"# Use Kafka\n\n{table}\n\n## Context\n\nWhy.\n")
    assert (adr.status, adr.decided_on, adr.deciders) == ("draft", date(2023, 3, 14), "Ann, Bo")
    assert adr.context == "Why."
    assert adr.sources["status"] == "a metadata table"


def test_a_table_with_a_supersedes_row_links_and_a_table_of_other_facts_stays_in_the_text():
    text = "# X\n\n| Status | Proposed |\n|---|---|\n| Supersedes | [ADR-3](0003-old.md) |\n\n## Context\n\nWhy.\n"
    adr = parse("0004-x.md", text)
    assert adr.status == "proposed"
    assert [(link.kind, link.target) for link in adr.links] == [("supersedes", "0003-old.md")]
    kept = parse("0004-x.md", "# X\n\n| Status | Review |\n|---|---|\n| Impact | High |\n")
    assert kept.status == "proposed" and "| Impact | High |" in kept.context


# Decorated titles and numbers.


@pytest.mark.parametrize(
    ("written", "title", "number"),
    [
        ("**ADR 012: Use Kafka**", "Use Kafka", 12),
        ("ADR-102: Use Kafka", "Use Kafka", 102),
        ("12 Use Kafka", "Use Kafka", 12),
        ("12. Use Kafka", "Use Kafka", 12),
        ("0001 - Angular Reactive Forms", "Angular Reactive Forms", 1),
        ("RFC-0002 Flux OCI support for Helm", "Flux OCI support for Helm", 2),
        ("RFC-0011: OpenTelemetry Tracing", "OpenTelemetry Tracing", 11),
        ("Architecture Decision Record: Configuration", "Configuration", None),
        ("[Superseded by [ADR-0007](0007-x.md)] Use Kafka", "Use Kafka", None),
        ("1.5 release plan", "1.5 release plan", None),
        ("ADR-tools compatibility", "ADR-tools compatibility", None),
    ],
)
def test_decorations_are_not_the_title(written, title, number):
    read = read_title(written)
    assert (read.text, read.number) == (title, number)


def test_a_status_in_front_of_the_title_is_the_status_and_a_link():
    adr = parse("0003-x.md", "# [Superseded by [ADR-0007](0007-new.md)] Use Kafka\n\n## Context\n\nWhy.\n")
    assert (adr.title, adr.status) == ("Use Kafka", "superseded")
    assert [(link.kind, link.target) for link in adr.links] == [("superseded_by", "0007-new.md")]


def test_the_file_name_number_wins_over_the_title_and_the_report_says_so():
    adr = parse("adr-021-use-kafka.md", "# 12. Use Kafka\n")
    assert (adr.number, adr.title) == (21, "Use Kafka")
    assert "the title says 12 but the file name says 21; the file name wins" in adr.warnings
    loose = parse("0010-rules.md", "# 3 rules for logging\n")
    assert (loose.number, loose.title) == (10, "3 rules for logging")


@needs_corpora
def test_numbers_in_front_matter_and_file_names():
    assert real("bitwarden__contributing-docs", "0001-reactive-forms.md").number == 1  # adr: "0001"
    letterbook = real("Letterbook__Letterbook", "07-posts-data-model.md")  # code: adr-7
    assert (letterbook.number, letterbook.sources["number"]) == (7, "front matter")
    arachne = real("arachne-framework__architecture", "adr-002-configuration.md")
    assert (arachne.number, arachne.title) == (2, "Configuration")


@needs_corpora
def test_a_template_word_as_the_title_gives_way_to_the_front_matter_title():
    adr = real("Letterbook__Letterbook", "04-error-reporting.md")  # title: Error Reporting, then "# Subject"
    assert adr.title == "Error Reporting"
    assert any("template word" in warning for warning in adr.warnings)


# Dates.


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("19/06/24", date(2024, 6, 19)),
        ("6/30/23", date(2023, 6, 30)),
        ("{8/18/22}", date(2022, 8, 18)),
        ("July 15 2021", date(2021, 7, 15)),
        ("Sep 5th, 2023", date(2023, 9, 5)),
        ("1st Sept. 2023", date(2023, 9, 1)),
        ("27th of June, 2024", date(2024, 6, 27)),
        ("15th May 2024", date(2024, 5, 15)),
        ("2022-12-01: first draft", date(2022, 12, 1)),
        ("**2022-05-19** partly implemented", date(2022, 5, 19)),
        ("le 3 mars 2023", None),
        ("soon", None),
    ],
)
def test_dates_as_people_write_them(written, expected):
    assert parse_date(written) == expected


@needs_corpora
def test_a_dated_changelog_gives_the_date_when_the_file_has_no_date_line():
    adr = real("cosmos__interchain-security", "adr-013-equivocation-slashing.md")  # * 1st Sept. 2023: Initial draft
    assert (adr.decided_on, adr.sources["date"]) == (date(2023, 9, 1), "the changelog")


@needs_corpora
def test_an_impossible_month_is_read_year_day_month_and_flagged():
    adr = real("fluxcd__flux2", "0007-git-repo-passwordless-auth/README.md")  # 2023-31-07
    assert adr.decided_on == date(2023, 7, 31)
    assert any("2023-31-07" in warning for warning in adr.warnings)


def _import_dates(*written: str) -> dict[str, tuple[date, list[str]]]:
    files = [(f"{n:04d}-x.md", f"# X\n\nDate: {when}\n".encode()) for n, when in enumerate(written, start=1)]
    _, parsed = importer.read_files(files, collection="c")
    return {adr.path: (adr.decided_on, result.warnings) for adr, result in parsed}


def test_an_ambiguous_date_follows_the_collection_and_is_flagged():
    day_first = _import_dates("04/07/2019", "19/06/2024")
    assert day_first["0001-x.md"][0] == date(2019, 7, 4)
    assert "reads two ways; it is read day first" in day_first["0001-x.md"][1][0]
    month_first = _import_dates("04/07/2019", "8/18/22", "6/30/23")
    assert month_first["0001-x.md"][0] == date(2019, 4, 7)
    assert "month first, 7 April 2019 (as 2 of the 2 dates" in month_first["0001-x.md"][1][0]
    assert not month_first["0002-x.md"][1]


# Statuses.


@pytest.mark.parametrize(
    ("written", "status"),
    [
        ("Reverted", "deprecated"),
        ("Partially Accepted", "accepted"),
        ("Implemented", "accepted"),
        ("Completed", "accepted"),
        ("Declined", "rejected"),
        ("✅ Accepted", "accepted"),
        ("🤔 Proposed", "proposed"),
        ("⌛️ Superseded by [ADR-0009](0009-x.md)", "superseded"),
        ("Accepted. We will revisit this once the migration is done.", "accepted"),
        ("TBD", "draft"),
        ("Review", "proposed"),
        ("ACCEPTÉ", "accepted"),
        ("已弃用", "deprecated"),
    ],
)
def test_statuses_in_the_wild(written, status):
    assert parse("0001-x.md", f"# X\n\n## Status\n\n{written}\n").status == status


@pytest.mark.parametrize(
    "line",
    [
        "[ accepted | deprecated | … ]",
        "[Deprecated|Proposed|Accepted]",
        "列表：提议/通过/完成/已弃用/已取代",
        "What is the status, such as proposed, accepted, rejected, deprecated or superseded?",
        "<!-- Must be one of provisional, implementable, implemented -->",
    ],
)
def test_guidance_text_is_not_a_status(line):
    assert is_guidance(line)
    adr = parse("0001-x.md", f"# X\n\n## Status\n\n{line}\n\nProposed\n")
    assert adr.status == "proposed"


def test_an_unfilled_template_imports_as_a_draft_with_no_placeholder_data():
    text = (
        "# Use Kafka\n\n- Status: [ accepted | deprecated | … ]\n"
        "- Deciders: [list everyone involved in the decision]\n- Tags: and/or,comma,separated,list\n"
    )
    adr = parse("0001-x.md", text)
    assert (adr.status, adr.deciders, adr.tags) == ("draft", "", "")
    assert len(adr.warnings) == 3


@pytest.mark.parametrize(
    "value", ["[list everyone involved in the decision]", "{name}", "<name>", "$NOMS", "…", "and/or,comma,separated"]
)
def test_placeholders(value):
    assert is_placeholder(value)
    assert not is_placeholder("Ada, Rui")


@needs_corpora
def test_a_dated_status_log_is_read_to_its_latest_entry():
    adr = real("phodal__adr", "0007-在-list-展示-adr-的状态.md")  # 提议, 通过, then 2017/11/24 完成
    assert (adr.status, adr.status_text, adr.sources["status"]) == ("accepted", "完成", "a dated status log")


@needs_corpora
def test_ticked_checkboxes_give_the_latest_status_and_none_ticked_is_a_draft():
    superseded = real("Letterbook__Letterbook", "775fdc75_docs-decisions/02-architecture-design-patterns.md")
    assert (superseded.status, superseded.decided_on) == ("superseded", date(2023, 7, 4))
    unticked = real("Letterbook__Letterbook", "775fdc75_docs-decisions/08-architecture-update-01.md")
    assert unticked.status == "draft"
    assert "no status box is ticked, so it is imported as a draft" in unticked.warnings


@needs_corpora
def test_a_status_history_in_front_matter():
    adr = real("Letterbook__Letterbook", "02-architecture-design-patterns.md")  # decided, then superseded
    assert (adr.status, adr.decided_on) == ("superseded", date(2023, 7, 24))
    assert adr.sources["status"] == "a status history in front matter"


def test_a_tag_over_the_limit_is_reported_as_too_long():
    adr = parse("0001-x.md", "---\ntags: [kafka, " + "a" * 41 + "]\n---\n# X\n")
    assert adr.tags == "kafka"
    assert adr.warnings == ["tags left out as longer than 40 characters: " + "a" * 41]


# The fidelity report.


@needs_corpora
def test_the_fidelity_report_says_what_was_read_and_from_where():
    files = importer.read_folder(CORPORA / "cosmos__interchain-security")
    _, parsed = importer.read_files(files, collection="cosmos")
    read = {result.path: {row[0]: row[1:] for row in result.read} for _, result in parsed}
    assert read["adr-013-equivocation-slashing.md"] == {
        "number": ["13", "the file name"],
        "title": ["Slashing on the provider for consumer equivocation", "the title"],
        "status": ["accepted", "the Status section"],
        "date": ["2023-09-01", "the changelog"],
        "deciders": ["none", "not stated"],
        "tags": ["none", "not stated"],
        "links": ["0", ""],
    }


# Reference links.


@needs_corpora
def test_every_field_sees_the_file_link_definitions():
    adr = real("Letterbook__Letterbook", "775fdc75_docs-decisions/02-architecture-design-patterns.md")
    # "- [x] Superseded ([2024-02-16][adr-08])" sits under Status; "[adr-08]: ./08-…" at the end of the file.
    assert re.search(
        r'<a href="./08-architecture-update-01.md"[^>]*>2024-02-16</a>', render_markdown(adr.other_sections)
    )
    links_in = real("Letterbook__Letterbook", "02-architecture-design-patterns.md")
    for field in ("context", "decision_text", "consequences", "other_sections"):
        html = render_markdown(getattr(links_in, field))
        assert not re.search(r"\[[^\]]+\]\[[^\]]*\]", html), field  # no reference left as literal brackets


def test_collapsed_and_shortcut_references_get_their_definitions_too():
    text = (
        "# X\n\n## Context\n\nSee [Flux 0.24][] and [the RFC].\n\n## Links\n\n"
        "[flux 0.24]: https://a.example\n[The RFC]: https://b.example\n"
    )
    adr = parse("0001-x.md", text)
    html = render_markdown(adr.context)
    assert 'href="https://a.example"' in html and 'href="https://b.example"' in html


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Monday, 15 July 2021", date(2021, 7, 15)),
        ("Tue Jul 15 2025", date(2025, 7, 15)),
        ("July 2021", date(2021, 7, 1)),
    ],
)
def test_weekdays_and_month_only_dates(written, expected):
    assert parse_date(written) == expected


def test_a_month_only_date_is_flagged():
    adr = parse("0001-x.md", "# X\n\nDate: July 2021\n")
    assert adr.decided_on == date(2021, 7, 1)
    assert "names a month only" in adr.warnings[0]


def test_a_crossed_out_status_is_the_old_one_and_a_dated_status_gives_the_date():
    adr = parse("0001-x.md", "# X\n\n## Status\n\n~~Proposed~~ Accepted on 2023-03-14\n")
    assert (adr.status, adr.decided_on, adr.sources["date"]) == ("accepted", date(2023, 3, 14), "the status line")


def test_a_metadata_section_and_front_matter_keys_in_any_of_the_known_words():
    text = (
        "---\nstatut: Accepté\ndecided by: [Ann]\n---\n# X\n\n"
        "## Metadata\n\n| Date | 2023-03-14 |\n|---|---|\n\n## Context\n\nWhy.\n"
    )
    adr = parse("0001-x.md", text)
    assert (adr.status, adr.deciders, adr.decided_on) == ("accepted", "Ann", date(2023, 3, 14))
    assert "Metadata" not in adr.other_sections


def test_a_kind_number_and_dash_before_the_title():
    assert read_title("ADR-0001 - Use Kafka").text == "Use Kafka"


def test_a_field_value_table_under_a_numbered_status_heading_keeps_its_other_facts():
    text = (
        "# ADR-0038 — Transactional Outbox\n\n## 1. Status\n\n| Field | Value |\n|---|---|\n| Status | Accepted |\n"
        "| Date | 2025-06-10 |\n| Deciders | David Okafor (Chair), Amara Osei |\n| Review tier | Tier 2 |\n\n"
        "## 2. Context\n\nWhy.\n"
    )
    adr = parse("0038-outbox.md", text)
    assert (adr.number, adr.title, adr.status, adr.decided_on) == (38, "Transactional Outbox", "accepted",
                                                                    date(2025, 6, 10))  # fmt: skip
    assert adr.deciders == "David Okafor (Chair), Amara Osei"
    assert "| Review tier | Tier 2 |" in adr.other_sections and "| Status | Accepted |" not in adr.other_sections
    assert adr.context == "Why."


def test_a_table_headed_by_its_status_row():
    text = "# RFC 001: onCallGenkit\n\n| Status | Accepted |\n|--------|----------|\n| **Created** | 2026-02-17 |\n"
    adr = parse("001-oncall.md", text)
    assert (adr.title, adr.status, adr.decided_on, adr.context) == ("onCallGenkit", "accepted", date(2026, 2, 17), "")


@pytest.mark.parametrize(
    "text", ["# X\n\n## Status: Accepted\n\n## Context\n\nWhy.\n", "# X\n\nStatus: :white_check_mark: Accepted\n"]
)
def test_a_status_in_its_heading_or_after_an_emoji_shortcode(text):
    adr = parse("0001-x.md", text)
    assert (adr.status, adr.warnings) == ("accepted", [])


def test_a_section_for_one_fact_and_front_matter_relations_by_id():
    text = (
        "---\nsuperseded_by: ADR-0040\n---\n# ADR-005: Home-Manager\n\n"
        "## Status\n\nSuperseded by ADR 0040 (2026-09-28)\n\n"
        "## Date\n\n2026-01-20\n\n## Deciders\n\n- Ann\n- Bo\n\n## Context\n\nWhy.\n"
    )
    adr = parse("005-home.md", text)
    assert (adr.status, adr.decided_on, adr.deciders) == ("superseded", date(2026, 1, 20), "Ann, Bo")
    assert adr.sources["date"] == "a section of its own"
    assert [(link.kind, link.target) for link in adr.links] == [("superseded_by", "#40")]
    assert "## Date" not in adr.other_sections and adr.context == "Why."


# Text as editors save it.


def test_windows_1252_and_utf_16_files_are_read_and_the_first_is_noted():
    notes = []
    text = decode("# Décision\n\nStatut : Accepté\n".encode("cp1252"), notes)
    assert text.startswith("# Décision") and notes == ["the file is not UTF-8, so it was read as Windows-1252"]
    assert decode("# Use Kafka\n\nStatus: Accepted\n".encode("utf-16")).startswith("# Use Kafka")


def test_toml_front_matter_and_front_matter_after_blank_lines():
    hugo = parse("0003-x.md", '+++\ntitle = "Use Kafka"\nstatus = "accepted"\ndate = 2024-05-02\n+++\n\nWhy.\n')
    assert (hugo.title, hugo.status, hugo.decided_on) == ("Use Kafka", "accepted", date(2024, 5, 2))
    late = parse("0003-x.md", "\n\n---\nstatus: rejected\n---\n# Use Kafka\n")
    assert (late.title, late.status) == ("Use Kafka", "rejected")


def test_underlined_headings():
    text = "Use Kafka\n=========\n\nStatus\n------\n\nAccepted\n\nContext\n-------\n\nWhy.\n\n---\n\nAfter a rule.\n"
    adr = parse("0004-x.md", text)
    assert (adr.title, adr.status, adr.context) == ("Use Kafka", "accepted", "Why.\n\n---\n\nAfter a rule.")


@pytest.mark.parametrize(
    ("path", "text", "title", "status", "decided"),
    [
        ("0005-x.md", "# Use Kafka (Accepted)\n", "Use Kafka", "accepted", None),
        ("0005-x.md", "# Use Kafka [DEPRECATED]\n", "Use Kafka", "deprecated", None),
        ("0005-x.md", "# Use Kafka (for orders)\n", "Use Kafka (for orders)", "accepted", None),
        ("x.md", "# 2021-03-04 Use Kafka\n", "Use Kafka", "accepted", date(2021, 3, 4)),
        ("0005-x.md", "# Use Kafka\n\nDate: 2023-03\n", "Use Kafka", "accepted", date(2023, 3, 1)),
    ],
)
def test_a_status_after_the_title_a_date_before_it_and_a_month_date(path, text, title, status, decided):
    adr = parse(path, text)
    assert (adr.title, adr.status, adr.decided_on) == (title, status, decided)


@pytest.mark.parametrize("path", ["adr-index.md", "docs/decisions.md", "CHANGELOG.md", "adr/_toc.md"])
def test_more_index_pages_are_skipped(path):
    assert "index page" in skip_reason(path, "# Decisions\n\n* [1. X](0001-x.md)\n")


# Seen on held-back collections: front matter YAML cannot read, files saved without .md, one-line facts.


@pytest.mark.parametrize(
    ("front", "problem"),
    [
        ("tag:Web Client\nstatus:deprecated", "is not a list of keys and values"),
        ("title: ADR012: Use Luxon\nstatus: [proposed", "is not valid YAML (line 2)"),
    ],
)
def test_front_matter_yaml_cannot_read_is_read_line_by_line_with_a_note(front, problem):
    adr = parse("0010-coding-style.md", f"---\n{front}\n---\n\n# 10. Coding Style\n\nDate: 2018-09-05\n")
    assert (adr.title, adr.number, adr.decided_on) == ("Coding Style", 10, date(2018, 9, 5))
    assert adr.warnings[0].startswith(f"the front matter {problem}, so its lines were read one by one")
    assert adr.status == ("deprecated" if "tag:" in front else "proposed")  # `[proposed` reads as a person reads it


def test_a_numbered_file_saved_without_md_is_read_and_other_files_without_a_suffix_are_not():
    files = [
        ("0016-handle-concurrent-git-operations", b"# 16. Handle concurrent git operations\n\n## Status\n\nAccepted\n"),
        ("0017-notes", b"plain notes, not Markdown\n"),
        ("Makefile", b"# build\nall:\n"),
    ]
    report, parsed = importer.read_files(files, collection="team")
    assert [(adr.path, adr.number, adr.title) for adr, _ in parsed] == [
        ("0016-handle-concurrent-git-operations", 16, "Handle concurrent git operations")
    ]
    assert report.ignored == 2 and len(report.results) == 1


def test_template_brackets_left_round_a_filled_title_and_its_number():
    adr = parse("0009-fhirpath-module.md", "# [0010]. [FHIRPath Python Module]\n\nDate: 2022-06-27\n")
    assert (adr.title, adr.number) == ("FHIRPath Python Module", 9)
    assert "the title says 10 but the file name says 9; the file name wins" in adr.warnings
    assert skip_reason("template.md", "# [short title of solved problem and solution]\n")
    assert skip_reason("0009-x.md", "# [0010]. [FHIRPath Python Module]\n") is None


@pytest.mark.parametrize(
    ("lines", "status", "decided", "kept"),
    [
        ("Data: 2026-08-24 · Status: aceito · Release: v2.9.0", "accepted", date(2026, 8, 24), True),
        ("> Status: Aceito\n> Data: 2026-05-01 (introduzido com `accounts.User`)", "accepted", date(2026, 5, 1), False),
        ("- Data: 20/09/2026\n- Status: aceito (A03)\n- Decisores: Ana", "accepted", date(2026, 9, 20), False),
        ("Status: aceito\nData e hora: 2026-10-03T00:36:41-04:00", "accepted", date(2026, 10, 3), False),
        ("Status: Proposed\nData: we keep three copies", "proposed", None, True),
    ],
)
def test_facts_on_one_line_in_a_quote_and_in_portuguese(lines, status, decided, kept):
    adr = parse("0006-backup.md", f"# ADR-0006 — Backup e restauração\n\n{lines}\n\n## Contexto\n\nAté a v2.8.1.\n")
    assert (adr.status, adr.decided_on) == (status, decided)
    assert (lines.splitlines()[-1] in adr.context) is kept


@pytest.mark.parametrize(
    ("written", "day"),
    [("3 de março de 2024", date(2024, 3, 3)), ("12 maggio 2023", date(2023, 5, 12)), ("07.08.2026", date(2026, 8, 7))],
)
def test_month_names_in_more_languages_and_dotted_dates_day_first(written, day):
    assert parse_date(written) == day
    assert not parse("0001-x.md", f"# X\n\nDatum: {written}\n").warnings
