"""Reading single ADR files in the formats of ../shared/ADR-FORMATS.md and the variations teams write."""

from datetime import date

import pytest

from decisions.adr_files.parse import BrokenFile, decode, parse, skip_reason

NYGARD = """# 2. Implement as shell scripts

Date: 2016-02-12

## Status

Superceded by [3. Use Python](0003-use-python.md)

Amends [1. Record architecture decisions](0001-record-architecture-decisions.md)

## Context

Why.

## Decision

What.

## Consequences

So.

## Alternatives Considered

Perl.

## Rollout

First staging.
"""


def test_nygard_fields_links_and_unknown_sections_in_order():
    adr = parse("0002-implement-as-shell-scripts.md", NYGARD)
    assert adr.format == "nygard"
    assert (adr.number, adr.title, adr.decided_on) == (2, "Implement as shell scripts", date(2016, 2, 12))
    assert (adr.status, adr.status_text) == ("superseded", "Superceded by [3. Use Python](0003-use-python.md)")
    assert [(link.kind, link.target) for link in adr.links] == [
        ("superseded_by", "0003-use-python.md"),
        ("amends", "0001-record-architecture-decisions.md"),
    ]
    assert (adr.context, adr.decision_text, adr.consequences, adr.considered_options) == (
        "Why.",
        "What.",
        "So.",
        "Perl.",
    )
    assert adr.other_sections == "## Rollout\n\nFirst staging."


@pytest.mark.parametrize(
    "header",
    [
        "---\nstatus: accepted\n---\n# Use Kafka\n",
        "# Use Kafka\n\n* Status: accepted\n* Date: 2020-01-01\n",
        "# Use Kafka\n\n- Status: accepted <!-- optional -->\n",
        "# Use Kafka\n\n**Status**: Accepted\n",
        "# Use Kafka\n\n**Status:** Accepted\n",
        "# Use Kafka\n\n## Status\n\nAccepted\n",
        "# Use Kafka\n\n# Status\n\nAccepted (documenting an existing thing)\n",
    ],
)
def test_status_is_read_wherever_teams_write_it(header):
    adr = parse("0007-use-kafka.md", header + "\n## Context\n\nWhy.\n")
    assert adr.status == "accepted"
    assert adr.title == "Use Kafka"
    assert adr.context == "Why."


@pytest.mark.parametrize(
    ("written", "status"),
    [
        ("Accepted (documenting an existing thing)", "accepted"),
        ("Approved", "accepted"),
        ("Partly superseded", "accepted"),
        ("Superceded by [2. X](0002-x.md)", "superseded"),
        ("superseded by ADR-0057", "superseded"),
        ("Pending", "proposed"),
        ("In Review", "proposed"),
        ("on hold", "proposed"),
        ("Deprecated", "deprecated"),
        ("Rejected", "rejected"),
        ("draft", "draft"),
        ("Maybe later", "draft"),
    ],
)
def test_decorated_statuses_map_to_the_nearest_state_and_keep_the_original(written, status):
    adr = parse("0001-x.md", f"# X\n\n## Status\n\n{written}\n")
    assert (adr.status, adr.status_text) == (status, written)


def test_an_unknown_status_is_a_draft_with_a_note_and_no_status_means_accepted():
    assert parse("0001-x.md", "# X\n\n## Status\n\nMaybe later\n").warnings
    assert parse("0001-x.md", "# X\n\n## Context\n\nWhy.\n").status == "accepted"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2020-01-31", date(2020, 1, 31)),
        ("31/01/2020", date(2020, 1, 31)),
        ("2020/01/31", date(2020, 1, 31)),
        ("31 January 2020", date(2020, 1, 31)),
        ("January 31, 2020", date(2020, 1, 31)),
        ("2020-01-31T10:00:00Z", date(2020, 1, 31)),
        ("2023-13-10", date(2023, 10, 13)),
        ("[YYYY-MM-DD when the decision was last updated]", None),
    ],
)
def test_dates_in_several_formats(written, expected):
    assert parse("0001-x.md", f"# X\n\nDate: {written}\n").decided_on == expected


def test_yaml_dates_and_lists_in_front_matter():
    text = "---\ndate: 2024-09-17\ndecision-makers: [Ada, Rui]\ntags: [Kafka, payments]\n---\n# X\n"
    adr = parse("0001-x.md", text)
    assert (adr.decided_on, adr.deciders, adr.tags) == (date(2024, 9, 17), "Ada, Rui", "kafka,payments")
    assert adr.format == "madr4"


def test_numbers_from_front_matter_file_name_or_title_and_none():
    assert parse("0012-x.md", "# X\n").number == 12
    assert parse("x.md", "# 7. X\n").number == 7
    assert parse("x.md", "---\nnumber: 40\n---\n# X\n").number == 40
    none = parse("some-decision.md", "# X\n")
    assert (none.number, none.source_id) == (None, "some-decision")


def test_log4brains_date_prefix_is_a_date_not_a_number():
    adr = parse("docs/adr/20201016-use-slugs.md", "# Use slugs\n\n- Status: accepted\n\n## Context\n\nWhy.\n")
    assert adr.number is None
    assert adr.decided_on == date(2020, 10, 16)
    assert adr.source_id == "20201016-use-slugs"
    assert adr.format == "log4brains"


def test_madr_consequences_under_the_outcome_get_their_own_field():
    text = (
        "# X\n\n## Decision Outcome\n\nChosen option: A.\n\n### Consequences\n\n* Good, because fast\n\n"
        "### Confirmation\n\nReview.\n"
    )
    adr = parse("0001-x.md", text)
    assert adr.decision_text == "Chosen option: A.\n\n### Confirmation\n\nReview."
    assert adr.consequences == "* Good, because fast"


def test_headings_inside_code_fences_are_text():
    text = "# Real title\n\n## Context\n\n```markdown\n# Not a title\n## Not a section\n```\n"
    adr = parse("0001-x.md", text)
    assert adr.title == "Real title"
    assert "## Not a section" in adr.context


def test_a_file_without_a_title_takes_one_from_its_name():
    adr = parse("docs/20201028-adr-with-no-metadata-no-title.md", "Just text.\n")
    assert adr.title == "Adr with no metadata no title"
    assert adr.warnings


def test_front_matter_comments_are_not_titles():
    text = "---\n# status: accepted\nparent: Decisions\n---\n# Real\n"
    assert parse("0001-x.md", text).title == "Real"


def test_several_links_in_the_links_section_and_front_matter_status():
    text = (
        '---\nstatus: "accepted; supersedes ADR-0045"\n---\n# X\n\n## Links\n\n'
        "* Refines [ADR-0005](0005-example.md)\n* Amends [4. Y](./0004-y.md)\n* See the wiki for more.\n"
    )
    adr = parse("0057-x.md", text)
    assert [(link.kind, link.target) for link in adr.links] == [
        ("relates", "0005-example.md"),
        ("amends", "./0004-y.md"),
        ("supersedes", "#45"),
    ]
    assert adr.other_sections == "## Links\n\n* See the wiki for more."


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("docs/adr/index.md", "# Decisions\n"),
        ("README.md", "# ADRs\n"),
        ("template.md", "# [short title of solved problem and solution]\n"),
        ("adr-template.md", "# {short title}\n"),
        ("0000-draft.md", "# {short title, representative of solved problem and found solution}\n"),
    ],
)
def test_templates_and_index_pages_are_skipped(path, text):
    assert skip_reason(path, text)


def test_an_eventcatalog_adr_is_not_an_index_page():
    assert skip_reason("adrs/adr-001/index.mdx", "---\nid: adr-001\nname: X\nversion: 1.0.0\n---\n") is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"# X\n\x81\x8d bad", "not UTF-8 text, nor Windows-1252"),
        (b"\xff\xfe# X\n\x00\xd8", "not text"),
        (b"# X\x00", "NUL"),
        (b"x" * 1_000_001, "larger than"),
    ],
)
def test_broken_bytes_are_refused_with_a_reason(data, reason):
    with pytest.raises(BrokenFile, match=reason):
        decode(data)


def test_front_matter_that_abuses_yaml_is_refused():
    with pytest.raises(BrokenFile, match="aliases"):
        parse("0001-x.md", "---\na: &x 1\nstatus: *x\n---\n# X\n")


def test_windows_line_endings_and_a_byte_order_mark():
    adr = parse("0001-x.md", decode(b"\xef\xbb\xbf# X\r\n\r\n## Context\r\n\r\nWhy.\r\n"))
    assert (adr.title, adr.context) == ("X", "Why.")


@pytest.mark.parametrize(
    ("path", "stem", "skip"),
    [
        ("0002-helm-oci/README.md", "0002-helm-oci", None),  # one folder per decision
        ("adrs/RFC-0011/index.md", "RFC-0011", None),
        ("RFC-0000/README.md", "RFC-0000", "template"),  # the folder numbered 0 is the template
        ("README.md", "README", "index page"),
        ("template/README.md", "README", "index page"),
        ("v2.1.2_docs-adr/index.md", "index", "index page"),  # a version, not a decision's number
        ("intro.md", "intro", "index page"),
        ("_template.md", "_template", "template"),
    ],
)
def test_one_folder_per_decision_is_read_by_its_folder_name(path, stem, skip):
    from decisions.adr_files.parse import decision_stem

    assert decision_stem(path) == stem
    reason = skip_reason(path, "# Some title\n\nText.\n")
    assert (reason is None) if skip is None else (skip in reason)


def test_a_number_in_a_prefixed_file_or_folder_name_is_the_decision_number():
    assert parse("adr-021-use-events.md", "# Use events\n\nText.\n").number == 21
    assert parse("0002-helm-oci/README.md", "# RFC-0002 Flux OCI support for Helm\n\nText.\n").number == 2
