"""EventCatalog folders: services with what they send and receive, messages, channels, owners.

Every resource is a folder with an `index.mdx` whose YAML front matter holds its facts; only
the front matter is read (the MDX body is documentation). A message's kind is its folder's:
`events/`, `commands/` or `queries/`. Older versions sit under `versioned/<semver>/` and are
counted, not read. The relations come from the services' `sends` and `receives`, not from
where a message's folder happens to be nested.
"""

from __future__ import annotations

import json
import posixpath
import re

from .documents import Unreadable, clean_text, load
from .facts import KEY_MAX, DocumentCounts, Message, Reading, avro_fields, bounded, json_schema_fields, kind_of

RESOURCES = ("services", "events", "commands", "queries", "channels", "flows", "domains")
FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
SCHEMA_NAMES = ("schema.json", "schema.avsc", "schema.avro", "schema.yml", "schema.yaml")


def is_catalog(files: list[tuple[str, bytes]]) -> bool:
    return any(_resource(path) for path, _ in files)


def _resource(path: str) -> tuple[str, str] | None:
    """(resource kind, folder) for `…/<kind>/<Name>/index.mdx`; None for anything else."""
    parts = path.split("/")
    if len(parts) >= 3 and parts[-1] in ("index.mdx", "index.md") and parts[-3] in RESOURCES:
        return parts[-3], "/".join(parts[:-1])
    return None


def front_matter(path: str, data: bytes) -> dict:
    text = data.decode("utf-8-sig", errors="replace")
    match = FRONT_MATTER.match(text)
    if not match:
        return {}
    value = load(path + ".yaml", match.group(1).encode())
    return value if isinstance(value, dict) else {}


def read(files: list[tuple[str, bytes]], reading: Reading) -> None:
    by_path = dict(files)
    counts = DocumentCounts("(catalog)", "EventCatalog", title="EventCatalog")
    tally = dict.fromkeys((*RESOURCES, "teams", "users", "versioned"), 0)
    teams: dict[str, str] = {}
    resources: list[tuple[str, str, str, dict]] = []
    for path, data in sorted(files):
        top = path.split("/")
        if len(top) >= 2 and top[-2] in ("teams", "users") and path.endswith((".mdx", ".md")):
            matter = _matter(path, data, reading)
            tally[top[-2]] += 1
            if top[-2] == "teams" and matter.get("id"):
                teams[str(matter["id"])] = str(matter.get("name") or matter["id"])
            continue
        if "/versioned/" in path:
            tally["versioned"] += path.endswith(("/index.mdx", "/index.md"))
            continue
        found = _resource(path)
        if found is None:
            continue
        kind, folder = found
        tally[kind] += 1
        resources.append((kind, folder, path, _matter(path, data, reading)))
    channels = {str(m.get("id")): str(m.get("address") or m.get("id")) for k, _, _, m in resources if k == "channels"}
    known_versions: dict[str, str] = {}
    for kind, folder, path, matter in resources:
        if kind in ("events", "commands", "queries") and matter.get("id"):
            message = _message(kind, folder, path, matter, by_path, channels, counts.notes)
            reading.message(message)
            known_versions[message.key] = message.version
    for kind, _, path, matter in resources:
        if kind != "services" or not matter.get("id"):
            continue
        service = reading.service(str(matter.get("name") or matter["id"]))
        owners = [str(o) for o in matter.get("owners") or [] if isinstance(o, str | int)]
        service.team = next((teams[o] for o in owners if o in teams), service.team)
        service.summary = str(matter.get("summary") or "").strip()[:500]
        repository = matter.get("repository")
        if isinstance(repository, dict) and str(repository.get("url", "")).startswith(("https://", "http://")):
            service.repository = str(repository["url"])
        for relation, into in (("sends", service.sends), ("receives", service.receives)):
            for pointer in matter.get(relation) or []:
                key = bounded(str(pointer.get("id") if isinstance(pointer, dict) else pointer), KEY_MAX)
                if key not in reading.messages:
                    reading.message(Message(key=key, name=key, document=path))
                    counts.notes.append(f"{service.name} {relation[:-1]}s {key}, which the catalog does not describe")
                into.add(key)
                pinned = str(pointer.get("version", "")) if isinstance(pointer, dict) else ""
                if re.fullmatch(r"\d+\.\d+\.\d+", pinned) and known_versions.get(key) not in (None, "", pinned):
                    counts.notes.append(
                        f"{service.name} {relation[:-1]}s {key} {pinned}, but the catalog's latest is "
                        f"{known_versions[key]}"
                    )
    counts.counts = tally
    reading.documents.append(counts)


def _matter(path: str, data: bytes, reading: Reading) -> dict:
    try:
        return front_matter(path, data)
    except Unreadable as reason:
        reading.refused.append((path, [f"The front matter cannot be read: {reason}."]))
        return {}


def _message(kind, folder, path, matter, by_path, channels, notes) -> Message:
    pointers = matter.get("channels") or []
    channel = next((str(p.get("id")) for p in pointers if isinstance(p, dict) and p.get("id")), "")
    schema_name = str(matter.get("schemaPath") or "") or next(
        (n for n in SCHEMA_NAMES if f"{folder}/{n}" in by_path), ""
    )
    schema_path = posixpath.normpath(f"{folder}/{schema_name}") if schema_name else ""
    fields, raw, schema_format = [], "", ""
    if schema_path in by_path:
        raw = clean_text(by_path[schema_path].decode("utf-8", errors="replace")[:20_000])
        fields, schema_format = _schema_fields(schema_path, by_path[schema_path], notes)
    return Message(
        key=str(matter["id"]),
        name=str(matter.get("name") or matter["id"]),
        kind=kind_of(kind),
        version=str(matter.get("version") or ""),
        channel=channels.get(channel, channel),
        summary=str(matter.get("summary") or "").strip()[:500],
        fields=fields,
        schema_format=schema_format,
        raw=raw,
        document=schema_path or path,
    )


def _schema_fields(path: str, data: bytes, notes: list[str]) -> tuple[list[dict], str]:
    try:
        value = json.loads(data)
    except ValueError:
        try:  # Avro files are often JSON with a trailing comma; YAML reads those
            value = load(path + ".yaml", data)
        except Unreadable as reason:
            notes.append(f"the schema {path} cannot be read ({reason}): its fields are not shown")
            return [], ""
    if isinstance(value, dict) and value.get("type") == "record":
        return avro_fields(value), "Avro"
    return json_schema_fields(value), "JSON Schema"
