"""The Content-Security-Policy holds while htmx does its work."""

from playwright.sync_api import Page

from tests.factories import DecisionFactory


def test_htmx_runs_under_the_policy_without_violations(page: Page, sign_in):
    violations = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security" in message.text else None)
    sign_in(page)
    page.get_by_role("link", name="New decision").click()
    page.get_by_role("radio", name="Yes: the caller waits for the answer").check()
    page.get_by_test_id("recommendation").get_by_text("Sync").wait_for()
    page.get_by_role("textbox", name="Context").fill("**bold**")
    page.locator("#preview-context strong").wait_for()
    assert violations == []


def test_the_api_docs_work_under_the_policy(page: Page, live_server, sign_in):
    violations = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security" in message.text else None)
    sign_in(page)
    page.get_by_role("link", name="API", exact=True).click()
    page.get_by_role("button", name="Create token").wait_for()
    page.get_by_role("link", name="Decision Log API").click()
    page.get_by_role("heading", name="Decision Log API").wait_for()
    page.get_by_text("/api/decisions/{number}/transitions").first.wait_for()
    assert violations == []


def test_a_mermaid_diagram_is_drawn_under_the_policy(page: Page, live_server, sign_in):
    violations = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security" in message.text else None)
    page.on("pageerror", lambda error: violations.append(str(error)))
    sign_in(page)
    decision = DecisionFactory(
        context="How orders reach billing:\n\n```mermaid\ngraph LR\n  Orders-->|OrderPlaced|Billing\n```"
    )
    page.goto(f"{live_server.url}/decisions/{decision.number}/")
    diagram = page.get_by_role("img").filter(has=page.locator("text=Billing")).first
    diagram.wait_for()
    assert page.locator("figure.diagram svg").count() == 1
    assert not page.locator("pre.mermaid").first.is_visible()
    assert violations == []
