"""Values as ADR files write them (a status, a date, a title, a list) read as a person reads them.

Plain Python, no Django. parse.py finds where a value sits; the rules here say what it means.
Each rule is named in the README's import section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

# Statuses. The app's status for each word teams write, in the languages of the collections met
# so far; a status is matched on its first one to three words, after lower-casing and dropping
# emoji and punctuation ("✅ Accepted.", "⌛️ Superseded by …").
_ACCEPTED = (
    "accepted", "approved", "adopted", "agreed", "decided", "done", "implemented", "implementable", "completed",
    "complete", "active", "revised", "partially accepted", "partly accepted", "partially implemented",
    "partly superseded", "partially superseded",  # the rest of the decision still holds
    "accepté", "acceptée", "accepte", "approuvé", "validé", "adopté", "aceptado", "aprobado", "aceito", "aprovado",
    "angenommen", "akzeptiert", "beschlossen", "accettato", "approvato",
    "通过", "完成", "已接受", "接受", "已通过", "已批准", "批准", "已完成", "已实施",
)  # fmt: skip
_PROPOSED = (
    "proposed", "proposal", "pending", "in review", "under review", "review", "reviewing", "open", "on hold",
    "deferred", "postponed", "provisional", "in discussion", "under discussion", "discussing", "suggested",
    "proposé", "proposée", "en revue", "en discussion", "propuesto", "proposto", "vorgeschlagen", "proposta",
    "提议", "提案", "建议", "审核中", "讨论中",
)  # fmt: skip
_DRAFT = ("draft", "tbd", "to be decided", "wip", "work in progress", "in progress", "idea", "brouillon", "borrador",
          "rascunho", "entwurf", "草稿", "草案")  # fmt: skip
_REJECTED = (
    "rejected", "declined", "refused", "withdrawn", "abandoned", "decided against", "not accepted",
    "rejeté", "refusé", "abandonné", "rechazado", "rejeitado", "abgelehnt", "rifiutato", "拒绝", "已拒绝", "否决",
)  # fmt: skip
_DEPRECATED = (
    "deprecated", "retired", "obsolete", "reverted", "rolled back", "sunset", "déprécié", "obsolète", "abandonnée",
    "obsoleto", "veraltet", "已弃用", "弃用", "废弃", "已废弃",
)  # fmt: skip
_SUPERSEDED = ("superseded", "superceded", "replaced", "remplacé", "reemplazado", "substituído", "ersetzt",
               "sostituito", "已取代", "取代", "已替代", "被取代")  # fmt: skip
STATUS_WORDS = {
    word: status
    for status, words in (("accepted", _ACCEPTED), ("proposed", _PROPOSED), ("draft", _DRAFT),
                          ("rejected", _REJECTED), ("deprecated", _DEPRECATED), ("superseded", _SUPERSEDED))
    for word in words
}  # fmt: skip
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_CJK_WORDS = sorted((word for word in STATUS_WORDS if _CJK.match(word)), key=len)


UNSET = object()  # a status the file leaves unset on purpose (no box ticked)


def _status_words(text: str) -> list[str]:
    return re.sub(r"[^\w\s]|_|\d", " ", text.lower()).split()


def status_from_text(text: str) -> str | None:
    """The app's status for a status as written ("Accepted (documenting …)" is accepted), or None."""
    words = _status_words(text)
    for count in (3, 2, 1):
        status = STATUS_WORDS.get(" ".join(words[:count]))
        if status:
            return status
    if words and _CJK.match(words[0]):  # Chinese writes no spaces: "已弃用，见 ADR 7"
        for word in reversed(_CJK_WORDS):
            if words[0].startswith(word):
                return STATUS_WORDS[word]
    return None


def statuses_named(text: str) -> set[str]:
    """Every status word a line names, anywhere in it."""
    lowered = text.lower()
    named = {word for word in STATUS_WORDS if _CJK.match(word) and word in lowered}
    named |= {word for word in STATUS_WORDS if not _CJK.match(word) and re.search(rf"\b{re.escape(word)}\b", lowered)}
    return {word for word in named if not any(word != other and word in other for other in named)}


def is_guidance(line: str) -> bool:
    """Rule *guidance is not a status*: a template's list of options ("[ accepted | deprecated | … ]",
    "列表：提议/通过/完成/已弃用/已取代", "Must be one of provisional, implementable, …"), an
    instruction, or a placeholder. Three status words in one line are a list to choose from."""
    plain = strip_comments(line).strip().lstrip(">").strip()
    if not plain or _option_list(plain):
        return True
    return not status_from_text(plain) and is_placeholder(plain)


_INSTRUCTION = re.compile(r"one of|such as|e\.g\.|choose|pick|options?|valid values|can be|列表|选项", re.I)


def _option_list(plain: str) -> bool:
    named = statuses_named(plain)
    if len(named) >= 2 and "|" in plain:
        return True
    if len(named) < 3:
        return False
    rest = plain
    for word in named:
        rest = re.sub(re.escape(word), " ", rest, flags=re.IGNORECASE)
    return len(re.findall(r"\w+", rest)) <= 3 or bool(_INSTRUCTION.search(plain))


# Placeholders: what a template says to write, never data.
_PLACEHOLDER_PHRASES = re.compile(
    r"list everyone|list of (?:people|names|deciders)|comma[ ,-]?separated|and/or|your name|\bname of\b|"
    r"\be\.g\.|\btodo\b|\bxxx+\b|lorem ipsum|optional|who (?:made|was involved)|involved in the decision",
    re.IGNORECASE,
)


def is_placeholder(value: str) -> bool:
    """Rule *placeholders are never data*: `[list everyone involved]`, `{proposed | accepted}`,
    `<name>`, `$NOMS`, `…`, `and/or,comma,separated,list`, `TBD` as a name."""
    value = strip_comments(str(value)).strip()
    if not value:
        return False
    if re.fullmatch(r"\{[^{}]*\}|<[^<>]*>|\$[A-Z_]{2,}|[.…\s_-]+|tbd|n/?a|none|-", value, re.I):
        return True
    bracketed = re.fullmatch(r"\[([^\[\]]*)\]", value)
    if bracketed and (len(bracketed.group(1).split()) >= 3 or re.search(r"[|…]|\.\.\.", bracketed.group(1))):
        return True
    return bool(_PLACEHOLDER_PHRASES.search(value))


_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def strip_comments(text: str) -> str:
    return _COMMENT.sub("", text)


# Dates.
_MONTHS = {  # English, French, German, Spanish, Portuguese, Italian and Dutch
    **{name: number for number, names in enumerate(
        [("january", "jan", "janvier", "janv", "januar", "enero", "janeiro", "gennaio", "januari"),
         ("february", "feb", "février", "fevrier", "févr", "februar", "febrero", "fevereiro", "febbraio", "februari"),
         ("march", "mar", "mars", "märz", "marzo", "março", "maart"), ("april", "apr", "avril", "abril", "aprile"),
         ("may", "mai", "mayo", "maio", "maggio", "mei"), ("june", "jun", "juin", "juni", "junio", "junho", "giugno"),
         ("july", "jul", "juillet", "juil", "juli", "julio", "julho", "luglio"),
         ("august", "aug", "août", "aout", "agosto", "augustus"),
         ("september", "sep", "sept", "septembre", "septiembre", "setembro", "settembre"),
         ("october", "oct", "octobre", "oktober", "octubre", "outubro", "ottobre"),
         ("november", "nov", "novembre", "noviembre", "novembro"),
         ("december", "dec", "décembre", "decembre", "dezember", "diciembre", "dezembro", "dicembre")], start=1)
        for name in names}
}  # fmt: skip
_MONTH = "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True))
_ORDINAL = r"(?:st|nd|rd|th|er|e)?"
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?!\d)")
_YEAR_MONTH = re.compile(r"(\d{4})[-/.](\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?!\d)")
_DAY_MONTH_YEAR = re.compile(
    rf"(\d{{1,2}}){_ORDINAL}\.?\s+(?:of\s+|de\s+)?({_MONTH})\.?,?\s+(?:de\s+)?(\d{{4}})(?!\d)", re.I
)
_MONTH_DAY_YEAR = re.compile(rf"({_MONTH})\.?\s+(\d{{1,2}}){_ORDINAL},?\s+(\d{{4}})(?!\d)", re.I)
_MONTH_YEAR = re.compile(rf"({_MONTH})\.?,?\s+(\d{{4}})(?!\d)", re.I)
_WEEKDAY = re.compile(
    r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+|^(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche),?\s+",
    re.I,
)
# What wraps a date in real files: [2023-03-14], {8/18/22}, (2023-06-20), **2022-05-19**, "2024-01-02".
_WRAPPING = re.compile(r"^[\s\[\]{}()*_`\"'“”]+")


@dataclass(frozen=True)
class WrittenDate:
    """A date as a file writes it. `other` is the reading with day and month swapped when both
    are 12 or less (04/07/2019): the import picks one per collection (see dates_day_first)."""

    text: str
    value: date
    other: date | None = None
    day_first: bool | None = None  # what an unambiguous D/M or M/D date shows; None for ISO or words
    swapped: bool = False  # year-day-month, as in 2023-31-07
    month_only: bool = False  # "July 2021", read as the 1st

    @property
    def ambiguous(self) -> bool:
        return self.other is not None and self.other != self.value


def read_date(value, *, day_first: bool = True) -> WrittenDate | None:
    """The date at the start of `value` (text after it is allowed: "2022-12-01: first draft"), or None."""
    if isinstance(value, datetime):
        return WrittenDate(value.isoformat(), value.date())
    if isinstance(value, date):
        return WrittenDate(value.isoformat(), value)
    text = _WRAPPING.sub("", strip_comments(str(value or ""))).strip()[:60]
    text = _WEEKDAY.sub("", text)
    if not text:
        return None
    if match := _ISO.match(text):
        year, first, second = map(int, match.groups())
        # Year-month-day; 2023-13-10 and 2023-31-07, seen in real files, are read year-day-month.
        found = _date(year, first, second)
        if found:
            return WrittenDate(match.group(0), found)
        found = _date(year, second, first)
        return WrittenDate(match.group(0), found, swapped=True) if found else None
    if match := _YEAR_MONTH.fullmatch(text):  # "2023-03": the month is what the file knows
        found = _date(int(match.group(1)), int(match.group(2)), 1)
        return WrittenDate(match.group(0), found, month_only=True) if found else None
    if match := _COMPACT.match(text):
        found = _date(*map(int, match.groups()))
        return WrittenDate(match.group(0), found) if found else None
    if match := _NUMERIC.match(text):
        first, second, year = int(match.group(1)), int(match.group(2)), _year(match.group(3))
        as_day_first, as_month_first = _date(year, second, first), _date(year, first, second)
        if "." in match.group(0) and as_day_first:  # 07.08.2026: dots are written day first
            return WrittenDate(match.group(0), as_day_first, day_first=True)
        if as_day_first and as_month_first:
            picked, other = (as_day_first, as_month_first) if day_first else (as_month_first, as_day_first)
            return WrittenDate(match.group(0), picked, other)
        found = as_day_first or as_month_first
        return WrittenDate(match.group(0), found, day_first=bool(as_day_first)) if found else None
    if match := _DAY_MONTH_YEAR.match(text):
        day, month, year = int(match.group(1)), _MONTHS[match.group(2).lower()], int(match.group(3))
    elif match := _MONTH_DAY_YEAR.match(text):
        month, day, year = _MONTHS[match.group(1).lower()], int(match.group(2)), int(match.group(3))
    elif match := _MONTH_YEAR.match(text):  # "July 2021": the month is what the file knows
        found = _date(int(match.group(2)), _MONTHS[match.group(1).lower()], 1)
        return WrittenDate(match.group(0), found, month_only=True) if found else None
    else:
        return None
    found = _date(year, month, day)
    return WrittenDate(match.group(0), found) if found else None


def parse_date(value, *, day_first: bool = True) -> date | None:
    written = read_date(value, day_first=day_first)
    return written.value if written else None


def dates_day_first(dates: list[WrittenDate]) -> tuple[bool, int, int]:
    """Rule *ambiguous dates follow the collection*: 04/07/2019 is read day first unless most of
    the collection's dates that can be read only one way put the month first. Returns the choice
    and the counts (day first, month first) it rests on."""
    day = sum(1 for written in dates if written.day_first is True)
    month = sum(1 for written in dates if written.day_first is False)
    return month <= day, day, month


def _year(digits: str) -> int:
    return int(digits) if len(digits) == 4 else 2000 + int(digits) if int(digits) < 70 else 1900 + int(digits)


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


# Titles.
_EMPHASIS = re.compile(r"^(\*\*|__|\*|_|`)(.+)\1$")
_STATUS_PREFIX = re.compile(r"^\[((?:[^\[\]]|\[[^\[\]]*\](?:\([^)]*\))?)+)\]\s*(?!\()(.+)$")
_STATUS_SUFFIX = re.compile(r"^(.+?)\s*[\[(]([^\[\]()]+)[\])]$")
_DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:[:–—-]\s+|\s)(\S.*)$")
_KIND = r"(?:architectur(?:e|al) decision record|decision record|adr|rfc|kep)"
_KIND_AND_NUMBER = re.compile(rf"^{_KIND}\s*[-_ ]?\s*#?(\d{{1,6}})(?:\s+[-–—]\s+|[.:)]?\s+)(.+)$", re.I)
_KIND_ONLY = re.compile(rf"^{_KIND}\s*(?::|\s[–—-])\s*(.+)$", re.I)
_NUMBER_PUNCTUATED = re.compile(r"^#?\[?(\d{1,6})\]?(?:[.:)]\s+|\s+[-–—]\s+)(.+)$")
_TEMPLATE_BRACKETS = re.compile(r"^\[([^\[\]]+)\]$")  # `[FHIRPath Python Module]`: filled in, brackets left
_NUMBER_SPACE = re.compile(r"^(\d{1,6})\s+(\D.*)$")
GENERIC_TITLES = {"subject", "title", "untitled", "adr", "decision", "name", "short title", "tbd"}


@dataclass
class Title:
    text: str
    whole: str = ""  # the text with its number, for a loose number the file does not confirm
    number: int | None = None  # the number the title writes, if any
    number_is_loose: bool = False  # "12 Title": a number only if the file agrees
    status: str = ""  # a status in brackets before or after it: "[Superseded by [ADR-7](…)] Title", "Title (Accepted)"
    written_date: WrittenDate | None = None  # a date in front of it: "2021-03-04 Use Kafka"


def read_title(written: str) -> Title:
    """Rule *decorated titles*: emphasis, a bracketed status prefix, and the kind and number in
    front (`ADR 012:`, `ADR-102:`, `RFC-0002`, `12.`, `0001 -`, `Architecture Decision Record:`)
    are not the title, nor the brackets a template left round what was filled in (`[0010].
    [Title]`)."""
    text = strip_comments(written).strip()
    while match := _EMPHASIS.match(text):
        text = match.group(2).strip()
    title = Title(text)
    if (match := _STATUS_PREFIX.match(text)) and status_from_text(match.group(1)):
        title.status, text = match.group(1).strip(), match.group(2).strip()
    elif (match := _STATUS_SUFFIX.match(text)) and status_from_text(match.group(2)) and len(match.group(2)) < 40:
        title.status, text = match.group(2).strip(), match.group(1).strip()
    while match := _EMPHASIS.match(text):
        text = match.group(2).strip()
    if (match := _DATE_PREFIX.match(text)) and (written := read_date(match.group(1))):
        title.written_date, text = written, match.group(2).strip()
    if match := _KIND_AND_NUMBER.match(text) or _NUMBER_PUNCTUATED.match(text):
        title.number, text = int(match.group(1)), match.group(2).strip()
    elif match := _KIND_ONLY.match(text):
        text = match.group(1).strip()
    if match := _TEMPLATE_BRACKETS.match(text):
        text = match.group(1).strip()
    title.whole = text
    if title.number is None and (match := _NUMBER_SPACE.match(text)):
        title.number, title.number_is_loose, text = int(match.group(1)), True, match.group(2).strip()
    title.text = text
    return title
