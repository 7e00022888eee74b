"""Import every real ADR collection in ../shared/corpora/ and check it file by file.

The oracle is independent of the parser: every line of a file's text must reach the decision
(nothing dropped), the title must be the file's own H1 (or, where the H1 is a word a template
left, its front matter's title), a file that states a date must have one, and the statuses per
collection must match the counts that ../shared/corpora/README.md gives for them.
"""

import re
from collections import Counter

import pytest

from decisions import workflow
from decisions.adr_files import importer
from decisions.models import Decision
from tests.shared import CORPORA

COLLECTIONS = sorted(path.name for path in CORPORA.iterdir() if path.is_dir()) if CORPORA else []

# From the corpora README: what each collection's files say in their status, as written.
STATUS_COUNTS = {
    "alphagov__govuk-aws": {"Accepted": 28, "Pending": 6, "Proposed": 1, "Approved": 1, "Partly superseded": 1},
    "cisagov__manage.get.gov": {"Accepted": 18, "Approved": 8, "Proposed": 2, "In Review": 2, "Under Review": 1},
    "npryce__adr-tools": {"Accepted": 9},
    # Group C, as the README counts them (the latest entry of a status log or history).
    "arachne-framework__architecture": {"Accepted": 1, "Proposed": 4, "PROPOSED": 12},
    "cosmos__interchain-security": {"Accepted": 12, "Proposed": 4, "Rejected": 2, "Deprecated": 2, "Implemented": 1},
    "bitwarden__contributing-docs": {"Accepted": 31, "Deprecated": 2},
    "phodal__adr": {"完成": 11, "提议": 9, "通过": 3, "已弃用": 1},
    "MTES-MCT__dialog": {"Accepté": 6, "ACCEPTÉ": 5},
    "Letterbook__Letterbook": {"decided": 8, "revised": 1, "superseded": 1, "deferred": 1, "": 1},
    "fluxcd__flux2": {"implemented": 7, "implementable": 4, "implemented (partially)": 1, "": 1},
}
# The app's status for each: implemented and implementable are in force, deferred is not decided yet,
# a checkbox list with no box ticked is a draft, no status at all is in force (log4brains' rule).
APP_STATUS_COUNTS = {
    "arachne-framework__architecture": {"accepted": 1, "proposed": 16},
    "cosmos__interchain-security": {"accepted": 13, "proposed": 4, "rejected": 2, "deprecated": 2},
    "bitwarden__contributing-docs": {"accepted": 31, "deprecated": 2},
    "phodal__adr": {"accepted": 14, "proposed": 9, "deprecated": 1},
    "MTES-MCT__dialog": {"accepted": 11},
    "Letterbook__Letterbook": {"accepted": 16, "superseded": 2, "proposed": 2, "draft": 1},
    "fluxcd__flux2": {"accepted": 13},
    "alphagov__govuk-aws": {"accepted": 30, "proposed": 7, "superseded": 1},
    "cisagov__manage.get.gov": {"accepted": 26, "proposed": 5, "superseded": 1},
    "npryce__adr-tools": {"accepted": 9},
}
# Files a person would not call decisions, and why; everything else must be imported.
EXPECTED_SKIPS = {
    "JabRef__jabref": {"adr-template.md": "template", "index.md": "index page"},
    "adr__madr": {
        "adr-template.md": "template",
        "index.md": "index page",
        "template/README.md": "index page",
        "template/adr-template.md": "template",
        "template/adr-template-minimal.md": "template",
        "template/adr-template-bare.md": "template",
        "template/adr-template-bare-minimal.md": "template",
        "v2.1.2_docs-adr/index.md": "index page",
        "v2.1.2_docs-adr/template.md": "template",
        "v3.0.0_docs-decisions/adr-template.md": "template",
        "v3.0.0_docs-decisions/index.md": "index page",
    },
    # Group C: the aux files the corpora README lists.
    "cosmos__interchain-security": {"intro.md": "index page", "templates/adr-template.md": "template"},
    "bitwarden__contributing-docs": {"index.mdx": "index page"},
    "phodal__adr": {"README.md": "index page"},
    "MTES-MCT__dialog": {"README.md": "index page", "_template.md": "template"},
    "Letterbook__Letterbook": {"775fdc75_docs-decisions/00-template.md": "template"},
    "fluxcd__flux2": {"README.md": "index page", "RFC-0000/README.md": "template"},
    "thomvaill__log4brains": {
        "docs/adr/README.md": "index page",
        "docs/adr/index.md": "index page",
        "docs/adr/template.md": "template",
        "packages/core/integration-tests/ro-project/docs/adr/template.md": "template",
        "packages/core/integration-tests/ro-project/packages/package1/adr/template.md": "template",
    },
}
TEXT_FIELDS = ["context", "decision_text", "consequences", "considered_options", "other_sections", "source_status"]
METADATA = re.compile(
    r"^\s*(?:[*-]\s+)?(?:\*\*)?(status|statut|date|日期|creation date|création|créatrion|deciders|decision-makers|"
    r"personnes impliquées|tags)(?:\*\*)?\s?[:：]",
    re.IGNORECASE,
)
# A file states a date: a date line, a front matter date, a dated history, checkbox or changelog.
STATES_A_DATE = re.compile(
    r"^(?:\s*(?:[*-]\s+)?(?:\*\*)?(?:date|日期|creation date|création|créatrion)(?:\*\*)?\s?[:：]?(?:\*\*)?\s*\d"
    r"|\s*-?\s*date: \d|- \[x\] \w+ \(\d|## changelog\n+[*-]\s+\S*\d)",
    re.IGNORECASE | re.MULTILINE,
)
GENERIC_H1 = {"subject"}  # Letterbook's 04 keeps its template's "# Subject" under `title: Error Reporting`
LINK_ONLY = re.compile(
    r"^[*-]?\s*(supersedes|superseded by|superceded by|amends|amended by|refine[sd]|relate[sd] to)\b", re.I
)


def _body_lines(text: str) -> list[str]:
    """The lines of a file a reader would miss if they were dropped: not front matter, the title,
    headings, metadata lines or lines holding only a link to another ADR."""
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        text = text[end + 4 :]
    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or METADATA.match(stripped) or LINK_ONLY.match(stripped):
            continue
        if re.fullmatch(r"<!--.*-->", stripped):
            continue
        lines.append(stripped)
    return lines


def _first_h1(text: str) -> str | None:
    if text.startswith("---\n"):
        text = text[text.find("\n---", 4) + 4 :]
    in_fence = False
    for line in text.split("\n"):
        if line.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and line.startswith("# "):
            return line[2:].strip()
    return None


@pytest.fixture(scope="module")
def report_lines():
    lines = []
    yield lines
    print("\n\nADR corpora imported:\n" + "\n".join(lines))  # shown with -s, and in CI logs on failure


@pytest.mark.skipif(not COLLECTIONS, reason="../shared/corpora is not on this machine")
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_every_file_of_a_real_collection_comes_through(db, collection, report_lines):
    files = importer.read_folder(CORPORA / collection)
    report = workflow.adrs_import(files, collection=collection, by=None)
    assert report.committed and not report.broken

    skipped = {result.path: result.reason for result in report.results if result.outcome == "skipped"}
    expected = EXPECTED_SKIPS.get(collection, {})
    assert skipped.keys() == expected.keys()
    for path, reason in skipped.items():
        assert expected[path] in reason, path

    texts = dict(files)
    decisions = {d.source_path.split("/", 1)[1]: d for d in Decision.objects.filter(source_path__startswith=collection)}
    assert decisions.keys() == {r.path for r in report.results if r.outcome == "imported"}
    for path, decision in decisions.items():
        text = texts[path].decode("utf-8-sig").replace("\r\n", "\n")
        assert decision.source_text == text, path
        h1 = _first_h1(text)
        if h1 and h1.lower() in GENERIC_H1 and text.startswith("---\n"):
            assert f"title: {decision.title}\n" in text, path
        elif h1:
            assert decision.title in h1 or h1.endswith(decision.title), path
        if STATES_A_DATE.search(text):
            assert decision.decided_on, f"{path} states a date but none was read"
        kept = "\n".join(getattr(decision, name) for name in TEXT_FIELDS)
        missing = [line for line in _body_lines(text) if line != h1 and line not in kept]
        assert not missing, f"{path} lost: {missing[:3]}"

    if collection in STATUS_COUNTS:
        written = Counter(d.source_status for d in decisions.values())
        for status, count in STATUS_COUNTS[collection].items():
            assert written[status] == count, status
    statuses = Counter(d.status for d in decisions.values())
    if collection in APP_STATUS_COUNTS:
        assert statuses == APP_STATUS_COUNTS[collection]
    report_lines.append(
        f"  {collection:26} {report.summary():60} statuses: "
        + ", ".join(f"{status} {count}" for status, count in sorted(statuses.items()))
    )

    again = workflow.adrs_import(files, collection=collection, by=None)
    assert again.count("unchanged") == len(decisions)
    assert Decision.objects.filter(source_path__startswith=collection).count() == len(decisions)
