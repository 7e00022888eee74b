"""Contract files read safely: YAML or JSON with bounds, and `$ref`s followed without the network.

A document may be hostile or just huge, so everything here is bounded: bytes per file, nesting
depth, YAML aliases, and the number of values a document grows to once its references are
followed (a reference bomb grows like a billion-laughs file). References are followed inside
the document (`#/a/b`) and into the other files of the same import (`../common/x.yaml#/y`);
one that points at the web or at a file the import does not hold stays a reference, and one that loops is cut,
each with a note.
"""

from __future__ import annotations

import datetime
import json
import posixpath
from dataclasses import dataclass, field
from urllib.parse import unquote

import yaml

MAX_FILE_BYTES = 5_000_000
MAX_DEPTH = 64
MAX_ALIASES = 100
MAX_NODES = 200_000  # values in one document after its references are followed


class Unreadable(Exception):
    """A contract file that cannot be read; the message says why in plain words."""


class _Loader(yaml.SafeLoader):
    """The safe loader, counting aliases and depth as it composes, and keeping dates as text."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.aliases = 0
        self.depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise Unreadable(f"it uses more than {MAX_ALIASES} YAML aliases")
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise Unreadable(f"it nests deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _as_text(loader, node):
    return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _as_text)


def load(name: str, data: bytes):
    """The value a YAML or JSON file holds (JSON is YAML, but the JSON parser is faster)."""
    if len(data) > MAX_FILE_BYTES:
        raise Unreadable(f"it is larger than {MAX_FILE_BYTES // 1_000_000} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable("it is not UTF-8 text") from None
    try:
        is_json = name.lower().endswith(".json")
        value = json.loads(text) if is_json else yaml.load(text, Loader=_Loader)  # noqa: S506  # nosec B506
    except RecursionError:
        raise Unreadable(f"it nests deeper than {MAX_DEPTH} levels") from None
    except (ValueError, yaml.YAMLError) as error:
        raise Unreadable(f"it is not valid {'JSON' if name.lower().endswith('.json') else 'YAML'}: "
                         f"{_first_line(error)}") from None  # fmt: skip
    return _plain(value, 0)


def clean_text(value: str) -> str:
    """Text without NUL or lone surrogates, which no database keeps."""
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _first_line(error: Exception) -> str:
    return " ".join(str(error).split())[:200]


def _plain(value, depth: int):
    """JSON's kinds of value only: text keys, dates as text, no shared objects; depth-bounded. Text
    loses NUL and lone surrogates (JSON can escape both), which no database keeps."""
    if depth > MAX_DEPTH:
        raise Unreadable(f"it nests deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        return {clean_text(str(key)): _plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item, depth + 1) for item in value]
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN is no JSON
        return None
    return value


@dataclass
class Resolver:
    """Follows `$ref`s in documents loaded from `files` (path → loaded value)."""

    files: dict[str, object]
    notes: list[str] = field(default_factory=list)
    nodes: int = 0
    document: str = ""

    bundling: bool = False

    def resolve(self, path: str, value=None):
        """`value` (by default the whole document at `path`) with its references replaced by what they point at."""
        self.nodes, self.bundling = 0, False
        return self._walk(self.files[path] if value is None else value, path, self.files[path], (), 0)

    def bundle(self, path: str):
        """The document at `path` with what it refers to in other files (or on the web) brought in, and
        its references to its own parts kept: the document as AsyncAPI's tools validate it."""
        self.nodes, self.bundling, self.document = 0, True, path
        return self._walk(self.files[path], path, self.files[path], (), 0)

    def _walk(self, value, path: str, root, seen: tuple[str, ...], depth: int):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise Unreadable(f"it grows past {MAX_NODES:,} values once its references are followed")
        if depth > MAX_DEPTH * 2:
            raise Unreadable("its references nest too deep")
        if isinstance(value, list):
            return [self._walk(item, path, root, seen, depth + 1) for item in value]
        if not isinstance(value, dict):
            return value
        ref = value.get("$ref")
        if isinstance(ref, str) and not (self.bundling and ref.startswith("#") and path == self.document):
            return self._follow(ref, path, root, seen, depth)
        return {key: self._walk(item, path, root, seen, depth + 1) for key, item in value.items()}

    def _follow(self, ref: str, path: str, root, seen: tuple[str, ...], depth: int):
        target_path, _, pointer = ref.partition("#")
        if "://" in target_path or target_path.startswith("//"):
            self._note(f"{ref} is on the web and was not fetched")
            return {"$ref": ref}
        if target_path:
            target_path = posixpath.normpath(posixpath.join(posixpath.dirname(path), target_path))
            if target_path not in self.files:
                self._note(f"{ref} (from {path}) names a file this import does not hold; it stays a reference")
                return {"$ref": ref}
            target_root = self.files[target_path]
        else:
            target_path, target_root = path, root
        key = f"{target_path}#{pointer}"
        if key in seen:
            self._note(f"{ref} refers back to itself; the loop is cut there")
            return {}
        try:
            target = point(target_root, pointer)
        except LookupError:
            self._note(f"{ref} (from {path}) points at nothing; it is read as empty")
            return {}
        return self._walk(target, target_path, target_root, (*seen, key), depth + 1)

    def _note(self, note: str) -> None:
        if note not in self.notes and len(self.notes) < 50:
            self.notes.append(note)


def point(root, pointer: str):
    """The value a JSON pointer (`/a/b~1c/0`) names inside `root`; LookupError if none."""
    value = root
    for part in [unquote(p).replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise LookupError(pointer)
    return value
