"""Markdown to safe HTML: the one place for extensions and the sanitiser allow-list."""

import re
import threading
from collections.abc import Mapping
from html import unescape
from xml.etree import ElementTree  # builds link elements; never parses XML # nosec B405

import markdown
import nh3
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown.inlinepatterns import InlineProcessor
from pymdownx.superfences import fence_code_format

from .images import clean_name

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "div": {"class"},
    "pre": {"class"},
    "span": {"class"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
}
# Relative links pass; absolute ones must use one of these schemes, so
# javascript:, vbscript: and data: URLs are dropped.
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

ADR_REFERENCE = r"\bADR-0*(\d{1,7})\b"


class DecisionLinkProcessor(InlineProcessor):
    """Turn "ADR-12" into a link to decision 12."""

    def handleMatch(self, m: re.Match, data: str):  # noqa: N802 (Python-Markdown's name)
        link = ElementTree.Element("a")
        link.set("href", reverse("decision_detail", args=[int(m.group(1))]))
        link.text = m.group(0)
        return link, m.start(0), m.end(0)


class DecisionLinkExtension(markdown.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        md.inlinePatterns.register(DecisionLinkProcessor(ADR_REFERENCE, md), "decision_link", 165)


_local = threading.local()


def _converter() -> markdown.Markdown:
    """One converter per thread: building one costs more than converting a section."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = _new_converter()
    return converter.reset()


def _new_converter() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            "tables",
            # SuperFences: fenced code nests in list items and block quotes, and ```mermaid fences
            # become <pre class="mermaid"> for static/js/diagrams.js to draw.
            "pymdownx.superfences",
            "sane_lists",
            "codehilite",
            DecisionLinkExtension(),
        ],
        extension_configs={
            "codehilite": {"guess_lang": False, "css_class": "highlight"},
            "pymdownx.superfences": {
                "custom_fences": [{"name": "mermaid", "class": "mermaid", "format": fence_code_format}]
            },
        },
        output_format="html",
    )


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


# Characters XML cannot carry, which character references can smuggle into attributes.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render_markdown(text: str, images: Mapping[str, str] | None = None) -> SafeString:
    """Render user Markdown to HTML that is safe to put in a page or a feed. `images` maps the
    names a decision's Markdown links its images with to the addresses the app serves them at."""
    if not text:
        return SafeString("")
    html = sanitise_html(_converter().convert(text))
    if CONTROL_CHARACTERS.search(html):
        # `href=java&#1;&#2;script:` passes the sanitiser as a harmless relative URL; dropping the
        # control characters (as XML must) would turn it into `javascript:`, so clean it again after.
        html = sanitise_html(CONTROL_CHARACTERS.sub("", html))
    if images:
        html = IMG_SRC.sub(lambda match: _served(match, images), html)
    # Wide tables scroll inside their box (CSS); a keyboard reaches the scroll through focus.
    html = html.replace("<table>", '<table tabindex="0">')
    return mark_safe(html)  # noqa: S308 (sanitised by nh3 above) # nosec B308 B703


IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]*)(")')


def _served(match: re.Match, images: Mapping[str, str]) -> str:
    name = clean_name(unescape(match.group(2)))
    url = images.get(name) if name else None
    return f"{match.group(1)}{escape(url)}{match.group(3)}" if url else match.group(0)
