"""What message contracts say is true now, in one shape whatever the format.

A reader (asyncapi, eventcatalog) turns documents into a `Reading`: the services it names,
the messages with their kind, version, channel and payload, and who sends and receives
each. `Reading.flows()` pairs them up: one flow per message that some service sends.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

KINDS = ("command", "event", "query")
KEY_MAX, SERVICE_NAME_MAX = 400, 100  # as long as the app's columns for them
UNKNOWN = "unknown"
FIELDS_DEPTH = 6
MAX_FIELDS = 200


@dataclass
class Message:
    key: str  # what names the message across documents
    name: str
    definition: str = ""  # the message's own name, without its channel
    kind: str = UNKNOWN
    version: str = ""
    channel: str = ""
    summary: str = ""
    fields: list[dict] = field(default_factory=list)  # {"name", "type", "required"}
    schema_format: str = ""
    raw: str = ""  # the message's definition as the document wrote it, references followed
    document: str = ""
    from_sender: bool = False  # defined by a document of a service that sends it


@dataclass
class ServiceFacts:
    name: str
    team: str = ""
    summary: str = ""
    repository: str = ""
    sends: set[str] = field(default_factory=set)  # message keys
    receives: set[str] = field(default_factory=set)


@dataclass
class DocumentCounts:
    """What one document holds, for the import's report."""

    path: str
    format: str  # "AsyncAPI 3.0.0", "EventCatalog"
    title: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    servers: dict[str, str] = field(default_factory=dict)  # name → "protocol host"
    notes: list[str] = field(default_factory=list)


@dataclass
class Reading:
    services: dict[str, ServiceFacts] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    documents: list[DocumentCounts] = field(default_factory=list)
    refused: list[tuple[str, list[str]]] = field(default_factory=list)  # (path, reasons)

    def service(self, name: str) -> ServiceFacts:
        name = bounded(" ".join(name.split()) or "(unnamed)", SERVICE_NAME_MAX)
        return self.services.setdefault(name, ServiceFacts(name))

    def message(self, message: Message, *, sender: bool = False) -> Message:
        """Keep a message once: a later definition fills in what the first left blank, and the
        sender's definition (`sender`), the one its schema belongs to, wins over a receiver's."""
        message.key = bounded(message.key, KEY_MAX)
        known = self.messages.get(message.key)
        if known is None:
            message.from_sender = sender
            self.messages[message.key] = message
            return message
        overrides = sender and not known.from_sender
        for name in ("kind", "version", "channel", "summary", "fields", "schema_format", "raw", "document"):
            blank = getattr(known, name) in ("", [], UNKNOWN)
            if (blank or overrides) and getattr(message, name) not in ("", [], UNKNOWN):
                setattr(known, name, getattr(message, name))
        known.from_sender = known.from_sender or sender
        return known

    def flows(self) -> list[FlowFacts]:
        """One flow per message that some service sends, with every service that receives it."""
        flows = []
        for key, message in sorted(self.messages.items()):
            producers = sorted(s.name for s in self.services.values() if key in s.sends)
            consumers = sorted(s.name for s in self.services.values() if key in s.receives)
            flows.append(FlowFacts(message, producers, consumers))
        return flows


@dataclass
class FlowFacts:
    message: Message
    producers: list[str]
    consumers: list[str]


FOLDER_KINDS = {"events": "event", "commands": "command", "queries": "query"}


def bounded(text: str, limit: int) -> str:
    """Text cut to `limit` characters, keeping distinct long texts distinct (a digest of the whole)."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - 13]}~{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def kind_of(value) -> str:
    """A message kind from an `x-` property or a folder name: command, event, query, or unknown."""
    word = str(value or "").strip().lower()
    word = FOLDER_KINDS.get(word, word)
    return word if word in KINDS else UNKNOWN


def same_name(name: str) -> str:
    """A name as matching compares it: `Inventory adjusted`, `InventoryAdjusted`, `inventory-adjusted` agree."""
    return re.sub(r"[^0-9a-z]", "", name.casefold())


# --- payload schemas as a table of fields ------------------------------------------------


def json_schema_fields(schema) -> list[dict]:
    """A JSON Schema (or an AsyncAPI / OpenAPI schema) as rows of dotted field name, type and required."""
    rows: list[dict] = []
    _json_fields(schema, "", True, rows, 0)
    return rows[:MAX_FIELDS]


def _json_fields(schema, prefix: str, required: bool, rows: list[dict], depth: int) -> None:
    if not isinstance(schema, dict) or depth > FIELDS_DEPTH or len(rows) >= MAX_FIELDS:
        return
    for combined in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(combined) or []:
            _json_fields(part, prefix, required, rows, depth + 1)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        needed = set(schema.get("required") or []) if isinstance(schema.get("required"), list) else set()
        for name, child in properties.items():
            path = f"{prefix}.{name}" if prefix else str(name)
            rows.append({"name": path, "type": _json_type(child), "required": name in needed})
            _json_fields(child, path, name in needed, rows, depth + 1)
    items = schema.get("items")
    if isinstance(items, dict) and prefix:
        _json_fields(items, f"{prefix}[]", required, rows, depth + 1)


def _json_type(schema) -> str:
    if not isinstance(schema, dict):
        return "any"
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = " or ".join(str(k) for k in kind)
    if kind == "array":
        return f"array of {_json_type(schema.get('items'))}"
    if kind and schema.get("format"):
        return f"{kind} ({schema['format']})"
    if "enum" in schema and isinstance(schema["enum"], list):
        return "one of " + ", ".join(str(v) for v in schema["enum"][:8])
    return str(kind or ("object" if "properties" in schema else "any"))


def avro_fields(schema) -> list[dict]:
    """An Avro record's fields, nested records as dotted names."""
    rows: list[dict] = []
    _avro_fields(schema, "", rows, 0)
    return rows[:MAX_FIELDS]


def _avro_fields(schema, prefix: str, rows: list[dict], depth: int) -> None:
    if not isinstance(schema, dict) or depth > FIELDS_DEPTH or len(rows) >= MAX_FIELDS:
        return
    for child in schema.get("fields") or []:
        if not isinstance(child, dict) or "name" not in child:
            continue
        path = f"{prefix}.{child['name']}" if prefix else str(child["name"])
        kind = child.get("type")
        optional = isinstance(kind, list) and "null" in kind
        rows.append({"name": path, "type": _avro_type(kind), "required": not optional and "default" not in child})
        for part in kind if isinstance(kind, list) else [kind]:
            _avro_fields(part, path, rows, depth + 1)


def _avro_type(kind) -> str:
    if isinstance(kind, list):
        return " or ".join(_avro_type(k) for k in kind)
    if isinstance(kind, dict):
        if kind.get("type") == "array":
            return f"array of {_avro_type(kind.get('items'))}"
        if kind.get("logicalType"):
            return f"{kind.get('type')} ({kind['logicalType']})"
        return str(kind.get("name") or kind.get("type") or "any")
    return str(kind or "any")


# --- facts as the app keeps them: one dict per source and message, put together per flow ---

SCALARS = ("name", "kind", "version", "channel", "summary", "fields", "schema_format", "raw", "document")


def source_facts(flow: FlowFacts) -> dict:
    """What one source says of a message, as SourceFacts keeps it."""
    message = flow.message
    return {name: getattr(message, name) for name in SCALARS} | {
        "producers": flow.producers, "consumers": flow.consumers,
    }  # fmt: skip


def merged(facts_by_age: list[dict]) -> dict:
    """Every source's facts about one message, oldest first, put together: the services that send and
    receive it from all of them; each other fact from the newest source that states it. A message no
    source describes any more is not `present`."""
    described = [facts for facts in facts_by_age if facts]
    result: dict = {"producers": set(), "consumers": set(), "present": bool(described)}
    for facts in described:
        result["producers"] |= set(facts.get("producers") or [])
        result["consumers"] |= set(facts.get("consumers") or [])
        for name in SCALARS:
            if facts.get(name) not in (None, "", [], UNKNOWN) or name not in result:
                result[name] = facts.get(name, "" if name != "fields" else [])
    result["producers"], result["consumers"] = sorted(result["producers"]), sorted(result["consumers"])
    return result


def same_facts(before: dict | None, after: dict) -> bool:
    """Whether a snapshot would say nothing new (the raw text and the document it came from aside)."""
    if before is None:
        return False
    ignored = ("raw", "document", "summary")
    return {k: v for k, v in before.items() if k not in ignored} == {k: v for k, v in after.items() if k not in ignored}


def changes(before: dict | None, after: dict) -> list[str]:
    """What changed between two snapshots of a flow, in words (the first snapshot: what it holds)."""
    if not after.get("present", True):
        return ["gone from the contracts"]
    if before is None or not before.get("present", True):
        consumers = after.get("consumers") or []
        return [f"first seen: sent by {', '.join(after.get('producers') or ['no one'])}, "
                f"{len(consumers)} consumer{'s' if len(consumers) != 1 else ''}"]  # fmt: skip
    said = []
    was, now = set(before.get("consumers") or []), set(after.get("consumers") or [])
    if now - was:
        said.append("consumers added: " + ", ".join(sorted(now - was)))
    if was - now:
        said.append("consumers removed: " + ", ".join(sorted(was - now)))
    for name, label in (("producers", "sent by"), ("kind", "kind"), ("version", "version"), ("channel", "channel")):
        old, new = before.get(name), after.get(name)
        if old != new:
            said.append(f"{label} {_shown(old)} → {_shown(new)}")
    old_fields = {row["name"]: row.get("type") for row in before.get("fields") or []}
    new_fields = {row["name"]: row.get("type") for row in after.get("fields") or []}
    if added := [name for name in new_fields if name not in old_fields]:
        said.append("fields added: " + ", ".join(added))
    if removed := [name for name in old_fields if name not in new_fields]:
        said.append("fields removed: " + ", ".join(removed))
    for name in old_fields.keys() & new_fields.keys():
        if old_fields[name] != new_fields[name]:
            said.append(f"field {name}: {old_fields[name]} → {new_fields[name]}")
    return said or ["no change in what the app compares"]


def _shown(value) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value or "none")
