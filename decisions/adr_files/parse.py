"""Read one ADR Markdown file, in whatever format a team wrote it, into plain fields.

Plain Python, no Django. ../shared/ADR-FORMATS.md describes the formats; the precedence
rules for status, date and number come from there (section 3.8). Nothing a file says is
dropped: sections the app has no field for are kept, in order, in `other_sections`.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath

import yaml

from .. import factors
from ..tags import split_tags

MAX_FILE_BYTES = 1_000_000
FRONT_MATTER_MAX = 20_000
FRONT_MATTER_DEPTH = 10
TITLE_MAX = 200

# The app's status for each word teams write, after lower-casing the status's first words.
STATUS_WORDS = {
    "draft": "draft",
    "proposed": "proposed",
    "proposal": "proposed",
    "pending": "proposed",
    "in review": "proposed",
    "under review": "proposed",
    "review": "proposed",
    "open": "proposed",
    "on hold": "proposed",
    "accepted": "accepted",
    "approved": "accepted",
    "adopted": "accepted",
    "agreed": "accepted",
    "decided": "accepted",
    "done": "accepted",
    "implemented": "accepted",
    "active": "accepted",
    # Partly superseded: the rest of the decision still holds.
    "partly superseded": "accepted",
    "partially superseded": "accepted",
    "rejected": "rejected",
    "declined": "rejected",
    "refused": "rejected",
    "withdrawn": "rejected",
    "deprecated": "deprecated",
    "retired": "deprecated",
    "obsolete": "deprecated",
    "superseded": "superseded",
    "superceded": "superseded",
    "replaced": "superseded",
}
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
}
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
_META_LINE = re.compile(
    r"^\s*(?:[*-]\s+)?(?:\*\*|__)?(status|date|deciders|decision-makers|decision makers|tags|revisit on)"
    r"(?::(?:\*\*|__)|(?:\*\*|__)?:)\s*(.*)$",
    re.IGNORECASE,
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_NUMBERED_TITLE = re.compile(r"^(?:ADR[- ]?)?(\d{1,6})(?:\.|:|\s+-)\s+(.+)$", re.IGNORECASE)
_FILE_NUMBER = re.compile(r"^(\d+)(?=[-_.\s]|$)")
_PLACEHOLDER_TITLE = re.compile(r"^[\[{].*[\]}]$")


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


def decode(data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise BrokenFile(f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BrokenFile(f"the file is not UTF-8 text (bad byte at position {error.start})") from None
    if "\x00" in text:
        raise BrokenFile("the file holds NUL bytes, so it is not a text file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# A folder named for one decision: its number first, or a word and its number (`0002-helm-oci`, `RFC-0002`).
_DECISION_FOLDER = re.compile(r"^(?:[A-Za-z]{2,}[-_ ]?)?(\d+)(?=[-_\s]|$)")
_INDEX_STEMS = {"index", "readme", "toc", "_sidebar", "intro", "introduction"}


def decision_stem(path: str) -> str:
    """What names a decision: the file's stem, or the folder's name when the file is the folder's
    only page (`0002-helm-oci/README.md`, `adr-012/index.md`): one folder per decision."""
    posix = PurePosixPath(path)
    if posix.stem.lower() in {"index", "readme"} and len(posix.parts) > 1 and _DECISION_FOLDER.match(posix.parent.name):
        return posix.parent.name
    return posix.stem


def skip_reason(path: str, text: str) -> str | None:
    """Why this file is not a decision (a template or an index page), or None."""
    name = PurePosixPath(path).name.lower()
    stem = decision_stem(path).lower()
    front, body = split_front_matter(text)
    if name == "index.mdx" and front and re.search(r"^id:", front, re.MULTILINE):
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


def split_front_matter(text: str) -> tuple[str | None, str]:
    if not text.startswith("---\n"):
        return None, text
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.MULTILINE)
    if not end:
        return None, text
    return text[4 : 4 + end.start()], text[4 + end.end() :].lstrip("\n")


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


def _front_matter(raw: str | None) -> dict:
    if raw is None:
        return {}
    if len(raw) > FRONT_MATTER_MAX:
        raise BrokenFile(f"the front matter is longer than {FRONT_MATTER_MAX:,} characters")
    if _bracket_depth(raw) > FRONT_MATTER_DEPTH:  # before YAML's scanner, which is slow on deep [[[[
        raise BrokenFile(f"the front matter nests deeper than {FRONT_MATTER_DEPTH} levels")
    try:
        data = yaml.load(raw, Loader=_FrontMatterLoader)  # noqa: S506 # nosec B506 (a SafeLoader, narrowed)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark else ""
        raise BrokenFile(f"the front matter is not valid YAML{where}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BrokenFile("the front matter is not a list of keys and values")
    return {str(key).lower(): value for key, value in data.items()}


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


def _split_sections(body: str) -> tuple[str | None, list[str], list[_Section]]:
    """The H1 title, the lines before the first section, and the sections.

    Sections start at H2 headings, and at any H1 after the title (some teams write `# Status`).
    """
    title = None
    preamble: list[str] = []
    sections: list[_Section] = []
    for line, in_fence in _lines_with_fences(body):
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


def parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _clean_value(value or "")
    if not text:
        return None
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    # The last pattern reads 2023-13-10, seen in real files, as 13 October.
    for pattern in (
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%d/%m/%Y",
        "%d.%m.%Y",
        "%Y%m%d",
        "%d %B %Y",
        "%d %b %Y",
        "%B %d, %Y",
        "%Y-%d-%m",
    ):
        try:
            return datetime.strptime(text[:30].strip(), pattern).date()  # noqa: DTZ007 a calendar date, no time
        except ValueError:
            continue
    match = re.match(r"(\d{4}-\d{2}-\d{2})[T ]", text)
    if match:
        return parse_date(match.group(1))
    return None


def status_from_text(text: str) -> str | None:
    """The app's status for a status as written ("Accepted (documenting ...)" is accepted), or None."""
    words = re.sub(r"[^a-z ]", " ", text.lower()).split()
    for count in (2, 1):
        status = STATUS_WORDS.get(" ".join(words[:count]))
        if status:
            return status
    return None


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


def _read_metadata(preamble: list[str], meta: dict) -> list[str]:
    """Take Status/Date/Deciders/Tags lines out of the preamble; return what is left."""
    left = []
    for line in preamble:
        match = _META_LINE.match(_COMMENT.sub("", line))
        if match:
            key = match.group(1).lower().replace(" ", "-")
            meta.setdefault("deciders" if key == "decision-makers" else key, match.group(2).strip())
        else:
            left.append(line)
    return left


def _number_from_filename(stem: str) -> tuple[int | None, date | None]:
    """A sequence number, or a log4brains date prefix (YYYYMMDD, which is not a number)."""
    match = _FILE_NUMBER.match(stem) or _DECISION_FOLDER.match(stem)
    if not match:
        return None, None
    digits = match.group(1)
    if len(digits) == 8:
        return None, parse_date(digits)
    if len(digits) <= 6:
        return int(digits), None
    return None, None


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
    if "status" in keys or _NUMBERED_TITLE.match(title):
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
        if written in (level.label.lower(), level.label.split(":")[0].lower()):
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
    raw_front, body = split_front_matter(text)
    front = _front_matter(raw_front)
    title, preamble, sections = _split_sections(body)
    stem = decision_stem(path)

    meta: dict = {key: front[key] for key in ("status", "date", "tags") if front.get(key) not in (None, "")}
    for key, name in (("x-tags", "tags"), ("x-next-review-date", "revisit-on")):  # EventCatalog's custom keys
        if front.get(key):
            meta.setdefault(name, front[key])
    for key in ("decision-makers", "deciders", "decisionmakers"):
        if front.get(key) and "deciders" not in meta:
            meta["deciders"] = front[key]
    bullets_before = len(meta)
    leftover = _read_metadata(preamble, meta)
    meta_from_bullets = len(meta) > bullets_before

    warnings: list[str] = []
    links: list[Link] = []
    fields = {"context": [], "decision_text": [], "consequences": [], "considered_options": []}
    others: list[str] = []
    integration: dict = {}
    status_section = None
    for section in sections:
        key = section.key
        if key == "status" and status_section is None:
            status_section = section
            continue
        if key == STYLE_SECTION and not integration:
            integration = _integration(section)
            continue
        if key == "links":
            links += find_links(section.body)
            rest = [line for line in section.lines if not _link_only(line)]
            if "\n".join(rest).strip():
                others.append(f"## {section.heading}\n\n" + "\n".join(rest).strip())
            continue
        name = SECTION_FIELDS.get(key)
        if name and not fields[name]:
            fields[name].append(section.body)
        else:
            others.append(f"{'#' * section.level} {section.heading}\n\n{section.body}".strip())

    status_text = _clean_value(meta.get("status", ""))
    if status_section is not None:
        lines = [line.strip() for line in status_section.lines if line.strip()]
        plain = [line for line in lines if not _link_only(line)]
        # adr-tools replaces "Accepted" with a "Superseded by [...]" line, leaving only links.
        superseded = [line for line in lines if re.match(r"superc?s?eded by", line, re.IGNORECASE)]
        if not status_text:
            status_text = plain[0] if plain else (superseded[0] if superseded else "")
        links += find_links(status_section.body)
        notes = [line for line in plain if line != status_text]
        if notes:
            others.insert(0, "## Status notes\n\n" + "\n\n".join(notes))
    if meta.get("status"):
        links += find_links(str(meta["status"]))
    links += _front_matter_links(front)
    status_text = status_text.strip("*_ ")
    status = status_from_text(status_text) if status_text else MISSING_STATUS
    if status is None:
        status = UNKNOWN_STATUS
        warnings.append(f'status "{status_text}" is not one the app knows, so it is imported as a draft')

    number = None
    for key in ("number", "x-number", "id"):
        value = front.get(key)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            number = int(value)
            break
    file_number, file_date = _number_from_filename(stem)
    title = _COMMENT.sub("", title or "").strip() or str(front.get("title") or front.get("name") or "").strip()
    written_title = title
    title_match = _NUMBERED_TITLE.match(title)
    if title_match:
        title = title_match.group(2).strip()
        if number is None and file_number is None:
            number = int(title_match.group(1))
    if number is None:
        number = file_number
    if not title:
        title = _title_from_filename(stem)
        warnings.append("no title in the file, so it is made from the file name")
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1].rstrip() + "…"
        warnings.append(f"the title is longer than {TITLE_MAX} characters and was shortened")

    decided_on = parse_date(meta.get("date")) or file_date
    if meta.get("date") and not parse_date(meta.get("date")):
        warnings.append(f'the date "{_clean_value(meta["date"])}" could not be read')

    context = "\n\n".join(part for part in ["\n".join(leftover).strip(), *fields["context"]] if part)
    decision_text, moved = _split_consequences("\n\n".join(fields["decision_text"]))
    consequences = "\n\n".join(part for part in [*fields["consequences"], moved] if part)
    source_id = f"{number:04d}" if number is not None and (file_number is not None or title_match) else stem
    tags = meta.get("tags", "")
    if not isinstance(tags, list):
        # log4brains separates tags with spaces or commas; the app's tags may hold spaces.
        tags = _clean_value(tags)
        tags = tags.split(",") if "," in tags else tags.split()
    tags, rejected = split_tags(tags)
    if rejected:
        warnings.append(f"tags left out (letters, digits and . _ / + - only): {', '.join(rejected)[:200]}")
    return ParsedAdr(
        path=path,
        text=text,
        format=detect_format(
            path=path,
            front=front if raw_front is not None else None,
            bullets=meta_from_bullets,
            title=written_title,
            sections=sections,
        ),
        title=title,
        number=number,
        source_id=source_id,
        status=status,
        status_text=status_text[:200],
        decided_on=decided_on,
        revisit_on=parse_date(meta.get("revisit-on")),
        deciders=_clean_value(meta.get("deciders", ""))[:500],
        tags=tags[:500],
        context=context,
        decision_text=decision_text,
        consequences=consequences,
        considered_options="\n\n".join(fields["considered_options"]),
        other_sections="\n\n".join(others),
        links=_unique(links),
        integration=integration,
        warnings=warnings,
    )


FRONT_MATTER_LINKS = {
    "supersedes": "supersedes",
    "supersededby": "superseded_by",
    "amends": "amends",
    "amendedby": "amended_by",
    "related": "relates",
}


def _front_matter_links(front: dict) -> list[Link]:
    """EventCatalog's relations (`supersedes: [{id: ...}]`); its ADRs live at adrs/<id>/index.mdx."""
    links = []
    for key, kind in FRONT_MATTER_LINKS.items():
        for item in front.get(key) or []:
            if isinstance(item, dict) and item.get("id"):
                links.append(Link(kind, f"../{item['id']}/index.mdx"))
    return links


def _unique(links: list[Link]) -> list[Link]:
    seen, kept = set(), []
    for link in links:
        if (link.kind, link.target) not in seen:
            seen.add((link.kind, link.target))
            kept.append(link)
    return kept
