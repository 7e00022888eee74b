"""Images a decision shows (its attachments): which files are images, told by their bytes.

Plain Python, no Django. An image is kept only when its content is one of the kinds below,
whatever its name says; SVG is kept as a file served as an image (never put inline in a page),
so the script an SVG may carry never runs in the app's pages.
"""

from __future__ import annotations

import posixpath
import re
import urllib.parse

MAX_IMAGE_BYTES = 5_000_000
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")
# ![alt](path "title") and <img src="path">, as ADR files link their images.
IMAGE_LINK = re.compile(
    r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)|<img\b[^>]*\bsrc=[\"']([^\"']+)[\"']", re.IGNORECASE
)


class NotAnImage(Exception):
    """The file cannot be kept as an image; the message says why in plain words."""


def is_image_name(path: str) -> bool:
    return path.lower().endswith(IMAGE_SUFFIXES)


def content_type(data: bytes) -> str | None:
    """The image type the bytes are, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    head = re.sub(rb"^(?:<\?xml[^>]*>|<!--.*?-->|<!DOCTYPE[^>]*>|\s)*", b"", head, flags=re.S)
    if head.startswith(b"<svg") and b"</svg>" in data[-4096:]:
        return "image/svg+xml"
    return None


def check(name: str, data: bytes) -> str:
    """The content type to serve `data` as, or NotAnImage saying why not."""
    if len(data) > MAX_IMAGE_BYTES:
        raise NotAnImage(f"{name} is larger than {MAX_IMAGE_BYTES // 1_000_000} MB")
    if not data:
        raise NotAnImage(f"{name} is empty")
    kind = content_type(data)
    if kind is None:
        raise NotAnImage(f"{name} is not a PNG, JPEG, GIF, WebP or SVG image (its content says so, whatever its name)")
    return kind


def clean_name(target: str) -> str | None:
    """The name an image link points at, relative to the decision's file ("./images/a.png" is
    "images/a.png"), or None for links the app does not keep (other sites, data: URLs, not images)."""
    target = urllib.parse.unquote(target.split("#")[0].split("?")[0]).strip()
    if not target or re.match(r"^[a-z][a-z0-9+.-]*:|^/", target, re.I) or "\\" in target:
        return None
    name = posixpath.normpath(target)
    return name if is_image_name(name) and len(name) <= 300 else None


def linked(text: str) -> list[str]:
    """The image links in Markdown text, as written."""
    return [match.group(1) or match.group(2) for match in IMAGE_LINK.finditer(text or "")]
