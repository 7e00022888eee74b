"""AsyncAPI 2.x and 3.0 documents: checked against the official JSON Schemas, then read as facts.

A document is judged as AsyncAPI's own parser judges it: references followed first, then
validated, so every document the AsyncAPI tools accept is accepted here. 2.0–2.5 documents
are checked against the 2.6.0 schema (each 2.x release only adds to the one before).

Who sends what: the document describes one application, named by `info.title`. In 3.0 its
`send` operations produce messages and `receive` operations consume them (a reply is sent by
the side that receives the request). In 2.x the verbs are the client's: `subscribe` means the
application sends, `publish` means it receives. A message's kind comes from an `x-kind`
(or `x-message-kind`, `x-message-type`, `x-eventcatalog-message-type`) property: command,
event or query; otherwise it is unknown, never guessed from its name. A message is known
across documents by its name (or key) and its channel's address, so the documents of several
services that share `comment/liked` describe one flow.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from .documents import Resolver, Unreadable, point
from .facts import UNKNOWN, DocumentCounts, Message, Reading, avro_fields, json_schema_fields, kind_of

SCHEMAS = Path(__file__).with_name("schemas")
KIND_KEYS = ("x-kind", "x-message-kind", "x-message-type", "x-eventcatalog-message-type")
MAX_ERRORS = 5
RAW_LIMIT = 20_000


def is_asyncapi(value) -> bool:
    return isinstance(value, dict) and "asyncapi" in value


def spec_version(value: dict) -> str:
    return str(value.get("asyncapi", "")).strip()


@functools.cache
def _validator(version: str) -> Draft7Validator:
    schema = json.loads((SCHEMAS / f"{version}.json").read_text())
    resources = [(schema["$id"], Resource.from_contents(schema, default_specification=DRAFT7))]
    for definition in schema.get("definitions", {}).values():
        if isinstance(definition, dict) and "$id" in definition:
            resources.append((definition["$id"], Resource.from_contents(definition, default_specification=DRAFT7)))
    return Draft7Validator(schema, registry=Registry().with_resources(resources))


def check(document: dict) -> tuple[str, list[str]]:
    """The schema a document is checked against, and what is wrong with it in plain words (none: valid)."""
    version = spec_version(document)
    if re.fullmatch(r"3\.0\.\d+", version):
        schema, copy = "3.0.0", dict(document, asyncapi="3.0.0")
    elif re.fullmatch(r"2\.[0-6]\.\d+", version):
        schema, copy = "2.6.0", dict(document, asyncapi="2.6.0")
    else:
        return "", [f"AsyncAPI {version or '(no version)'} is not a version this app reads: 2.0 to 2.6, or 3.0."]
    errors = sorted(
        (e for e in _validator(schema).iter_errors(copy) if not _unfetched(e)), key=lambda e: list(e.absolute_path)
    )
    return schema, [_plain(best_match([error]) if not error.context else _deepest(error)) for error in errors][
        :MAX_ERRORS
    ]


def _unfetched(error: ValidationError) -> bool:
    """An error that only a reference to the web explains: one the schema cannot tell from a schema
    (it fits both branches of a oneOf), alone or as all that fails in one branch of a oneOf/anyOf.
    AsyncAPI's tools fetch it and see a schema; offline, it is taken as the reference it is."""
    instance = error.instance
    if error.validator == "oneOf" and "is valid under each of" in error.message:
        return isinstance(instance, dict) and set(instance) == {"$ref"} and "://" in str(instance["$ref"])
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[int, list[ValidationError]] = {}
        for inner in error.context:
            branches.setdefault(inner.relative_schema_path[0], []).append(inner)
        return any(all(_unfetched(inner) for inner in errors) for errors in branches.values())
    return False


def _deepest(error: ValidationError) -> ValidationError:
    """Of a oneOf/anyOf failure, the branch that came closest, as the AsyncAPI tools report it."""
    while error.context:
        error = best_match(error.context)
    return error


def _plain(error: ValidationError) -> str:
    where = "/".join(str(part) for part in error.absolute_path) or "the top level"
    if error.validator == "required":
        missing = re.match(r"'(.+)' is a required property", error.message)
        return f"At {where}: “{missing.group(1) if missing else error.message}” is missing."
    if error.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)'", error.message.split(" were unexpected")[0].split(" was unexpected")[0])
        return f"At {where}: {', '.join(f'“{e}”' for e in extra) or 'a field'} is not something AsyncAPI allows here."
    if error.validator == "type":
        return f"At {where}: this should be {_article(error.validator_value)}."
    if error.validator in ("enum", "const"):
        allowed = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return f"At {where}: this should be {' or '.join(repr(a) for a in allowed[:6])}."
    if error.validator == "pattern":
        return f"At {where}: “{str(error.instance)[:60]}” is not in the form AsyncAPI expects."
    if error.validator == "format":
        return f"At {where}: this should be a valid {error.validator_value}."
    return f"At {where}: {error.message[:200]}"


def _article(kind) -> str:
    kinds = kind if isinstance(kind, list) else [kind]
    words = {
        "object": "an object (a mapping of names to values)", "array": "a list", "string": "text",
        "integer": "a whole number", "number": "a number", "boolean": "true or false", "null": "empty",
    }  # fmt: skip
    return " or ".join(words.get(k, str(k)) for k in kinds)


# --- reading ------------------------------------------------------------------------------


def read(path: str, files: dict[str, object], reading: Reading) -> None:
    """Check the AsyncAPI document at `path` (loaded into `files` with the files it refers to) and
    add its facts to `reading`; a document that does not validate is refused, its reasons kept."""
    raw = files[path]
    resolver = Resolver(files)
    try:
        bundled = resolver.bundle(path)
        resolved = resolver.resolve(path)
    except Unreadable as reason:
        reading.refused.append((path, [f"The document cannot be read: {reason}."]))
        return
    schema, errors = check(bundled)
    if errors:
        reading.refused.append((path, errors))
        return
    counts = DocumentCounts(path, f"AsyncAPI {spec_version(raw)}", title=str(resolved["info"].get("title", "")))
    if schema == "2.6.0" and spec_version(raw) != "2.6.0":
        counts.notes.append(f"checked against the 2.6.0 schema, the newest 2.x release (it says {spec_version(raw)})")
    counts.servers = _servers(resolved)
    service = reading.service(counts.title or path)
    service.team = service.team or str(resolved["info"].get("x-team", "") or "")
    service.summary = service.summary or str(resolved["info"].get("description", "") or "")[:500]
    version = str(resolved["info"].get("version", ""))
    components = (resolved.get("components") or {}).get("messages") or {}
    document = _Document(path, raw, resolver, reading, version)
    (_read_v3 if schema == "3.0.0" else _read_v2)(document, service, counts)
    counts.counts |= {"messages defined": len(components), "messages used": len(document.used)}
    counts.notes += resolver.notes
    reading.documents.append(counts)


@dataclass
class _Document:
    path: str
    raw: dict
    resolver: Resolver
    reading: Reading
    version: str
    used: set[str] = field(default_factory=set)  # the definitions of the messages its operations carry

    def message(self, definition, fallback: str, channel: str, *, sent: bool) -> str:
        """Add one message an operation carries to the reading (`sent` by the document's service); its key."""
        message = _message(self.path, self.resolver, definition, fallback, channel, self.version)
        self.used.add(message.raw)
        return self.reading.message(message, sender=sent).key


def _servers(document: dict) -> dict[str, str]:
    servers = document.get("servers") or {}
    return {
        name: " ".join(
            part
            for part in (
                str(s.get("protocol", "")),
                str(s.get("protocolVersion", "")),
                str(s.get("host") or s.get("url") or ""),
            )
            if part
        )  # fmt: skip
        for name, s in servers.items()
        if isinstance(s, dict)
    }


def _read_v3(document: _Document, service, counts: DocumentCounts) -> None:
    raw = document.raw
    operations = raw.get("operations") or {}
    counts.counts = {"channels": len(raw.get("channels") or {}), "operations": len(operations), "send": 0, "receive": 0}
    for operation in operations.values():
        operation = _deref_local(raw, operation)
        action = operation.get("action")
        if action in ("send", "receive"):
            counts.counts[action] += 1
        sends = action == "send"
        (service.sends if sends else service.receives).update(_v3_messages(document, operation, sent=sends))
        reply = _deref_local(raw, operation.get("reply") or {})
        if reply:  # the side that receives a request sends the reply
            (service.receives if sends else service.sends).update(_v3_messages(document, reply, sent=not sends))


def _v3_messages(document: _Document, operation: dict, *, sent: bool) -> set[str]:
    """The keys of the messages an operation (or a reply) carries: those it lists, else all its channel's."""
    raw = document.raw
    pointer = operation.get("channel") if isinstance(operation.get("channel"), dict) else {}
    channel_ref = str(pointer.get("$ref", ""))
    channel = _deref_local(raw, pointer)
    address = str(channel.get("address") or (_last(channel_ref) if channel_ref.startswith("#/channels/") else ""))
    listed = operation.get("messages")
    if isinstance(listed, list) and listed:
        refs = [item.get("$ref", "") for item in listed if isinstance(item, dict)]
        entries = [(_last(ref), _deref_local(raw, {"$ref": ref})) for ref in refs if ref]
    else:
        entries = list((channel.get("messages") or {}).items())
    return {document.message(definition, key, address, sent=sent) for key, definition in entries}


def _read_v2(document: _Document, service, counts: DocumentCounts) -> None:
    channels = document.raw.get("channels") or {}
    counts.counts = {"channels": len(channels), "operations": 0, "publish": 0, "subscribe": 0}
    for address, channel in channels.items():
        channel = _deref_local(document.raw, channel)
        for verb in ("publish", "subscribe"):
            operation = channel.get(verb)
            if not isinstance(operation, dict):
                continue
            counts.counts["operations"] += 1
            counts.counts[verb] += 1
            message = operation.get("message") or {}
            options = message.get("oneOf") if isinstance(message.get("oneOf"), list) else [message]
            keys = set()
            for option in options:
                ref = option.get("$ref", "") if isinstance(option, dict) else ""
                fallback = _last(ref) if ref else str(operation.get("operationId") or address)
                # The verbs are the client's: a channel the client may publish to is one the application receives.
                keys.add(
                    document.message(_deref_local(document.raw, option), fallback, address, sent=verb == "subscribe")
                )
            (service.receives if verb == "publish" else service.sends).update(keys)


def _message(path, resolver: Resolver, definition, fallback: str, channel: str, version: str) -> Message:
    resolved = resolver.resolve(path, definition) if isinstance(definition, dict) else {}
    name = str(resolved.get("name") or resolved.get("messageId") or fallback)
    kind = next((kind_of(resolved[k]) for k in KIND_KEYS if k in resolved), UNKNOWN)
    payload = resolved.get("payload")
    schema_format = str(resolved.get("schemaFormat") or "")
    if isinstance(payload, dict) and "schemaFormat" in payload and "schema" in payload:  # 3.0's multi-format schema
        schema_format, payload = str(payload["schemaFormat"]), payload["schema"]
    return Message(
        key=f"{name} on {channel}",  # the same message name on another channel is another flow
        name=str(resolved.get("title") or name),
        definition=name,
        kind=kind,
        version=str(resolved.get("x-version") or version),
        channel=channel,
        summary=str(resolved.get("summary") or resolved.get("description") or "")[:500],
        fields=payload_fields(payload, schema_format),
        schema_format=schema_format,
        raw=yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True)[:RAW_LIMIT],
        document=path,
    )


def payload_fields(payload, schema_format: str) -> list[dict]:
    if "avro" in schema_format.lower():
        return avro_fields(payload)
    if not schema_format or any(w in schema_format.lower() for w in ("asyncapi", "schema+json", "openapi", "yaml")):
        return json_schema_fields(payload)
    return []


def _deref_local(raw, value):
    """A value, or what its local reference (`#/...`) points at; other references stay as they are."""
    seen = 0
    while isinstance(value, dict) and isinstance(value.get("$ref"), str) and value["$ref"].startswith("#"):
        seen += 1
        try:
            value = point(raw, value["$ref"][1:])
        except LookupError:
            return {}
        if seen > 20:
            return {}
    return value if isinstance(value, dict) else {}


def _last(ref: str) -> str:
    return ref.rstrip("/").rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
