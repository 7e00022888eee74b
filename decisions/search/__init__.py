"""Full-text search over decisions, with one contract and a backend per database.

`search(queryset, text)` narrows a decision queryset to those matching a web-search
style query and annotates `rank` (higher is better). `snippets(text, ids)` gives
highlighted, escaped excerpts for a page of results. `index_decisions(ids)` rebuilds
the searchable text of decisions, and is called on every save, comment and import.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from types import ModuleType

from django.db import connection
from django.db.models import FloatField, QuerySet, Value
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django_tasks import task

from .. import pagecache
from ..models import Comment, Decision, SearchDocument
from . import query as query_module

MARK_START, MARK_END = "\ue000", "\ue001"  # private-use characters, stripped from indexed text
# Between the fields of a search document: no word to either database, and where an excerpt is cut,
# so an excerpt never runs from one field into the next.
FIELD_BREAK = "\ue002"
MARKDOWN_NOISE = re.compile(r"[*`#|>\ue000\ue001\ue002]+|:?-{3,}:?")
INDEX_CHUNK = 2000
# Ranking reads every match's whole text; a word found in half the log would rank 50,000
# of them for one page. Unfiltered searches rank their newest matches only, this many:
# twice the 1,000 results the log ever lists.
RANK_CANDIDATES = 2000


def _backend() -> ModuleType:
    if connection.vendor == "postgresql":
        from . import postgres

        return postgres
    from . import fts5

    if connection.vendor == "sqlite" and fts5.available():
        from . import sqlite

        return sqlite
    from . import fallback

    return fallback


def search(queryset: QuerySet[Decision], text: str, *, facets: dict | None = None) -> QuerySet[Decision]:
    """Decisions of `queryset` that match `text`, annotated with `rank` (higher is better).

    `facets` are the log's filters on status and style, already applied to `queryset`, which a
    backend may also apply in its own index (PostgreSQL), to filter before it reads any text."""
    parsed = query_module.parse(text)
    if parsed.is_empty:  # the log form never asks this (LogFilterForm.clean_q), but callers may
        return queryset.none().annotate(rank=Value(0.0, output_field=FloatField()))
    return _backend().search(queryset, text, parsed, facets or {})


def ranked_page(
    matches: QuerySet[Decision], bottom: int, top: int, *, index_only: tuple[str, dict] | None = None
) -> tuple[list[int], int] | None:
    """Decision numbers bottom to top of a relevance-sorted search, and how many match, in one
    pass: ranking reads every match anyway. None where the backend cannot count that way.

    `index_only` is the text and facets (status, style) of a search filtered by nothing else, which
    a backend may rank from its index alone; with no facets, among the same newest matches as
    among_newest.
    """
    alone, facets = None, {}
    if index_only is not None:
        parsed = query_module.parse(index_only[0])
        alone, facets = (parsed, index_only[1]) if parsed.groups else (None, {})
    return _backend().ranked_page(matches, bottom, top, alone, facets, RANK_CANDIDATES)


def among_newest(matches: QuerySet[Decision], text: str) -> QuerySet[Decision]:
    """Narrow an unfiltered search to its RANK_CANDIDATES newest matches, before sorting by relevance."""
    parsed = query_module.parse(text)
    return _backend().among_newest(matches, parsed, RANK_CANDIDATES) if parsed.groups else matches


def snippets(
    text: str, ids: Iterable[int], *, revisions: Mapping[int, str | None] | None = None
) -> dict[int, SafeString]:
    """Escaped excerpts with the matching words in <mark>, for the given decisions.

    Kept in the shared cache by the query and the revisions of the decisions' texts, so a change
    elsewhere leaves them be: excerpts were a fifth of a search page worked out on PostgreSQL.
    `revisions` are those of the decisions' search documents (None: it has none) where the caller
    read them already, as the log's search rows do."""
    parsed = query_module.parse(text)
    ids = sorted(set(ids))
    if not parsed.groups or not ids:
        return {}

    def kept_by() -> tuple[str, list[tuple[int, str]]]:
        if revisions is None:
            return text, list(SearchDocument.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "revision"))
        return text, [(pk, revisions[pk]) for pk in ids if revisions[pk] is not None]

    raw = pagecache.kept_by_content(
        "excerpts", kept_by, lambda: _backend().snippets(text, parsed, ids, MARK_START, MARK_END)
    )
    return {pk: highlight(_within_fields(excerpt)) for pk, excerpt in raw.items() if excerpt}


def _within_fields(excerpt: str) -> str:
    """The parts of an excerpt that hold a match, each within its own field."""
    parts = [part.strip() for part in excerpt.split(FIELD_BREAK)]
    matching = [part for part in parts if MARK_START in part]
    return " … ".join(matching or parts)


def highlight(excerpt: str) -> SafeString:
    """Escape an excerpt, then turn the backend's private markers into <mark> tags."""
    safe = escape(excerpt).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(safe)  # noqa: S308 (escaped above; only our own tags added) # nosec B308 B703


def _clean(text: str) -> str:
    return MARKDOWN_NOISE.sub(" ", text or "")


def document_text(decision: Decision, comments: Iterable[str]) -> tuple[str, str]:
    """The title and body a decision is found by."""
    parts = [
        decision.context, decision.decision_text, decision.consequences, decision.considered_options,
        decision.other_sections,
        decision.sync_reason, decision.visibility_reason, decision.growth_reason, decision.coordination_reason,
        decision.coupling_reason, decision.justification, decision.logic_location, decision.deciders,
        decision.tags.replace(",", ", "),
    ]  # fmt: skip
    flow = decision.flow
    if flow is not None:
        parts += [flow.name, flow.producer.name, *(service.name for service in flow.consumers.all())]
    parts += comments
    title = f"{decision.code} {decision.title}"
    return _clean(title), f" {FIELD_BREAK} ".join(_clean(p) for p in parts if p)


def revision(title: str, body: str) -> str:
    """A digest of a search document's text: another text, another revision."""
    text = f"{title}{FIELD_BREAK}{body}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=8).hexdigest()


def index_decisions(ids: Iterable[int], advance: Callable[[int], None] | None = None) -> None:
    """Rebuild the search documents of these decisions, a chunk at a time, telling `advance` how many."""
    ids = list(ids)
    for start in range(0, len(ids), INDEX_CHUNK):
        chunk = ids[start : start + INDEX_CHUNK]
        _index_chunk(chunk)
        if advance:
            advance(len(chunk))


@task()
def index_all_task() -> None:
    """Rebuild every decision's search document, in a worker (rebuild_search_index --in-worker)."""
    index_decisions(Decision.objects.order_by("pk").values_list("pk", flat=True))


def _index_chunk(ids: list[int]) -> None:
    decisions = Decision.objects.filter(pk__in=ids).select_related("flow__producer").prefetch_related("flow__consumers")
    comments: dict[int, list[str]] = {}
    live = Comment.objects.filter(decision_id__in=ids, retracted_at__isnull=True).order_by("pk")
    for decision_id, body in live.values_list("decision_id", "body"):
        comments.setdefault(decision_id, []).append(body)
    documents = []
    for decision in decisions:
        title, body = document_text(decision, comments.get(decision.pk, []))
        documents.append(SearchDocument(decision=decision, title=title, body=body, revision=revision(title, body)))
    SearchDocument.objects.bulk_create(
        documents, update_conflicts=True, unique_fields=["decision"], update_fields=["title", "body", "revision"]
    )
    _backend().after_index(ids)
