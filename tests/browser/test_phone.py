"""At 390 px, as on a phone: no page scrolls sideways, and the navigation leaves the screen to the page."""

import pytest
from playwright.sync_api import Page

from decisions import roles, workflow
from tests.factories import AssessedDecisionFactory, UserFactory

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def decision(db):
    author = UserFactory(username="ada", role=roles.ARCHITECTS)
    decision = AssessedDecisionFactory(status="draft", author=author, title="Publish OrderPlaced as an event " * 3)
    workflow.decision_edit(decision=decision, by=decision.author, changes={"context": "A longer context. " * 40})
    return decision


def _sideways(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_pages_fit_a_phone(page: Page, live_server, sign_in, decision):
    page.set_viewport_size(PHONE)
    sign_in(page, username="pat")
    for path in ("/", decision.get_absolute_url(), f"{decision.get_absolute_url()}history/", "/overview/",
                 "/flows/", "/decisions/new/"):  # fmt: skip
        page.goto(f"{live_server.url}{path}")
        assert _sideways(page) <= 0, path
        header = page.locator(".site-header").bounding_box()
        assert header["height"] < 120, (path, header["height"])


def test_the_navigation_is_one_row_at_1280(page: Page, live_server, sign_in):
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, username="ada")  # an architect sees the most links
    page.goto(f"{live_server.url}/")
    links = page.locator(".site-header a, .site-header button")
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert max(tops) - min(tops) < 20, tops
    assert page.evaluate("document.querySelector('.nav').scrollWidth <= document.querySelector('.nav').clientWidth")


def test_the_log_s_filters_are_reachable_before_its_results_on_a_phone(page: Page, live_server, sign_in, decision):
    page.set_viewport_size(PHONE)
    sign_in(page, username="pat")
    jump = page.get_by_role("link", name="Filter by style, status, team and more")
    results = page.get_by_role("region", name="Decisions")
    assert jump.bounding_box()["y"] < results.bounding_box()["y"]
    jump.click()
    assert page.get_by_role("group", name="Style").is_visible()
