"""Find what could run script in a page: real tags and attributes, not escaped text."""

from html.parser import HTMLParser

# The app draws its own SVG charts; handlers and script inside any tag are caught below.
FORBIDDEN_TAGS = {"iframe", "frame", "style", "object", "embed", "meta", "base", "link", "foreignobject"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "background"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        # A JSON data block (Django's json_script) never runs; text that broke out of one would
        # open a <script> of its own, which this still finds.
        data_block = values.get("type") == "application/json" and not values.get("src")
        if tag == "script" and not data_block and not (values.get("src") or "").startswith("/static/"):
            self.problems.append(f"<script> without a /static/ source: {values}")
        elif tag == "form" and (values.get("action") or "/").startswith("//"):
            self.problems.append(f"<form> posting elsewhere: {values}")
        elif tag in FORBIDDEN_TAGS and not _is_own_head_tag(tag, values):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in URL_ATTRIBUTES and value and _url_as_browsers_read_it(value).startswith(BAD_SCHEMES):
                self.problems.append(f"<{tag} {name}={value!r}>")


def _url_as_browsers_read_it(value: str) -> str:
    """The WHATWG URL parser drops leading and trailing controls and spaces, and every tab and
    newline inside, so `jav&#x09;ascript:` runs; inner spaces stay and make it a relative URL."""
    trimmed = value.strip("".join(chr(code) for code in range(0x21)))
    return "".join(char for char in trimmed if char not in "\t\n\r").lower()


def _is_own_head_tag(tag: str, values: dict) -> bool:
    if tag == "meta":
        return bool(values.get("charset")) or values.get("name") in ("viewport", "htmx-config")
    return tag == "link" and values.get("rel") in ("stylesheet", "icon") and values["href"].startswith("/static/")


def script_risks(html: str) -> list[str]:
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.problems
