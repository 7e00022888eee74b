"""One reader for every contract import: files in (path, bytes), one `Reading` out.

The files may be AsyncAPI documents with the fragments they refer to, an EventCatalog
catalog (its `.mdx` front matter and message schemas), or both. YAML and JSON files without
an `asyncapi` key are fragments, read only where a document refers to them.
"""

from __future__ import annotations

from collections.abc import Callable

from . import asyncapi, eventcatalog
from .documents import Unreadable, clean_text, load
from .facts import Reading

MAX_FILES = 2_000
MAX_TOTAL_BYTES = 20_000_000
DATA_SUFFIXES = (".yaml", ".yml", ".json")
CONTRACT_SUFFIXES = (*DATA_SUFFIXES, ".mdx", ".md", ".avsc", ".avro")


class NothingToRead(Exception):
    """The files hold no contract this app reads; the message says what was looked for."""


def is_contract_file(path: str) -> bool:
    return path.lower().endswith(CONTRACT_SUFFIXES)


def read(files: list[tuple[str, bytes]], advance: Callable[[int], None] | None = None) -> Reading:
    if len(files) > MAX_FILES:
        raise NothingToRead(f"The import holds {len(files):,} files; the limit is {MAX_FILES:,}.")
    if sum(len(data) for _, data in files) > MAX_TOTAL_BYTES:
        raise NothingToRead(f"The files come to more than {MAX_TOTAL_BYTES // 1_000_000} MB.")
    files = [(clean_text(path)[:500], data) for path, data in files]
    reading = Reading()
    if eventcatalog.is_catalog(files):
        eventcatalog.read(files, reading)
        if advance:
            advance(len(files))
        return reading
    loaded: dict[str, object] = {}
    for path, data in files:
        if path.lower().endswith(DATA_SUFFIXES):
            try:
                loaded[path] = load(path, data)
            except Unreadable as reason:
                reading.refused.append((path, [f"The file cannot be read: {reason}."]))
    documents = [path for path, value in loaded.items() if asyncapi.is_asyncapi(value)]
    if not documents and not reading.refused:
        raise NothingToRead(
            "No AsyncAPI document (a YAML or JSON file with an “asyncapi” version) and no EventCatalog "
            "catalog (folders of index.mdx under services/, events/, commands/…) was found."
        )
    for path in sorted(documents):
        asyncapi.read(path, loaded, reading)
        if advance:
            advance(1)
    return reading
