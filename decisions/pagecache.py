"""Pages kept whole in the shared cache while nothing they show has changed.

The log (a search is a log URL too) and the flow map show the same thing to everyone of a
role for a URL, until a decision, comment, flow, service or team changes. Their rendered
content is kept under a key made of the page's parameters and a *version* of the data:
every write through the workflow's door moves the version on commit, so no kept page
outlives a change. DECISION_LOG_CACHE_SECONDS bounds how long any one is kept (0: never).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

VERSION_KEY = "decisions:log-version"
T = TypeVar("T")


def version() -> str:
    current = cache.get(VERSION_KEY)
    if current is None:
        current = secrets.token_hex(8)
        cache.add(VERSION_KEY, current, None)
        current = cache.get(VERSION_KEY, current)
    return current


def forget() -> None:
    """Every kept page is out of date (called when a write commits)."""
    if settings.DECISION_LOG_CACHE_SECONDS:
        cache.set(VERSION_KEY, secrets.token_hex(8), None)


def key(name: str, *parts: object) -> str | None:
    """The key of a page for these parts (parameters, who may see what), None when caching is off."""
    if not settings.DECISION_LOG_CACHE_SECONDS:
        return None
    digest = hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"decisions:page:{name}:{version()}:{digest}"


def kept(page_key: str | None, build: Callable[[], T]) -> T:
    """The page kept under `page_key`, else `build()`'s, kept for next time (built every time when off)."""
    value = cache.get(page_key) if page_key else None
    if value is None:
        value = build()
        if page_key:
            cache.set(page_key, value, settings.DECISION_LOG_CACHE_SECONDS)
    return value
