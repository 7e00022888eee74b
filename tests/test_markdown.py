import re

import pytest

from decisions.feeds import xml_text
from decisions.markdown import render_markdown
from tests.factories import DecisionFactory
from tests.html_safety import script_risks

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    '<iframe src="https://evil.example"></iframe>',
    '<form action="https://evil.example"><input name=a></form>',
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<svg onload="alert(1)"></svg>',
    "<details open ontoggle=alert(1)>",
    '<a href="&#106;avascript:alert(1)">x</a>',
    "```\n</code><script>alert(1)</script>\n```",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<object data="x.swf"></object><embed src="x.swf">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
]

DANGEROUS = re.compile(
    r"<\s*(script|iframe|form|style|object|embed|svg|math|meta|input)\b|\son\w+\s*=|(javascript|vbscript|data):",
    re.IGNORECASE,
)


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_markdown_is_neutralised(payload):
    html = render_markdown(payload)
    assert not DANGEROUS.search(html), html


def test_tables_fenced_code_and_highlighting_render():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\ndef f():\n    return 1\n```")
    assert '<table tabindex="0">' in html
    assert '<div class="highlight">' in html
    assert '<span class="k">def</span>' in html


def test_decision_references_become_links():
    html = render_markdown("See ADR-12 and ADR-0003, not XADR-1.")
    assert '<a href="/decisions/12/"' in html
    assert '<a href="/decisions/3/"' in html
    assert "XADR-1" in html and "/decisions/1/" not in html


def test_ordinary_links_are_kept_and_marked_nofollow():
    html = render_markdown("[docs](https://example.org/x) and [local](/flows/)")
    assert 'href="https://example.org/x"' in html
    assert 'href="/flows/"' in html
    assert "nofollow" in html


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""


def test_control_characters_smuggled_by_references_cannot_form_a_script_url():
    """The sanitiser lets `java&#1;…script:` through as a relative URL; the app drops control
    characters (XML cannot carry them), which must not turn it into `javascript:`."""
    html = str(render_markdown("<a href=java&#1&#2&#3&#4&#5&#6&#7&#8&#11&#12script:javascript:alert(1)>XXX</a>"))
    assert "javascript" not in html and "\x01" not in html
    assert script_risks(xml_text(html)) == []


def test_code_blocks_nest_in_list_items():
    html = render_markdown("1. Run:\n\n    ```shell\n    make test\n    ```\n\n2. Then ship.")
    assert re.search(r"<li>\s*<p>Run:</p>\s*<div class=\"highlight\"><pre>", html), html
    assert "<code>`" not in html


def test_a_mermaid_fence_is_a_diagram_block_that_reads_as_code_without_javascript():
    html = render_markdown("```mermaid\ngraph LR\n  Orders-->Billing\n```")
    assert html == '<pre class="mermaid"><code>graph LR\n  Orders--&gt;Billing</code></pre>'


def test_only_pages_with_a_diagram_let_inline_styles_in(client, architect):
    plain = DecisionFactory(author=architect, context="No diagram.")
    drawn = DecisionFactory(author=architect, context="```mermaid\ngraph LR\n  A-->B\n```")
    client.force_login(architect)
    policies = {d.number: client.get(f"/decisions/{d.number}/").headers["Content-Security-Policy"]
                for d in (plain, drawn)}  # fmt: skip
    assert "style-src 'self';" in policies[plain.number]
    assert "style-src 'self' 'unsafe-inline';" in policies[drawn.number]
    assert "script-src 'self';" in policies[drawn.number]
