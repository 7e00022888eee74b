"""Searching the log like a person: typing, filtering, and the back button."""

from playwright.sync_api import Page, expect

from decisions import roles, search
from tests.factories import AssessedDecisionFactory, DecisionFactory


def test_live_search_filters_and_back_button(page: Page, live_server, sign_in, screenshot):
    made = [
        AssessedDecisionFactory(title="Publish OrderPlaced", style="event", justification="x", context="Kafka topic"),
        AssessedDecisionFactory(title="Command the ledger", style="command", context="Kafka is not needed"),
        DecisionFactory(title="Unrelated housekeeping", context="Nothing to see"),
    ]
    search.index_decisions([d.pk for d in made])
    sign_in(page, role=roles.VIEWERS, username="mona")
    page.evaluate("window.notReloaded = true")
    results = page.locator("#decision-results")

    page.get_by_role("searchbox", name="Search").fill("kafka")
    expect(results).to_contain_text("2 decisions match")
    expect(results).not_to_contain_text("Unrelated housekeeping")
    expect(page).to_have_url(f"{live_server.url}/?q=kafka")
    assert page.evaluate("window.notReloaded") is True
    expect(page.get_by_role("searchbox", name="Search")).to_be_focused()

    page.get_by_role("checkbox", name="Event").check()
    expect(results).to_contain_text("1 decision match")
    expect(results).not_to_contain_text("Command the ledger")
    expect(page).to_have_url(f"{live_server.url}/?q=kafka&style=event")
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "search")

    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/?q=kafka")
    expect(results).to_contain_text("2 decisions match")
    expect(results).to_contain_text("Command the ledger")
    expect(page.get_by_role("checkbox", name="Event")).not_to_be_checked()
    expect(page.get_by_role("searchbox", name="Search")).to_have_value("kafka")

    page.get_by_role("searchbox", name="Search").fill("nothing-like-this")
    expect(results).to_contain_text("No decision matches")
