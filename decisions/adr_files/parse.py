"""Read one ADR Markdown file, in whatever format a team wrote it, into plain fields.

Plain Python, no Django. ../shared/ADR-FORMATS.md describes the formats; the precedence
rules for status, date and number come from there (section 3.8). Nothing a file says is
dropped: sections the app has no field for are kept, in order, in `other_sections`.
"""

from __future__ import annotations

import re
import tomllib
import urllib.parse
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath

import yaml

from .. import factors
from ..tags import TAG_MAX, split_tags
from . import values
from .values import WrittenDate, is_guidance, is_placeholder, read_date, read_title, status_from_text

MAX_FILE_BYTES = 1_000_000
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx")
FRONT_MATTER_MAX = 20_000
FRONT_MATTER_DEPTH = 10
TITLE_MAX = 200

# A record with no status at all is taken as in force (log4brains' rule); one whose
# status nobody recognises is a draft until someone looks at it.
MISSING_STATUS = "accepted"
UNKNOWN_STATUS = "draft"

SECTION_FIELDS = {
    "context": "context",
    "context and problem statement": "context",
    "context and problem": "context",
    "problem statement": "context",
    "background": "context",
    "decision": "decision_text",
    "decision outcome": "decision_text",
    "outcome": "decision_text",
    "consequences": "consequences",
    "considered options": "considered_options",
    "options considered": "considered_options",
    "options": "considered_options",
    "alternatives": "considered_options",
    "alternatives considered": "considered_options",
    "contexte": "context",
    "contexte et problème": "context",
    "上下文": "context",
    "背景": "context",
    "décision": "decision_text",
    "决策": "decision_text",
    "conséquences": "consequences",
    "结果": "consequences",
    "后果": "consequences",
    "options envisagées": "considered_options",
}
STATUS_SECTIONS = {"status", "statut", "状态", "estado", "decision status"}
_STATUS_HEADING = re.compile(r"^(?:status|statut|状态|estado)\s*[:：]\s*\S")
# Sections that hold a record's metadata (a table or key lines); what is not metadata stays in them.
METADATA_SECTIONS = {"metadata", "meta", "properties", "page properties", "document information", "details",
                     "record", "decision record", "information", "info"}  # fmt: skip
# Rule *a dated changelog gives the filing date* when the file states no date of its own.
CHANGELOG_SECTIONS = {"changelog", "change log", "history", "revision history", "document history", "version history",
                      "status history", "implementation history", "changes"}  # fmt: skip
STYLE_SECTION = "integration style"  # written by this app's exports, read back on import

LINK_KINDS = {
    "supersedes": "supersedes",
    "superseded by": "superseded_by",
    "superceded by": "superseded_by",
    "amends": "amends",
    "amended by": "amended_by",
}
_LINK_WORDS = "|".join(
    [*LINK_KINDS, "refines", "refined by", "relates to", "related to", "clarifies", "clarified by", "extends"]
)
MARKDOWN_LINK = re.compile(rf"\b({_LINK_WORDS})\b:?\s*\[([^\]]*)\]\(([^)\s]+)[^)]*\)", re.IGNORECASE)
ID_LINK = re.compile(rf"\b({_LINK_WORDS})\b:?\s*(?:ADR[- ]?)#?(\d+)\b", re.IGNORECASE)

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# Rule *metadata lines*: `Status: x`, `- Date: x`, `* Date : x`, `**Status:** x`, `日期: x`, and for a date
# the colon may be missing (`- Date 2023-03-14`). The keys teams use, in the languages met so far:
META_KEYS = {
    **dict.fromkeys(["status", "statut", "estado", "stato", "状态", "state", "current status", "adr status",
                     "decision status"], "status"),
    **dict.fromkeys(["date", "datum", "fecha", "data", "日期", "date and time", "data e hora", "fecha y hora",
                     "datum und uhrzeit", "erstellt", "erstellt am", "data de criação", "fecha de creación",
                     "created", "created on", "created at", "creation date", "date created", "creation", "création",
                     "date de création", "decided on", "decision date", "date of decision", "filed", "filed on",
                     "date decided", "accepted on", "approved on", "proposed on", "date proposed", "created date",
                     "decision-date", "decided"], "date"),
    **dict.fromkeys(["deciders", "decider", "decision-makers", "decision makers", "decision maker", "decisionmakers",
                     "approvers", "approver", "personnes impliquées", "participants", "决策者", "decisores",
                     "decisori", "entscheider", "beteiligte", "decided by", "approved by", "decision owner",
                     "decider(s)"], "deciders"),
    **dict.fromkeys(["tags", "tag", "labels", "keywords", "categories", "topics", "étiquettes", "标签"], "tags"),
    **dict.fromkeys(["revisit on", "revisit-on", "review date", "next review", "next review date"], "revisit-on"),
}  # fmt: skip
_LINE_START = r"^\s*(?:>\s*)?(?:[*+-]\s+)?(?:\*\*|__)?"  # in a quote, a list item, bold
_META_LINE = re.compile(
    _LINE_START + r"(?P<key>[^\W\d_][\w' -]{0,30}?)(?:\*\*|__)?\s*[:：](?:\*\*|__)?\s*(?P<value>.*)$"
)
_DATE_LINE = re.compile(_LINE_START + r"(?P<key>date|日期)(?:\*\*|__)?\s+(?P<value>[\[({]?\d.*)$", re.I)
_DATE_ONLY_KEYS = {"data", "erstellt"}  # words that are a date's key only when a date follows
# Rule *several facts on one line*: `Data: 2026-08-24 · Status: aceito · Release: v2.9.0`.
_FACT_SEPARATOR = re.compile(r"\s+[·•|]\s+")
_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")
_CHECKBOX = re.compile(r"^\s*[*+-]\s+\[([ xX])\]\s+(.*)$")
_LOG_ENTRY = re.compile(
    r"^\s*(?:[*+-]\s+)?(?:\*\*)?(?P<when>[\[{(]?\d[\d/.-]{5,}\d[\]})]?)(?:\*\*)?[\s:：-]+(?P<what>.+)$"
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_FILE_NUMBER = re.compile(r"^(\d+)(?=[-_.\s]|$)")
# One bracketed span: `[short title of solved problem]`; `[0010]. [Title]` was filled in.
_PLACEHOLDER_TITLE = re.compile(r"^(?:\[[^\[\]]*\]|\{[^{}]*\})$")


class BrokenFile(Exception):
    """The file cannot be read as an ADR; the message says why in plain words."""


@dataclass
class Link:
    kind: str  # supersedes, superseded_by, amends, amended_by or relates
    target: str  # a file path relative to the ADR's folder, or "#<number>"
    text: str = ""


@dataclass
class ParsedAdr:
    path: str
    text: str
    format: str
    title: str
    number: int | None
    source_id: str
    status: str
    status_text: str
    decided_on: date | None = None
    revisit_on: date | None = None
    deciders: str = ""
    tags: str = ""
    context: str = ""
    decision_text: str = ""
    consequences: str = ""
    considered_options: str = ""
    other_sections: str = ""
    links: list[Link] = field(default_factory=list)
    # From this app's own "Integration style" section: style, flow, factor levels and reasons.
    integration: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Where each of number, title, status, date, deciders, tags and links was read: the fidelity report.
    sources: dict[str, str] = field(default_factory=dict)
    # The date as written, for the import's rule on dates that read two ways (04/07/2019).
    written_date: WrittenDate | None = None
    # The images the file links that the import holds: name as linked ("images/flow.png") -> bytes.
    images: dict[str, bytes] = field(default_factory=dict)


@dataclass
class _Meta:
    """Metadata found so far, each value with where it was read; the first place to offer one wins."""

    values: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)

    def offer(self, key: str, value, source: str) -> None:
        if key not in self.values and value not in (None, "", []):
            self.values[key] = value
            self.sources[key] = source

    def get(self, key: str, default=None):
        return self.values.get(key, default)


@dataclass
class _Section:
    heading: str
    level: int
    lines: list[str]

    @property
    def key(self) -> str:
        return normalise_heading(self.heading)

    @property
    def body(self) -> str:
        return "\n".join(self.lines).strip("\n").strip()


def normalise_heading(heading: str) -> str:
    heading = _COMMENT.sub("", heading).strip().strip("*_").rstrip(":").strip()
    return re.sub(r"^\d+[.)]\s*", "", heading).lower()


def decode(data: bytes, notes: list[str] | None = None) -> str:
    """The file's text. Rule *text as editors save it*: UTF-8 (with or without a byte order mark),
    UTF-16 with its mark, else Windows-1252 (what older editors wrote), noted in `notes`."""
    if len(data) > MAX_FILE_BYTES:
        raise BrokenFile(f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB")
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if encoding == "utf-16" or b"\x00" in data:
            raise BrokenFile("the file is not text (it holds bytes no text encoding gives)") from None
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise BrokenFile("the file is not UTF-8 text, nor Windows-1252") from None
        if notes is not None:
            notes.append("the file is not UTF-8, so it was read as Windows-1252")
    if "\x00" in text:
        raise BrokenFile("the file holds NUL bytes, so it is not a text file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# A folder named for one decision: its number first, or a word and its number (`0002-helm-oci`, `RFC-0002`).
_DECISION_FOLDER = re.compile(r"^(?:[A-Za-z]{2,}[-_ ]?)?(\d+)(?=[-_\s]|$)")
_INDEX_STEMS = {"index", "readme", "toc", "_toc", "_sidebar", "intro", "introduction", "adr-index", "adr-log",
                "decision-log", "decisions", "summary", "overview", "changelog", "contributing", "license"}  # fmt: skip


def decision_stem(path: str) -> str:
    """What names a decision: the file's stem, or the folder's name when the file is the folder's
    only page (`0002-helm-oci/README.md`, `adr-012/index.md`): one folder per decision."""
    posix = PurePosixPath(path)
    if posix.stem.lower() in {"index", "readme"} and len(posix.parts) > 1 and _DECISION_FOLDER.match(posix.parent.name):
        return posix.parent.name
    return posix.stem


def opens_like_markdown(text: str) -> bool:
    """Front matter, or a heading on the first line that holds anything."""
    return bool(re.match(r"\A\s*(?:---|\+\+\+)\s*\n|\A\s*#{1,6} \S", text))


def skip_reason(path: str, text: str) -> str | None:
    """Why this file is not a decision (a template or an index page), or None."""
    name = PurePosixPath(path).name.lower()
    stem = decision_stem(path).lower()
    front, body = split_front_matter(text)
    if name == "index.mdx" and front.raw and re.search(r"^id:", front.raw, re.MULTILINE):
        return None  # EventCatalog keeps each ADR as <id>/index.mdx
    folder = _DECISION_FOLDER.match(stem)
    if folder and set(folder.group(1)) == {"0"} and stem != PurePosixPath(name).stem:
        return "a template for new decisions (its folder is numbered 0), not a decision"
    if stem in _INDEX_STEMS:
        return "an index page, not a decision"
    bare = stem.lstrip("_.")
    if bare == "template" or bare.startswith("adr-template") or bare.endswith("-template"):
        return "a template for new decisions, not a decision"
    title = _split_sections(body)[0]
    if title and _PLACEHOLDER_TITLE.match(title.strip()):
        return "a template (its title is a placeholder)"
    return None


_FRONT_MATTER_START = re.compile(r"\A(?:[ \t]*\n)*(---|\+\+\+)[ \t]*\n")


@dataclass(frozen=True)
class FrontMatter:
    raw: str | None  # None when the file has none
    toml: bool = False  # Hugo's +++ front matter is TOML


def split_front_matter(text: str) -> tuple[FrontMatter, str]:
    """The front matter (YAML between `---` lines, or TOML between `+++` lines, after any blank
    lines) and the body after it."""
    start = _FRONT_MATTER_START.match(text)
    if not start:
        return FrontMatter(None), text
    fence = start.group(1)
    closing = r"^(?:---|\.\.\.)[ \t]*$" if fence == "---" else r"^\+\+\+[ \t]*$"
    end = re.search(closing, text[start.end() :], re.MULTILINE)
    if not end:
        return FrontMatter(None), text
    raw = text[start.end() : start.end() + end.start()]
    return FrontMatter(raw, toml=fence == "+++"), text[start.end() + end.end() :].lstrip("\n")


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML's safe loader without what ADR front matter never needs and an upload can abuse:
    aliases (`*name`, a few hundred bytes of them expand to gigabytes), nesting deeper than
    FRONT_MATTER_DEPTH, and dates read by YAML (parse_date reads them, and says when it cannot)."""

    depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise BrokenFile("the front matter uses YAML aliases (*name), which front matter does not need")
        self.depth += 1
        if self.depth > FRONT_MATTER_DEPTH:
            raise BrokenFile(f"the front matter nests deeper than {FRONT_MATTER_DEPTH} levels")
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _bracket_depth(raw: str) -> int:
    """How deep [ and { nest, outside quoted text: a linear look before parsing."""
    depth = deepest = 0
    quote = None
    for char in raw:
        if quote:
            quote = None if char in (quote, "\n") else quote  # a stray apostrophe ends with its line
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    return deepest


def _front_matter(front: FrontMatter, warnings: list[str]) -> dict:
    raw = front.raw
    if raw is None:
        return {}
    if len(raw) > FRONT_MATTER_MAX:
        raise BrokenFile(f"the front matter is longer than {FRONT_MATTER_MAX:,} characters")
    if _bracket_depth(raw) > FRONT_MATTER_DEPTH:  # before YAML's scanner, which is slow on deep [[[[
        raise BrokenFile(f"the front matter nests deeper than {FRONT_MATTER_DEPTH} levels")
    if front.toml:
        try:
            data = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as error:
            return _loose_front_matter(raw, f"is not valid TOML ({error})", warnings)
        return {str(key).lower(): value for key, value in data.items()}
    try:
        data = yaml.load(raw, Loader=_FrontMatterLoader)  # noqa: S506 # nosec B506 (a SafeLoader, narrowed)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return _loose_front_matter(raw, f"is not valid YAML{f' (line {mark.line + 2})' if mark else ''}", warnings)
    if data is None:
        return {}
    if not isinstance(data, dict):
        return _loose_front_matter(raw, "is not a list of keys and values", warnings)
    return {str(key).lower(): value for key, value in data.items()}


_LOOSE_KEY = re.compile(r"^([A-Za-z][\w -]{0,40}?)\s*[:=]\s*(.*?)\s*$")


def _loose_front_matter(raw: str, problem: str, warnings: list[str]) -> dict:
    """Rule *front matter as people type it*: when YAML (or TOML) cannot read it (`tag:Web Client`
    with no space, an unclosed bracket), each `key: value` line is read on its own, as a person
    would, and the report says so."""
    data = {}
    for line in raw.splitlines():
        found = _LOOSE_KEY.match(line)
        if found and found.group(2):
            data.setdefault(found.group(1).strip().lower(), found.group(2).strip("\"'"))
    warnings.append(f"the front matter {problem}, so its lines were read one by one"
                    + (f" ({', '.join(data)})" if data else ": none holds a key and a value"))  # fmt: skip
    return data


def _lines_with_fences(body: str):
    fence = None
    for line in body.split("\n"):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
            yield line, True
            continue
        if fence is not None:
            if (
                match
                and match.group(1)[0] == fence[0]
                and len(match.group(1)) >= len(fence)
                and not line.strip()[len(match.group(1)) :].strip()
            ):
                fence = None
            yield line, True
            continue
        yield line, False


_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")


def _atx_headings(body: str) -> str:
    """Rule *underlined headings*: `Title` over `=====` is `# Title`, over `-----` is `## Title`
    (a line of dashes after a blank line stays a rule)."""
    lines = body.split("\n")
    if not any(_SETEXT.match(line) for line in lines):
        return body
    out: list[str] = []
    fenced = [in_fence for _, in_fence in _lines_with_fences(body)]
    for index, line in enumerate(lines):
        under = _SETEXT.match(line)
        above = out[-1] if out else ""
        if (
            under
            and index
            and not fenced[index]
            and not fenced[index - 1]
            and above.strip()
            and not _HEADING.match(above)
            and not re.match(r"^\s*(?:[*+-]\s|\d+[.)]\s|\||>)", above)
            and (index < 2 or not lines[index - 2].strip() or _SETEXT.match(lines[index - 2]) is None)
        ):
            out[-1] = ("# " if under.group(1)[0] == "=" else "## ") + above.strip()
            continue
        out.append(line)
    return "\n".join(out)


def _split_sections(body: str) -> tuple[str | None, list[str], list[_Section]]:
    """The H1 title, the lines before the first section, and the sections.

    Sections start at H2 headings, and at any H1 after the title (some teams write `# Status`).
    """
    title = None
    preamble: list[str] = []
    sections: list[_Section] = []
    for line, in_fence in _lines_with_fences(_atx_headings(body)):
        match = None if in_fence else _HEADING.match(line)
        if match and len(match.group(1)) <= 2:
            if len(match.group(1)) == 1 and title is None and not sections:
                title = match.group(2)
                continue
            sections.append(_Section(match.group(2), len(match.group(1)), []))
            continue
        (sections[-1].lines if sections else preamble).append(line)
    return title, preamble, sections


def _clean_value(value) -> str:
    if isinstance(value, list):
        return ", ".join(_clean_value(item) for item in value if item is not None)
    return _COMMENT.sub("", str(value)).strip().strip('"').strip()


def find_links(text: str) -> list[Link]:
    links = []
    for match in MARKDOWN_LINK.finditer(text):
        target = urllib.parse.unquote(match.group(3).split("#")[0])
        if target.startswith(("http://", "https://", "mailto:")) or not target:
            continue
        links.append(Link(LINK_KINDS.get(match.group(1).lower(), "relates"), target, match.group(2).strip()))
    for match in ID_LINK.finditer(MARKDOWN_LINK.sub("", text)):
        links.append(Link(LINK_KINDS.get(match.group(1).lower(), "relates"), f"#{int(match.group(2))}"))
    return links


def _link_only(line: str) -> bool:
    """A line that holds nothing but a link between ADRs, which `links` keeps."""
    rest = MARKDOWN_LINK.sub("", ID_LINK.sub("", line))
    return bool(find_links(line)) and not re.sub(r"[*\-\s.,;]", "", rest)


def meta_key(written: str) -> str | None:
    """The field a metadata key names (META_KEYS), allowing one typo in a long key ("Créatrion")."""
    key = " ".join(written.strip().strip("*_").lower().replace("_", " ").split())
    if key in META_KEYS:
        return META_KEYS[key]
    if len(key) >= 6:
        return next((name for known, name in META_KEYS.items() if len(known) >= 6 and _one_edit(key, known)), None)
    return None


def _one_edit(first: str, second: str) -> bool:
    if len(first) == len(second):
        return sum(a != b for a, b in zip(first, second, strict=True)) <= 1
    short, long = sorted((first, second), key=len)
    return len(long) - len(short) == 1 and any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _metadata_line(line: str) -> tuple[str, str] | None:
    plain = _COMMENT.sub("", line)
    match = _META_LINE.match(plain)
    if match and (name := meta_key(match["key"])):
        if match["key"].strip("*_ ").lower() in _DATE_ONLY_KEYS and not read_date(match["value"]):
            return None  # "Data: we keep three copies" is prose
        return name, match["value"].strip()
    match = _DATE_LINE.match(plain)
    if match and read_date(match["value"]):
        return "date", match["value"].strip()
    return None


def _read_metadata(lines: list[str], meta: _Meta) -> list[str]:
    """Take metadata lines and metadata tables out of `lines`; return what is left."""
    left: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _TABLE_ROW.match(line):
            end = index
            while end < len(lines) and _TABLE_ROW.match(lines[end]):
                end += 1
            left += _read_table(lines[index:end], meta)
            index = end
            continue
        found = [_metadata_line(part) for part in _FACT_SEPARATOR.split(line)]
        if sum(map(bool, found)) < 2:  # one fact: `Status: [ accepted | deprecated ]` is one line
            found = [_metadata_line(line)]
        for fact in filter(None, found):
            meta.offer(*fact, "a metadata line")
        if not all(found):  # a fact the app has no field for (`Release: v2.9.0`) keeps its line
            left.append(line)
        index += 1
    return left


def _cells(row: str) -> list[str]:
    return [cell.strip().strip("*_").strip() for cell in _TABLE_ROW.match(row).group(1).split("|")]


# The header of a two-column table of facts: "| Field | Value |", "| | |".
_TABLE_HEADERS = {"", "field", "fields", "value", "values", "key", "property", "attribute", "item", "name", "details"}


def _read_table(rows: list[str], meta: _Meta) -> list[str]:
    """Rule *metadata tables*: `| Status | Draft |` rows (keys bold or not, under a header such as
    `| Field | Value |` or none), or a row of keys over a row of values. The metadata rows leave the
    text; the table's other rows stay, under its header."""
    cells = [None if _TABLE_RULE.match(row) else _cells(row) for row in rows]
    header = [meta_key(cell) for cell in cells[0]] if cells[0] else []
    values = [row for row in cells[1:] if row is not None]
    if len(values) == 1 and sum(1 for key in header if key) >= 2:
        for key, value in zip(header, values[0], strict=False):
            if key:
                meta.offer(key, value, "a metadata table")
        return [] if all(header) else rows
    leftover = []  # rows of facts the app has no field for
    for index, parts in enumerate(cells):
        if parts is None or not any(parts) or (index == 0 and {part.lower() for part in parts} <= _TABLE_HEADERS):
            continue
        value = " ".join(part for part in parts[1:] if part)
        if len(parts) >= 2 and (key := meta_key(parts[0])):
            meta.offer(key, value, "a metadata table")
        elif len(parts) >= 2 and (links := find_links(f"{parts[0]} {value}")):
            meta.links += links
        else:
            leftover.append(index)
    if not leftover:
        return []
    # The header and rule lines stay, so what is left is still a table.
    return [row for index, row in enumerate(rows) if index in leftover or index == 0 or cells[index] is None]


def number_from_filename(stem: str) -> tuple[int | None, date | None]:
    """A sequence number, or a log4brains date prefix (YYYYMMDD, which is not a number)."""
    match = _FILE_NUMBER.match(stem) or _DECISION_FOLDER.match(stem)
    if not match:
        return None, None
    digits = match.group(1)
    if len(digits) == 8:
        return None, values.parse_date(digits)
    if len(digits) <= 6:
        return int(digits), None
    return None, None


def _number_value(value) -> int | None:
    """A number in front matter: 7, "0007", "adr-7", "ADR-0007"."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = re.fullmatch(r"(?:adr|rfc)?[-_ #]?0*(\d{1,6})", str(value or "").strip(), re.IGNORECASE)
    return int(match.group(1)) if match else None


def _date_inside(text: str) -> WrittenDate | None:
    """The first date anywhere in `text`: "Decided (2023-06-20)"."""
    for match in re.finditer(r"\d", text):
        written = read_date(text[match.start() :])
        if written:
            return written
    return None


@dataclass
class _StatusReading:
    text: str = ""
    source: str = "the Status section"
    written_date: WrittenDate | None = None
    warning: str = ""


def _latest(entries: list[tuple[WrittenDate | None, str]]) -> tuple[WrittenDate | None, str]:
    """The latest entry: by date when every entry has one, else the last one written."""
    if all(when for when, _ in entries):
        return max(enumerate(entries), key=lambda item: (item[1][0].value, item[0]))[1]
    return entries[-1]


def _decided(entries: list[tuple[WrittenDate | None, str]]) -> WrittenDate | None:
    """When a history says the decision was made: its first accepting entry, else its first entry."""
    accepting = [when for when, what in entries if when and status_from_text(what) == "accepted"]
    return accepting[0] if accepting else next((when for when, _ in entries if when), None)


def _read_status_section(lines: list[str]) -> _StatusReading:
    """Rules *ticked checkboxes* (`- [x] Decided (2023-06-20)`: the latest ticked box), *a dated status
    log* (`2017-11-22 提议` then `2017-11-26 完成`: the latest entry), else the first line that is
    not guidance text (*guidance is not a status*)."""
    boxes = [match for line in lines if (match := _CHECKBOX.match(line))]
    if boxes:
        ticked = [(_date_inside(match[2]), match[2].strip()) for match in boxes if match[1] in "xX"]
        if not ticked:
            return _StatusReading(source="checkboxes", warning="no status box is ticked, so it is imported as a draft")
        when, what = _latest(ticked)
        return _StatusReading(what, "ticked checkboxes", _decided(ticked))
    log = []
    for line in lines:
        match = _LOG_ENTRY.match(line)
        if match and (when := read_date(match["when"])) and status_from_text(match["what"]):
            log.append((when, match["what"].strip()))
    if log:
        return _StatusReading(_latest(log)[1], "a dated status log", _decided(log))
    plain = [line for line in lines if not _link_only(line) and not is_guidance(line)]
    # adr-tools replaces "Accepted" with a "Superseded by [...]" line, leaving only links.
    superseded = [line for line in lines if re.match(r"superc?s?eded by", line, re.IGNORECASE)]
    return _StatusReading(plain[0] if plain else superseded[0] if superseded else "")


def _status_history(front: dict) -> _StatusReading | None:
    """Rule *a status history in front matter*: `statusHistory: [{status, date}, …]`, the latest entry."""
    history = next((front[key] for key in ("statushistory", "status-history", "status_history") if key in front), None)
    if not isinstance(history, list):
        return None
    entries = [(read_date(item.get("date")), _clean_value(item.get("status", "")))
               for item in history if isinstance(item, dict) and item.get("status")]  # fmt: skip
    if not entries:
        return None
    return _StatusReading(_latest(entries)[1], "a status history in front matter", _decided(entries))


def _metadata_section(section: _Section, meta: _Meta) -> bool:
    """Rule *a section for one fact*: `## Date` over `2026-01-20`, `## Deciders` over a few names.
    True when the section was read (it then leaves the text)."""
    name = meta_key(section.key)
    lines = [re.sub(r"^[*+-]\s+", "", line.strip()) for line in section.lines if line.strip()]
    if name not in ("date", "deciders", "tags") or not lines or len(lines) > 5 or len(" ".join(lines)) > 300:
        return False
    if name == "date" and not read_date(lines[0]):
        return False
    meta.offer(name, lines[0] if name == "date" else ", ".join(lines), "a section of its own")
    return True


def _changelog_date(section: _Section) -> WrittenDate | None:
    for line in section.lines:
        item = re.match(r"^\s*(?:[*+-]|\d+\.)\s+(.*)$", line)
        if item and (written := read_date(item.group(1))):
            return written
    return None


def detect_format(*, path: str, front: dict | None, bullets: bool, title: str, sections: list[_Section]) -> str:
    """Which format the file is written in; `front` is None when it has no front matter."""
    keys = {section.key for section in sections}
    headings = " ".join(keys)
    stem = PurePosixPath(path).stem
    if front is not None and ({"id", "name", "version"} <= front.keys() or "appliesto" in front):
        return "eventcatalog"
    if front is not None:
        if "decision-makers" in front or "confirmation" in headings:
            return "madr4"
        if "deciders" in front or "validation" in keys:
            return "madr3"
        return "madr"
    if bullets and re.match(r"^\d{8}-", stem):
        return "log4brains"
    if keys & STATUS_SECTIONS or read_title(title).number is not None:
        return "nygard"
    if bullets or {"context and problem statement", "decision outcome", "considered options"} & keys:
        return "log4brains" if re.match(r"^\d{8}-", stem) else "madr2"
    return "markdown"


def _title_from_filename(stem: str) -> str:
    words = re.sub(r"^\d+[-_]", "", stem).replace("_", " ").replace("-", " ").strip()
    return (words[:1].upper() + words[1:]) or stem


def _split_consequences(decision: str) -> tuple[str, str]:
    """MADR keeps consequences under Decision Outcome as `### Consequences`: give them their own field."""
    kept, moved = [], []
    target = kept
    for line, in_fence in _lines_with_fences(decision):
        match = None if in_fence else _HEADING.match(line)
        if match and len(match.group(1)) == 3:
            heading = normalise_heading(match.group(2))
            target = moved if "consequences" in heading else kept
            if heading == "consequences":
                continue
        target.append(line)
    return "\n".join(kept).strip(), "\n".join(moved).strip()


def _integration(section: _Section) -> dict:
    """Read back the Integration style section that `adr_files.export` writes."""
    values: dict = {}
    current = None
    reasons: dict[str, list[str]] = {}
    for line in section.lines:
        heading = _HEADING.match(line)
        if heading and len(heading.group(1)) == 3:
            name, _, level = heading.group(2).partition(":")
            current = name.strip().lower()
            reasons[current] = []
            if level.strip():
                values[current] = level.strip()
            continue
        if current is None:
            match = re.match(r"^[*-]\s+([^:]+):\s*(.*)$", line)
            if match:
                values[match.group(1).strip().lower()] = match.group(2).strip()
        else:
            reasons[current].append(line)
    return values | {f"{key} text": "\n".join(lines).strip() for key, lines in reasons.items()}


GENERIC_LEVELS = {"low": 1, "medium": 2, "high": 3}


def _factor_level(factor: factors.Factor, written: str) -> int | None:
    """A level as exported (the full label), its first word ("Helpful"), or plain low/medium/high."""
    written = written.strip().lower()
    for level in factor.levels:
        if written in (level.label.lower(), level.label.split(":")[0].lower(), level.short.lower()):
            return level.value
    return GENERIC_LEVELS.get(written)


def integration_fields(integration: dict) -> dict:
    """The model fields an Integration style section gives: style, gate, factor levels and reasons."""
    fields: dict = {}
    style = integration.get("chosen style", "").lower()
    if style in {"sync", "command", "event"}:
        fields["style"] = style
    gate = integration.get("caller needs the result", "").lower()
    if gate in {"yes", "no"}:
        fields["caller_needs_result"] = gate == "yes"
    if integration.get("where the logic lives text"):
        fields["logic_location"] = integration["where the logic lives text"]
    for factor in factors.FACTORS:
        level = _factor_level(factor, integration.get(factor.name.lower(), ""))
        if level is not None:
            fields[factor.key] = level
            fields[f"{factor.key}_reason"] = integration.get(f"{factor.name.lower()} text", "")
    for heading, name in (("justification", "justification"), ("why the caller cannot wait", "sync_reason")):
        if integration.get(f"{heading} text"):
            fields[name] = integration[f"{heading} text"]
    return fields


def parse(path: str, text: str) -> ParsedAdr:
    """Read a decoded ADR file. `path` is relative to the collection's root, with `/` separators."""
    warnings: list[str] = []
    raw_front, body = split_front_matter(text)
    front = _front_matter(raw_front, warnings)
    written_title, preamble, sections = _split_sections(body)
    stem = decision_stem(path)

    meta = _Meta()
    for key, value in front.items():
        name = {"x-tags": "tags", "x-next-review-date": "revisit-on"}.get(key) or meta_key(key.replace("-", " "))
        if name:
            meta.offer(name, value, "front matter")
    history = _status_history(front)
    if history:
        meta.offer("status", history.text, history.source)
        meta.offer("date", history.written_date, history.source)
    before = len(meta.values)
    leftover = _read_metadata(preamble, meta)
    meta_from_bullets = len(meta.values) > before

    read = _read_sections(sections, meta)
    title = read_title(written_title or "")
    links = read.links + _status_links(read.status_section, title, front, meta, read.others, warnings)
    links += meta.links  # tables of facts anywhere, the status section's included

    status, status_text = _status(meta, warnings)
    number, number_source, title_text, title_source = _number_and_title(path, stem, front, title, warnings)
    file_date = number_from_filename(stem)[1]
    if file_date:
        meta.offer("date", file_date, "the file name")
    if read.changelog:
        meta.offer("date", read.changelog, "the changelog")
    written_date, decided_on = _date(meta, warnings)

    definitions = _link_definitions(body)
    fields = read.fields
    context = "\n\n".join(part for part in ["\n".join(leftover).strip(), *fields["context"]] if part)
    decision_text, moved = _split_consequences("\n\n".join(fields["decision_text"]))
    consequences = "\n\n".join(part for part in [*fields["consequences"], moved] if part)
    context, decision_text, consequences, considered_options, other_sections = (
        _with_definitions(part, definitions)
        for part in (context, decision_text, consequences, "\n\n".join(fields["considered_options"]),
                     "\n\n".join(read.others))
    )  # fmt: skip
    in_name = number_source in ("the file name", "the folder name", "the title")
    source_id = f"{number:04d}" if number is not None and in_name else stem
    deciders = _list_value(meta, "deciders", warnings)
    tags = _tags(meta, warnings)
    links = _unique(links)
    sources = {"number": number_source, "title": title_source, "status": meta.sources.get("status", "not stated")}
    sources |= {name: meta.sources[key] for name, key in (("date", "date"), ("deciders", "deciders"),
                                                            ("tags", "tags")) if key in meta.sources}  # fmt: skip
    if links:
        sources["links"] = f"{len(links)} to other decisions"
    return ParsedAdr(
        path=path,
        text=text,
        format=detect_format(
            path=path,
            front=front if raw_front.raw is not None else None,
            bullets=meta_from_bullets,
            title=written_title or "",
            sections=sections,
        ),
        title=title_text,
        number=number,
        source_id=source_id,
        status=status,
        status_text=status_text[:200],
        decided_on=decided_on,
        revisit_on=values.parse_date(meta.get("revisit-on")),
        deciders=deciders[:500],
        tags=tags[:500],
        context=context,
        decision_text=decision_text,
        consequences=consequences,
        considered_options=considered_options,
        other_sections=other_sections,
        links=links,
        integration=read.integration,
        warnings=warnings,
        sources=sources,
        written_date=written_date,
    )


@dataclass
class _Read:
    """What the sections hold: the app's fields, the sections it has no field for, and the rest."""

    fields: dict[str, list[str]] = field(
        default_factory=lambda: {"context": [], "decision_text": [], "consequences": [], "considered_options": []}
    )
    others: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    integration: dict = field(default_factory=dict)
    status_section: _Section | None = None
    changelog: WrittenDate | None = None


def _read_sections(sections: list[_Section], meta: _Meta) -> _Read:
    read = _Read()
    for section in sections:
        key = section.key
        in_heading = _STATUS_HEADING.match(key)
        if (key in STATUS_SECTIONS or in_heading) and read.status_section is None:
            if in_heading:  # "## Status: Accepted"
                meta.offer("status", section.heading.split(":", 1)[-1].split("：", 1)[-1].strip(), "a heading")
            read.status_section = section
            continue
        if key == STYLE_SECTION and not read.integration:
            read.integration = _integration(section)
            continue
        if key in METADATA_SECTIONS:
            section.lines = _read_metadata(section.lines, meta)
            if not section.body:
                continue
        if _metadata_section(section, meta):
            continue
        if key in CHANGELOG_SECTIONS and read.changelog is None:
            read.changelog = _changelog_date(section)
        if key == "links":
            read.links += find_links(section.body)
            rest = [line for line in section.lines if not _link_only(line)]
            if "\n".join(rest).strip():
                read.others.append(f"## {section.heading}\n\n" + "\n".join(rest).strip())
            continue
        name = SECTION_FIELDS.get(key)
        if name and not read.fields[name]:
            read.fields[name].append(section.body)
        else:
            read.others.append(f"{'#' * section.level} {section.heading}\n\n{section.body}".strip())
    return read


def _status_links(
    status_section: _Section | None, title: values.Title, front: dict, meta: _Meta, others: list[str], warnings
) -> list[Link]:
    """Read the status from its section and the title (what it says besides goes first among the
    other sections, as Status notes), and return the links to other decisions they hold."""
    links: list[Link] = []
    if status_section is not None:
        lines = [line.strip() for line in _read_metadata(status_section.lines, meta) if line.strip()]
        reading = _read_status_section(lines)
        meta.offer("status", reading.text, reading.source)
        meta.offer("date", reading.written_date, reading.source)
        if reading.warning and "status" not in meta.values:
            warnings.append(reading.warning)
            meta.offer("status", values.UNSET, reading.source)
        links += find_links(status_section.body)
        notes = [line for line in lines if line != reading.text and not _link_only(line)]
        if notes:
            others.insert(0, "## Status notes\n\n" + "\n\n".join(notes))
    if title.status:
        meta.offer("status", title.status, "the title")
        links += find_links(title.status)
    meta.offer("date", title.written_date, "the title")
    written = meta.get("status")
    if isinstance(written, str) and status_from_text(_undecorated(written)) in ("accepted", "rejected"):
        # "Accepted on 2023-03-14" dates the decision; "Superseded by ADR 10 (2026-09-28)" does not.
        meta.offer("date", _date_inside(written), "the status line")
    if written and written is not values.UNSET:
        links += find_links(str(written))
    return links + _front_matter_links(front)


def _status(meta: _Meta, warnings: list[str]) -> tuple[str, str]:
    """The app's status and the status as written (no status: in force; unknown or unfilled: a draft)."""
    written = meta.get("status")
    if written is values.UNSET:
        return UNKNOWN_STATUS, ""
    text = _undecorated(_clean_value(written or ""))
    if not text:
        return MISSING_STATUS, ""
    if is_guidance(text):
        warnings.append(f"the status is the template’s list of statuses (“{text[:80]}”), so it is imported as a draft")
        return UNKNOWN_STATUS, text
    status = status_from_text(text)
    if status is None:
        warnings.append(f'status "{text[:80]}" is not one the app knows, so it is imported as a draft')
        return UNKNOWN_STATUS, text
    return status, text


def _undecorated(status: str) -> str:
    """Rule *a crossed-out status is the old one* ("~~Proposed~~ Accepted"); emoji written as
    shortcodes (":white_check_mark: Accepted") are decoration."""
    return re.sub(r"~~.*?~~|:[a-z0-9_+-]+:", "", status).strip("*_ ")


def _number_and_title(path, stem, front, title: values.Title, warnings) -> tuple[int | None, str, str, str]:
    """Rule *numbers*: front matter, then the file (or folder) name, then the title; a title whose number
    disagrees keeps the file's, with a warning. Rule *generic titles*: a template word ("Subject") gives
    way to the front matter's title."""
    number, source = None, "none"
    for key in ("number", "x-number", "adr", "adr-number", "adr_number", "id", "code"):
        number = _number_value(front.get(key))
        if number is not None:
            source = "front matter"
            break
    file_number = number_from_filename(stem)[0]
    if number is None and file_number is not None:
        number, source = file_number, "the folder name" if stem != PurePosixPath(path).stem else "the file name"
    text, title_source = title.text, "the title"
    if title.number_is_loose and file_number not in (None, title.number):
        text = title.whole
    elif title.number is not None:
        if number is None:
            number, source = title.number, "the title"
        elif title.number != number:
            warnings.append(f"the title says {title.number} but {source} says {number}; {source} wins")
    front_title = _clean_value(front.get("title") or front.get("name") or "")
    if front_title and (not text or text.lower() in values.GENERIC_TITLES):
        if text:
            warnings.append(f"the title “{text}” is a template word, so the front matter’s title is used")
        text, title_source = read_title(front_title).text, "front matter"
    if not text:
        text, title_source = _title_from_filename(stem), "the file name"
        warnings.append("no title in the file, so it is made from the file name")
    if len(text) > TITLE_MAX:
        text = text[: TITLE_MAX - 1].rstrip() + "…"
        warnings.append(f"the title is longer than {TITLE_MAX} characters and was shortened")
    return number, source, text, title_source


def _date(meta: _Meta, warnings: list[str]) -> tuple[WrittenDate | None, date | None]:
    written = meta.get("date")
    if written is None:
        return None, None
    reading = written if isinstance(written, WrittenDate) else read_date(written)
    if reading is None:
        text = _clean_value(written)
        if not is_placeholder(text):
            warnings.append(f'the date "{text[:80]}" could not be read')
        return None, None
    if reading.month_only:
        warnings.append(f"the date “{reading.text}” names a month only, so it is read as the 1st")
    if reading.swapped:
        warnings.append(f"the date “{reading.text}” has no such month, so it is read as year, day, month: "
                        f"{reading.value:%-d %B %Y}")  # fmt: skip
    return reading, reading.value


def _list_value(meta: _Meta, key: str, warnings: list[str]) -> str:
    value = meta.get(key, "")
    items = value if isinstance(value, list) else [value]
    kept = [_clean_value(item) for item in items if item is not None and not is_placeholder(_clean_value(item))]
    if len(kept) < len([item for item in items if _clean_value(item or "")]):
        warnings.append(f"the {key} left out are the template's placeholder text, not names")
    return ", ".join(item for item in kept if item)


def _tags(meta: _Meta, warnings: list[str]) -> str:
    tags = meta.get("tags", "")
    if not isinstance(tags, list) and is_placeholder(_clean_value(tags)):
        warnings.append(f"the tags are the template's placeholder text ({_clean_value(tags)[:80]}), so none are kept")
        return ""
    if not isinstance(tags, list):
        # log4brains separates tags with spaces or commas; the app's tags may hold spaces.
        tags = _clean_value(tags)
        tags = tags.split(",") if "," in tags else tags.split()
    placeholders = [tag for tag in tags if is_placeholder(str(tag))]
    if placeholders:
        warnings.append("tags left out as the template's placeholder text: " + ", ".join(map(str, placeholders))[:200])
    stored, rejected = split_tags([tag for tag in tags if tag not in placeholders])
    too_long = [tag for tag in rejected if len(tag) > TAG_MAX]
    if too_long:
        warnings.append(f"tags left out as longer than {TAG_MAX} characters: " + ", ".join(too_long)[:200])
    odd = [tag for tag in rejected if tag not in too_long]
    if odd:
        warnings.append("tags left out (letters, digits, spaces and . _ / + - only): " + ", ".join(odd)[:200])
    return stored


_LINK_DEFINITION = re.compile(r"^ {0,3}\[([^\]^][^\]]*)\]:\s*\S+")
_REFERENCES = re.compile(r"\[([^\[\]]+)\]\[([^\[\]]*)\]|\[([^\[\]]+)\](?![\[(:])")


def _label(text: str) -> str:
    return " ".join(text.lower().split())


def _link_definitions(body: str) -> dict[str, str]:
    """The file's reference-link definitions (`[adr-08]: ./08-architecture-update-01.md`), by label."""
    found: dict[str, str] = {}
    for line, in_fence in _lines_with_fences(body):
        match = None if in_fence else _LINK_DEFINITION.match(line)
        if match:
            found.setdefault(_label(match.group(1)), line.strip())
    return found


def _with_definitions(text: str, definitions: dict[str, str]) -> str:
    """Rule *reference links*: each field carries the definitions of the links it uses, so `[text][ref]`
    renders as a link whichever section the definition sat in."""
    if not definitions or not text:
        return text
    used = {_label(match[2] or match[1] or match[3]) for match in _REFERENCES.finditer(text)}
    missing = [definitions[label] for label in sorted(used) if label in definitions and definitions[label] not in text]
    return text + "\n\n" + "\n".join(missing) if missing else text


FRONT_MATTER_LINKS = {
    "supersedes": "supersedes",
    "supersededby": "superseded_by",
    "amends": "amends",
    "amendedby": "amended_by",
    "related": "relates",
}


def _front_matter_links(front: dict) -> list[Link]:
    """Relations in front matter: EventCatalog's (`supersedes: [{id: ...}]`, its ADRs live at
    adrs/<id>/index.mdx) and other teams' (`superseded_by: ADR-0040`, `supersedes: [0003-x.md]`)."""
    links = []
    for key, value in front.items():
        kind = FRONT_MATTER_LINKS.get(re.sub(r"[-_ ]", "", key))
        if kind is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and item.get("id"):
                links.append(Link(kind, f"../{item['id']}/index.mdx"))
            elif isinstance(item, (str, int)) and not isinstance(item, bool):
                number = _number_value(item)
                target = str(item).strip()
                if number is not None:
                    links.append(Link(kind, f"#{number}"))
                elif target.lower().endswith(MARKDOWN_SUFFIXES):
                    links.append(Link(kind, target))
    return links


def _unique(links: list[Link]) -> list[Link]:
    seen, kept = set(), []
    for link in links:
        if (link.kind, link.target) not in seen:
            seen.add((link.kind, link.target))
            kept.append(link)
    return kept
