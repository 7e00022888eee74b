"""A sample of the hostile-string list rendered in Chromium: no script runs, no dialog opens."""

import json
from pathlib import Path

from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from decisions import search
from decisions.models import Comment
from tests.factories import AssessedDecisionFactory
from tests.html_safety import script_risks

STRINGS = json.loads((Path(__file__).parents[1] / "data" / "xss" / "blns.json").read_text())
# The strings that would run if pasted into a page unescaped, plus ones that set a flag instead of alerting.
SAMPLE = [text for text in STRINGS if script_risks(text)] + [
    "<img src=x onerror=window.__xss=1>",
    '<a href="javascript:window.__xss=1" id="bait">bait</a>',
    "[bait](javascript:window.__xss=1)",
]


def test_hostile_strings_render_as_text_in_a_real_browser(page: Page, live_server, sign_in):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page)
    decision = AssessedDecisionFactory(
        title=SAMPLE[0][:150], context="\n\n".join(SAMPLE), justification="\n\n".join(SAMPLE[:40]),
        status="proposed",
    )  # fmt: skip
    author = User.objects.get(username="ada")
    for text in SAMPLE[:40]:
        Comment.objects.create(decision=decision, author=author, body=text)
    search.index_decisions([decision.pk])

    page.goto(f"{live_server.url}{decision.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text(SAMPLE[0][:150].strip())
    links = page.get_by_role("link", name="bait")
    for index in range(links.count()):
        links.nth(index).click(no_wait_after=True)
    assert page.evaluate("window.__xss") is None
    for query in ("script", "alert", "img"):
        page.goto(f"{live_server.url}/?q={query}")
        expect(page.get_by_role("region", name="Decisions")).to_be_visible()
        assert page.evaluate("window.__xss") is None
    assert dialogs == []
