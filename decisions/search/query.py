"""Web-search style queries: words, "quoted phrases", -excluded words and OR.

Plain Python, no Django, read as web search engines do: terms side by side must all
match, OR joins the two terms on either side of it ("a b OR c" is a and (b or c)),
and a leading minus excludes a word or a phrase. Text the grammar does not use is
ignored, never an error. Both backends build their queries from this one reading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# Letters and digits, as both databases' tokenizers split text: "_" and marks separate words.
WORD_CHARS = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or the words of a phrase

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass
class Query:
    # Every group must match; a group matches when any of its terms does.
    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)
    # What the query held that is not a word, a phrase or a use of OR, as typed.
    ignored: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.excluded


def _term(text: str) -> Term | None:
    words = tuple(word.lower() for word in WORD_CHARS.findall(text))
    return Term(words) if words else None


def parse(text: str) -> Query:
    query = Query()
    join_next = False
    for match in TOKEN.finditer(text or ""):
        minus, phrase, bare = match.groups()
        if bare == "OR":
            if join_next or not query.groups:
                query.ignored.append(bare)
            join_next = bool(query.groups)
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            minus, bare = "-", bare[1:]
        term = _term(phrase if phrase is not None else bare)
        if term is None:
            query.ignored.append(match.group())
            continue
        if minus:
            query.excluded.append(term)
        elif join_next:
            query.groups[-1].append(term)
        else:
            query.groups.append([term])
        join_next = False
    if join_next:
        query.ignored.append("OR")  # with nothing after it to join
    return query


def _fts5(term: Term) -> str:
    # Every term is quoted, so user text is never FTS5 syntax.
    return '"' + " ".join(term.words).replace('"', '""') + '"'


def to_fts5(query: Query) -> str:
    """The FTS5 MATCH expression for a query with at least one positive group."""
    groups = ["(" + " OR ".join(_fts5(t) for t in group) + ")" for group in query.groups]
    expression = " AND ".join(groups)
    for term in query.excluded:
        expression += f" NOT {_fts5(term)}"
    return expression


def to_fts5_any(terms: list[Term]) -> str:
    return " OR ".join(_fts5(t) for t in terms)
