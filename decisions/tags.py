"""Tags: stored lower-case, comma separated, each from a small alphabet so they filter cleanly."""

import re

TAG_MAX = 40
TAG_PATTERN = re.compile(rf"^[a-z0-9][a-z0-9 ._/+-]{{0,{TAG_MAX - 1}}}$")


def split_tags(raw: list[str]) -> tuple[str, list[str]]:
    """The stored form ("a,b") of these tags, and the ones that break the pattern (left out)."""
    tags: list[str] = []
    rejected: list[str] = []
    for item in raw:
        tag = " ".join(str(item).split()).lower()
        if not tag or tag in tags:
            continue
        if TAG_PATTERN.match(tag):
            tags.append(tag)
        else:
            rejected.append(tag)
    return ",".join(tags), rejected
