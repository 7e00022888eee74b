"""Read a collection of ADR Markdown files for an import: the files, what each says, and the report.

A collection is a folder (searched recursively) or a zip. Each decision keeps the path it
came from, prefixed with the collection's name, so importing the same collection again
updates those decisions in place instead of adding copies. The writing is
decisions.workflow.adrs_import's; this module only reads (files, flows, earlier imports).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from .. import images
from ..models import Decision, DecisionLink, Flow
from . import parse, values

MAX_FILES = 10_000  # an export of 5,000 decisions is 5,001 files, plus the images they show
MAX_TOTAL_BYTES = 50_000_000
UNPACK_CHUNK = 64 * 1024
MAX_RATIO, RATIO_CHECKED_FROM = 100, 1_000_000  # text packs 3-10 times; a zip bomb about 1,000
ARCHIVE_SUFFIXES = (".zip", ".jar", ".war", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar")
CONTROL_IN_PATH = re.compile(r"[\x00-\x1f\x7f]")
PATH_MAX = Decision._meta.get_field("source_path").max_length

# The fields an import writes; a second import compares these to tell "updated" from "unchanged".
IMPORTED_FIELDS = [
    "title", "status", "decided_on", "revisit_on", "deciders", "tags", "context", "decision_text", "consequences",
    "considered_options", "other_sections", "source_format", "source_id", "source_status", "source_text",
]  # fmt: skip
INTEGRATION_FIELDS = [
    "flow", "style", "logic_location", "caller_needs_result", "sync_reason", "visibility", "visibility_reason",
    "growth", "growth_reason", "coordination", "coordination_reason", "coupling", "coupling_reason", "justification",
]  # fmt: skip


class CollectionError(Exception):
    """The folder or zip as a whole cannot be imported; the message says why."""


@dataclass
class FileResult:
    path: str
    outcome: str  # imported, updated, unchanged, refused, skipped or broken
    reason: str = ""
    number: int | None = None
    warnings: list[str] = field(default_factory=list)
    read: list[list[str]] = field(default_factory=list)  # [what, value, where from]: the fidelity report


@dataclass
class ImportReport:
    collection: str
    results: list[FileResult] = field(default_factory=list)
    ignored: int = 0  # files that are not Markdown, such as images
    committed: bool = False

    def count(self, outcome: str) -> int:
        return sum(1 for result in self.results if result.outcome == outcome)

    @property
    def broken(self) -> list[FileResult]:
        return [result for result in self.results if result.outcome == "broken"]

    def as_dict(self) -> dict:
        """The report as JSON can hold it, for an import job (from_dict reads it back)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ImportReport:
        results = [FileResult(**result) for result in data.get("results", [])]
        return cls(collection=data["collection"], results=results, ignored=data.get("ignored", 0),
                   committed=data.get("committed", False))  # fmt: skip

    def summary(self) -> str:
        outcomes = ["imported", "updated", "unchanged", *(["refused"] if self.count("refused") else []), "skipped"]
        counts = ", ".join(f"{self.count(outcome)} {outcome}" for outcome in [*outcomes, "broken"])
        return counts + (f", {self.ignored} other files ignored" if self.ignored else "")


def collection_slug(name: str) -> str:
    """A collection name safe to put in front of paths: letters, digits, dots and dashes."""
    return re.sub(r"[^\w.-]+", "-", name).strip("-.")


def collection_name(path: str) -> str:
    """The default collection for a folder or zip: its name."""
    name = PurePosixPath(path.replace("\\", "/").rstrip("/")).name
    return collection_slug(re.sub(r"\.zip$", "", name, flags=re.IGNORECASE)) or "import"


def read_folder(root: Path) -> list[tuple[str, bytes]]:
    if not root.is_dir():
        raise CollectionError(f"{root} is not a folder.")
    files = [path for path in sorted(root.rglob("*")) if path.is_file() and not path.is_symlink()]
    if len(files) > MAX_FILES:
        raise CollectionError(f"The folder holds {len(files)} files; the limit is {MAX_FILES}.")
    return [(path.relative_to(root).as_posix(), path.read_bytes()) for path in files]


def read_zip(source, wanted: Callable[[str], bool] | None = None) -> list[tuple[str, bytes]]:
    """The files of a zip, unpacked a chunk at a time and counted as they come out: the limits
    hold whatever its headers claim. Files `wanted` does not want (by default, all but Markdown
    and images: the ADR import reads nothing else) are listed, not unpacked."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise CollectionError("The file is not a valid zip archive.") from None
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > MAX_FILES:
            raise CollectionError(f"The zip holds {len(members):,} files; the limit is {MAX_FILES:,}.")
        if sum(info.file_size for info in members) > MAX_TOTAL_BYTES:
            raise CollectionError(f"The zip unpacks to more than {MAX_TOTAL_BYTES // 1_000_000} MB.")
        files, unpacked = [], 0
        for info in members:
            name = info.filename.replace("\\", "/")
            if name.startswith("__MACOSX/") or PurePosixPath(name).name.startswith("._"):
                continue
            if name.lower().endswith(ARCHIVE_SUFFIXES):
                raise CollectionError(f"The zip holds another archive, {name[-100:]}: unpack it and import its files.")
            keep = wanted(name) if wanted else _is_markdown(name) or images.is_image_name(name)
            data = _unpack(archive, info, name, MAX_TOTAL_BYTES - unpacked) if keep else b""
            unpacked += len(data)
            files.append((name, data))
    return _without_common_folder(files)


def member_count(source) -> int:
    """How many files a zip says it holds, from its directory alone (0 if it is no zip)."""
    try:
        with zipfile.ZipFile(source) as archive:
            return sum(1 for info in archive.infolist() if not info.is_dir())
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0
    finally:
        source.seek(0)


def pack_zip(files: list[tuple[str, bytes]]) -> bytes:
    """Files (path, bytes) as one zip, for an import job to keep."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files:
            archive.writestr(path, data)
    return buffer.getvalue()


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, budget: int) -> bytes:
    """One member's bytes, up to one chunk past its limit (enough to say it is too large)."""
    limit = images.MAX_IMAGE_BYTES if images.is_image_name(name) or not _is_markdown(name) else parse.MAX_FILE_BYTES
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise CollectionError(f"{name[-100:]} is packed with a method the import does not unpack; "
                              "zip the folder with the usual (deflate) compression.")  # fmt: skip
    chunks, size = [], 0
    try:
        with archive.open(info) as member:
            while size <= limit and (chunk := member.read(UNPACK_CHUNK)):
                size += len(chunk)
                if size > budget:
                    raise CollectionError(f"The zip unpacks to more than {MAX_TOTAL_BYTES // 1_000_000} MB.")
                if size > RATIO_CHECKED_FROM and size > MAX_RATIO * max(info.compress_size, 1):
                    raise CollectionError(f"{name[-100:]} unpacks to more than {MAX_RATIO} times its packed size, "
                                          "as zip bombs do.")  # fmt: skip
                chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError, zlib.error):
        raise CollectionError(f"{name[-100:]} in the zip cannot be unpacked (damaged or encrypted).") from None
    return b"".join(chunks)


def _is_markdown(path: str) -> bool:
    return path.lower().endswith(parse.MARKDOWN_SUFFIXES) or _numbered_without_suffix(path)


def _numbered_without_suffix(path: str) -> bool:
    """Rule *a file saved without .md*: `0016-handle-concurrent-git-operations` is read when it
    is numbered as ADR files are and opens with a heading or front matter (_read looks)."""
    name = PurePosixPath(path).name
    return "." not in name and parse.number_from_filename(name)[0] is not None


def _without_common_folder(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """A zip of a folder holds paths like `adr/0001-x.md`: drop the shared `adr/`, as a folder import would."""
    tops = {name.split("/", 1)[0] for name, _ in files}
    if len(tops) == 1 and all("/" in name for name, _ in files):
        return [(name.split("/", 1)[1], data) for name, data in files]
    return files


def read_files(
    files: list[tuple[str, bytes]], *, collection: str, advance: Callable[[int], None] | None = None
) -> tuple[ImportReport, list[tuple[parse.ParsedAdr, FileResult]]]:
    """Parse the files (path inside the collection, bytes): the report so far, and the files to write.
    `advance(1)` is called for each file read."""
    report = ImportReport(collection=collection)
    parsed: list[tuple[parse.ParsedAdr, FileResult]] = []
    pictures = {path: data for path, data in files if images.is_image_name(path)}
    for path, data in files:
        read = _read(path, data, report, collection)
        if read is not None:
            parsed.append(read)
        if advance:
            advance(1)
    used = set()
    for adr, result in parsed:
        used |= _find_images(adr, result, pictures)
    report.ignored -= len(used)
    settle_dates(parsed)
    for adr, result in parsed:
        result.read = fidelity(adr)
    return report, parsed


def fidelity(adr: parse.ParsedAdr) -> list[list[str]]:
    """What the importer understood of a file, and where it read each value."""
    status = adr.status + (
        f" (“{adr.status_text}”)" if adr.status_text and adr.status_text.lower() != adr.status else ""
    )
    rows = [
        ["number", f"{adr.number}" if adr.number is not None else "none", adr.sources.get("number", "")],
        ["title", adr.title, adr.sources.get("title", "")],
        ["status", status, adr.sources.get("status", "")],
        ["date", adr.decided_on.isoformat() if adr.decided_on else "none", adr.sources.get("date", "")],
        ["deciders", adr.deciders or "none", adr.sources.get("deciders", "")],
        ["tags", adr.tags.replace(",", ", ") or "none", adr.sources.get("tags", "")],
        ["links", f"{len(adr.links)}", ""],
    ]
    return [[name, value[:120], where if value != "none" else "not stated"] for name, value, where in rows]


def _find_images(adr: parse.ParsedAdr, result: FileResult, pictures: dict[str, bytes]) -> set[str]:
    """Rule *images come along*: the images a file links (`![](images/flow.png)`) that the import
    holds become the decision's attachments, under the name the link uses."""
    found = set()
    for target in images.linked(adr.text):
        name = images.clean_name(target)
        if name is None or name in adr.images:
            continue
        path = posixpath.normpath(posixpath.join(posixpath.dirname(adr.path), name))
        if path not in pictures:  # files uploaded side by side lose their folders: match the one of that name
            alike = [other for other in pictures if posixpath.basename(other) == posixpath.basename(name)]
            path = alike[0] if len(alike) == 1 else path
        if path in pictures:
            adr.images[name] = pictures[path]
            found.add(path)
        else:
            result.warnings.append(f"the image {name} is not in the import, so the decision shows its link only")
    return found


def settle_dates(parsed: list[tuple[parse.ParsedAdr, FileResult]]) -> None:
    """Rule *ambiguous dates follow the collection*: a date such as 04/07/2019 is read in the order
    (day or month first) that most of the collection's one-way dates (19/06/2024, 8/18/22) show,
    day first when they are even or there are none; each such date is flagged in the report."""
    day_first, days, months = values.dates_day_first([adr.written_date for adr, _ in parsed if adr.written_date])
    for adr, result in parsed:
        written = adr.written_date
        if not (written and written.ambiguous):
            continue
        if not day_first:
            adr.decided_on = written.other
        order = "day first" if day_first else "month first"
        basis = (f"as {max(days, months)} of the {days + months} dates in this import that read one way only are"
                 if days + months else "the rule when no date in this import reads one way only")  # fmt: skip
        result.warnings.append(f"the date “{written.text}” reads two ways; it is read {order}, "
                               f"{adr.decided_on:%-d %B %Y} ({basis})")  # fmt: skip


def _read(path: str, data: bytes, report: ImportReport, collection: str) -> tuple[parse.ParsedAdr, FileResult] | None:
    """Parse one file, or record in the report why it is passed over."""
    opening = data[:200].decode("utf-8", "replace").lstrip("\ufeff")
    if not _is_markdown(path) or (_numbered_without_suffix(path) and not parse.opens_like_markdown(opening)):
        report.ignored += 1
        return None
    result = FileResult(path=path, outcome="")
    report.results.append(result)
    try:
        if len(source_path(collection, path)) > PATH_MAX:
            raise parse.BrokenFile(f"its path and collection name are longer than {PATH_MAX} characters")
        if CONTROL_IN_PATH.search(path) or "/../" in f"/{path}/":
            raise parse.BrokenFile("its path holds control characters or a “..” step")
        notes: list[str] = []
        text = parse.decode(data, notes)
        reason = parse.skip_reason(path, text)
        if reason:
            result.outcome, result.reason = "skipped", reason
            return None
        adr = parse.parse(path, text)
    except parse.BrokenFile as error:
        result.outcome, result.reason = "broken", str(error)
        return None
    adr.warnings[:0] = notes
    result.warnings = adr.warnings
    return adr, result


def source_path(collection: str, path: str) -> str:
    return f"{collection}/{path}"


def history_reason(words: str, path: str) -> str:
    """A history change reason, which holds 100 characters: keep the end of a long path."""
    reason = f"{words} {path}"
    return reason if len(reason) <= 100 else f"{words} …{path[-(98 - len(words)) :]}"


def flow_names(parsed) -> set[str]:
    return {adr.integration["flow"] for adr, _ in parsed if adr.integration.get("flow")}


def decision_values(adr: parse.ParsedAdr, flows: dict[str, Flow], result: FileResult) -> dict:
    values = {
        "title": adr.title,
        "status": adr.status,
        "decided_on": adr.decided_on,
        "revisit_on": adr.revisit_on,
        "deciders": adr.deciders,
        "tags": adr.tags,
        "context": adr.context,
        "decision_text": adr.decision_text,
        "consequences": adr.consequences,
        "considered_options": adr.considered_options,
        "other_sections": adr.other_sections,
        "source_format": adr.format,
        "source_id": adr.source_id[:200],
        "source_status": adr.status_text,
        "source_text": adr.text,
    }
    if adr.integration:
        integration = parse.integration_fields(adr.integration)
        flow_name = adr.integration.get("flow", "")
        integration["flow"] = flows.get(flow_name)
        if flow_name and integration["flow"] is None:
            result.warnings.append(f'no flow is called "{flow_name}", so the decision is not linked to a flow')
        values |= {name: integration.get(name, _blank(name)) for name in INTEGRATION_FIELDS}
    return values


def _blank(name: str):
    field = Decision._meta.get_field(name)
    return None if field.null else ""


def wanted_links(parsed, decisions: dict[str, Decision], *, collection: str) -> set[tuple[Decision, Decision, str]]:
    """(source, target, kind) for every link the files declare that points to a decision."""
    by_number = {adr.number: decisions[adr.path] for adr, _ in parsed if adr.number is not None}
    by_name = {PurePosixPath(path).name.lower(): decision for path, decision in decisions.items()}
    wanted: set[tuple[Decision, Decision, str]] = set()
    for adr, result in parsed:
        decision = decisions[adr.path]
        for link in adr.links:
            target = _resolve(link.target, adr.path, decisions, by_number, by_name, collection)
            if target is None:
                result.warnings.append(f"the link to {link.target} points to no decision in this import")
            elif target.pk != decision.pk:
                wanted.add(_direction(link.kind, decision, target))
    return wanted


def _resolve(target: str, path: str, by_path, by_number, by_name, collection) -> Decision | None:
    if target.startswith("#"):
        return by_number.get(int(target[1:]))
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    found = by_path.get(joined) or by_name.get(PurePosixPath(target).name.lower())
    if found is None:
        found = Decision.objects.filter(source_path=source_path(collection, joined)).first()
    return found


def _direction(kind: str, decision: Decision, target: Decision) -> tuple[Decision, Decision, str]:
    if kind == "superseded_by":
        return target, decision, DecisionLink.Kind.SUPERSEDES
    if kind == "amended_by":
        return target, decision, DecisionLink.Kind.AMENDS
    if kind in ("supersedes", "amends"):
        return decision, target, kind
    return decision, target, DecisionLink.Kind.RELATES
