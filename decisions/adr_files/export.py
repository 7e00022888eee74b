"""Write decisions out as ADR Markdown files: Nygard (adr-tools), MADR (log4brains) or EventCatalog.

Each file carries the factor assessment, the recommendation, the choice and where the logic
lives in an "Integration style" section that people can read and `adr_files.parse` reads back,
so an export imported into an empty log gives the same decisions.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db.models import Prefetch, QuerySet

from .. import factors, images
from ..models import Decision, DecisionLink

FORMATS = {"nygard": "Nygard (adr-tools)", "madr": "MADR (log4brains)", "eventcatalog": "EventCatalog"}
LINK_WORDS = {"supersedes": "Supersedes", "amends": "Amends", "relates": "Relates to"}
# Written into the other decision, so both files say it (as adr-tools does); parsing either gives one link.
REVERSE_LINK_WORDS = {"supersedes": "Superseded by", "amends": "Amended by"}


@dataclass(frozen=True)
class FileLink:
    words: str
    decision: Decision


def slug(title: str) -> str:
    """adr-tools' file name slug: lower-case ASCII letters and digits joined by dashes."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].rstrip("-") or "decision"


def file_name(decision: Decision) -> str:
    return f"{decision.number:04d}-{slug(decision.title)}.md"


def eventcatalog_id(decision: Decision) -> str:
    return f"adr-{decision.number:04d}-{slug(decision.title)}"


def for_export(decisions: QuerySet[Decision]) -> QuerySet[Decision]:
    """The decisions with everything their files mention, in a fixed number of queries."""
    outgoing = DecisionLink.objects.select_related("target").only("kind", "source", "target__number", "target__title")
    incoming = DecisionLink.objects.select_related("source").only("kind", "target", "source__number", "source__title")
    return decisions.select_related("flow__producer", "flow__owner_team", "supersedes").prefetch_related(
        "flow__consumers",
        Prefetch("superseded_by", queryset=Decision.objects.only("number", "title", "supersedes")),
        Prefetch("links", queryset=outgoing),
        Prefetch("linked_from", queryset=incoming),
        "attachments",
    )


def links_of(decision: Decision) -> list[FileLink]:
    links = []
    if decision.supersedes is not None:
        links.append(FileLink("Supersedes", decision.supersedes))
    links += [FileLink("Superseded by", newer) for newer in decision.superseded_by.all()]
    links += [FileLink(LINK_WORDS[link.kind], link.target) for link in decision.links.all()]
    links += [
        FileLink(REVERSE_LINK_WORDS[link.kind], link.source)
        for link in decision.linked_from.all()
        if link.kind in REVERSE_LINK_WORDS
    ]
    return links


def _date(decision: Decision) -> str:
    return decision.decided_on.isoformat() if decision.decided_on else ""


def _has_integration(decision: Decision) -> bool:
    return bool(
        decision.style or decision.flow_id or decision.caller_needs_result is not None or decision.has_assessment
    )


def integration_section(decision: Decision) -> str:
    lines = ["## Integration style", ""]
    if decision.flow is not None:
        lines.append(f"- Flow: {decision.flow.name}")
    if decision.caller_needs_result is not None:
        lines.append(f"- Caller needs the result: {'yes' if decision.caller_needs_result else 'no'}")
    if decision.style:
        lines.append(f"- Chosen style: {decision.get_style_display()}")
    if decision.recommendation:
        lines.append(f"- Recommendation: {decision.recommendation.capitalize()} ({decision.recommendation_strength})")
        lines.append(f"- Went against the recommendation: {'yes' if decision.against_recommendation else 'no'}")
    parts = ["\n".join(lines)]
    if decision.sync_reason:
        parts.append(f"### Why the caller cannot wait\n\n{decision.sync_reason}")
    for factor in factors.FACTORS:
        level = getattr(decision, factor.key)
        if level is not None:
            label = factor.levels[level - 1].label
            parts.append(f"### {factor.name}: {label}\n\n{getattr(decision, f'{factor.key}_reason')}".strip())
    if decision.justification:
        parts.append(f"### Justification\n\n{decision.justification}")
    if decision.logic_location:
        parts.append(f"### Where the logic lives\n\n{decision.logic_location}")
    return "\n\n".join(parts)


def _link_text(decision: Decision) -> str:
    return f"{decision.number}. {decision.title}".replace("[", "(").replace("]", ")")


def _link_line(link: FileLink, *, slug_text: bool = False) -> str:
    target = file_name(link.decision)
    return f"{link.words} [{target[:-3] if slug_text else _link_text(link.decision)}]({target})"


def _join(*blocks: str) -> str:
    return "\n\n".join(block.strip("\n") for block in blocks if block.strip()) + "\n"


def _nygard_sections(decision: Decision) -> list[str]:
    """Context, Decision and Consequences, then the rest: the body Nygard and EventCatalog share."""
    return [
        f"## Context\n\n{decision.context}",
        f"## Decision\n\n{decision.decision_text}",
        f"## Consequences\n\n{decision.consequences}",
        f"## Considered Options\n\n{decision.considered_options}" if decision.considered_options else "",
        integration_section(decision) if _has_integration(decision) else "",
        decision.other_sections,
    ]


def nygard(decision: Decision) -> str:
    head = [f"# {decision.number}. {decision.title}", ""]
    for label, value in (
        ("Date", _date(decision)),
        ("Deciders", decision.deciders),
        ("Tags", decision.tags),
        ("Revisit on", decision.revisit_on.isoformat() if decision.revisit_on else ""),
    ):
        if value:
            head.append(f"{label}: {value}  ")
    status = "\n\n".join([decision.get_status_display(), *(_link_line(link) for link in links_of(decision))])
    return _join(
        "\n".join(head).rstrip(),
        f"## Status\n\n{status}",
        *_nygard_sections(decision),
    )


def madr(decision: Decision) -> str:
    links = links_of(decision)
    status = decision.status
    superseders = [link for link in links if link.words == "Superseded by"]
    if decision.status == Decision.Status.SUPERSEDED and superseders:
        newer = superseders[0].decision
        # log4brains finds the superseder by the link's text, which must be its slug.
        status = f"superseded by [{file_name(newer)[:-3]}]({file_name(newer)})"
        links.remove(superseders[0])
    meta = [f"- Status: {status}"]
    if decision.deciders:
        meta.append(f"- Deciders: {decision.deciders}")
    if decision.decided_on:
        meta.append(f"- Date: {_date(decision)}")
    if decision.tags:
        meta.append(f"- Tags: {decision.tags}")
    if decision.revisit_on:
        meta.append(f"- Revisit on: {decision.revisit_on.isoformat()}")
    outcome = decision.decision_text
    if decision.consequences:
        outcome = _join(outcome, f"### Consequences\n\n{decision.consequences}")
    return _join(
        f"# {decision.title}",
        "\n".join(meta),
        f"## Context and Problem Statement\n\n{decision.context}",
        f"## Considered Options\n\n{decision.considered_options}" if decision.considered_options else "",
        f"## Decision Outcome\n\n{outcome}",
        integration_section(decision) if _has_integration(decision) else "",
        "## Links\n\n" + "\n".join(f"- {_link_line(link, slug_text=True)}" for link in links) if links else "",
        decision.other_sections,
    )


def eventcatalog(decision: Decision) -> str:
    """An EventCatalog ADR: its front matter schema, with the factors as `x-` properties."""
    status = decision.status if decision.status != Decision.Status.DRAFT else Decision.Status.PROPOSED
    front: dict = {
        "id": eventcatalog_id(decision),
        "name": f"{decision.code}: {decision.title}",
        "version": "1.0.0",
        "status": str(status),
        "date": _date(decision) or decision.created_at.date().isoformat(),
        "x-number": decision.number,
    }
    if decision.status == Decision.Status.DRAFT:
        front["draft"] = True
    if decision.deciders:
        front["decisionMakers"] = [name.strip() for name in decision.deciders.split(",") if name.strip()]
    flow = decision.flow
    if flow is not None:
        front["owners"] = [slug(flow.owner_team.name)]
        front["appliesTo"] = [{"type": "flow", "id": slug(flow.name)}] + [
            {"type": "service", "id": slug(service.name)} for service in [flow.producer, *flow.consumers.all()]
        ]
    relations: dict[str, list] = {}
    names = {"Supersedes": "supersedes", "Superseded by": "supersededBy", "Amends": "amends", "Amended by": "amendedBy"}
    for link in links_of(decision):
        relations.setdefault(names.get(link.words, "related"), []).append({"id": eventcatalog_id(link.decision)})
    front |= relations
    if decision.style:
        front["badges"] = [{"content": decision.get_style_display(), "backgroundColor": "blue", "textColor": "blue"}]
        front["x-style"] = decision.style
    if decision.recommendation:
        front["x-recommendation"] = decision.recommendation
        front["x-recommendation-strength"] = decision.recommendation_strength
        front["x-against-recommendation"] = decision.against_recommendation
    for factor in factors.FACTORS:
        level = getattr(decision, factor.key)
        if level is not None:
            front[f"x-{slug(factor.name)}"] = factor.levels[level - 1].short
    if decision.tags:
        front["x-tags"] = decision.tag_list
    if decision.revisit_on:
        front["x-next-review-date"] = decision.revisit_on.isoformat()
    header = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1000)
    return _join(
        f"---\n{header}---",
        *_nygard_sections(decision),
    )


def index(decisions: list[Decision], fmt: str) -> str:
    """The table of contents, as `adr generate toc` writes it."""
    lines = ["# Architecture Decision Records", ""]
    for decision in decisions:
        target = f"adrs/{eventcatalog_id(decision)}/index.mdx" if fmt == "eventcatalog" else file_name(decision)
        lines.append(f"* [{decision.number}. {decision.title}]({target})")
    return "\n".join(lines) + "\n"


WRITERS = {"nygard": nygard, "madr": madr, "eventcatalog": eventcatalog}


def files(decisions: Iterable[Decision], fmt: str) -> Iterator[tuple[str, str | bytes]]:
    """(path, text) for each decision and (path, bytes) for each of its images, then the index file."""
    written = []
    placed: dict[str, str] = {}  # image path -> its content's hash, so two decisions' images never collide
    for decision in decisions:
        written.append(decision)
        if fmt == "eventcatalog":
            path, text = f"adrs/{eventcatalog_id(decision)}/index.mdx", eventcatalog(decision)
        else:
            path, text = file_name(decision), WRITERS[fmt](decision)
        text, pictures = _images_beside(path, text, decision, placed)
        yield path, text
        yield from pictures
    written.sort(key=lambda decision: decision.number)
    yield "index.md", index(written, fmt)


def _images_beside(path: str, text: str, decision: Decision, placed: dict[str, str]):
    """The decision's images, where its links find them beside its file; an image that would land
    outside the export or on another decision's different image goes to images/ADR-NNNN/ instead,
    and the file's links follow it."""
    folder = posixpath.dirname(path)
    pictures = []
    for attachment in decision.attachments.all():
        where = posixpath.normpath(posixpath.join(folder, attachment.name))
        if where.startswith("../") or placed.get(where, attachment.sha256) != attachment.sha256:
            where = f"images/{decision.code}/{posixpath.basename(attachment.name)}"
            text = _relink(text, attachment.name, posixpath.relpath(where, folder or "."))
        if where not in placed:
            placed[where] = attachment.sha256
            pictures.append((where, bytes(attachment.data)))
    return text, pictures


def _relink(text: str, name: str, new: str) -> str:
    def swap(match):
        target = match.group(1) or match.group(2)
        if images.clean_name(target) != name:
            return match.group(0)
        return match.group(0).replace(target, new, 1)

    return images.IMAGE_LINK.sub(swap, text)


def write_folder(target: Path, decisions: Iterable[Decision], fmt: str, advance=None) -> int:
    """Write the files; return how many decisions were written."""
    count = 0
    for path, content in files(decisions, fmt):
        destination = target / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            destination.write_bytes(content)
            continue
        destination.write_text(content, encoding="utf-8")
        if path != "index.md":
            count += 1
            if advance:
                advance(1)
    if fmt == "nygard":
        (target / ".adr-dir").write_text(".\n", encoding="utf-8")  # so adr-tools works inside the folder
    return count


def write_zip(target, decisions: Iterable[Decision], fmt: str) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, text in files(decisions, fmt):
            archive.writestr(path, text)
