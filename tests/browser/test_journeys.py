"""The main journeys, driven through Chromium like a person would."""

import re

from playwright.sync_api import Page, expect

from decisions import roles
from tests.factories import AssessedDecisionFactory, FlowFactory


def _pick(page: Page, level: str) -> None:
    page.get_by_role("radio", name=level).check()


def test_file_a_guided_decision_find_it_edit_it_and_trace_it(page: Page, live_server, sign_in, screenshot):
    FlowFactory(name="Order placed")
    AssessedDecisionFactory(title="An accepted event precedent", style="event", visibility=1, growth=3,
                            coordination=3, coupling=3)  # fmt: skip
    sign_in(page)
    page.get_by_role("link", name="New decision").click()
    expect(page).to_have_title("File a decision · Decision Log")
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Title").fill("Publish OrderPlaced")
    page.get_by_label("Flow", exact=True).select_option(label="Order placed")
    _pick(page, "No: the caller can go on and learn the outcome later")
    recommendation = page.get_by_test_id("recommendation")

    _pick(page, "Essential: one place to follow and debug the flow is a must")
    expect(recommendation).to_have_text("Command so far")
    expect(
        page.get_by_role("radio", name="Essential: one place to follow and debug the flow is a must")
    ).to_be_focused()
    page.get_by_label("Reason for flow visibility").fill("Support debugs from one place.")
    _pick(page, "Stable: no other service is expected to react")
    page.get_by_label("Reason for expected growth").fill("Nobody else reacts today.")
    _pick(page, "No: the teams cannot take on more schema, tracing and ownership work")
    page.get_by_label("Reason for coordination cost").fill("No registry yet.")
    _pick(page, "A simple utility the sender may well know about")
    page.get_by_label("Reason for cost of coupling").fill("Billing is close to checkout.")
    expect(recommendation).to_have_text("Command")

    # Flip it: the answers now pull to Event, without a page load.
    _pick(page, "Not needed: each step can be understood on its own")
    _pick(page, "Many: other teams will want to react to this")
    _pick(page, "Yes: they already run this for other flows")
    _pick(page, "A separate domain we do not want to bind to")
    expect(recommendation).to_have_text("Event")
    expect(page.get_by_text("1 of 1 similar decision chose Event")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "guided-form")

    # Go against it: the form insists on a justification.
    _pick(page, "Command: send “do this” to one known receiver")
    expect(page.locator("#logic-hint")).to_contain_text("The sender orchestrates the flow")
    page.get_by_label("Where the logic lives").fill("checkout-api orchestrates billing and shipping.")
    page.get_by_role("textbox", name="Context").fill("Orders need **billing**.")
    expect(page.locator("#preview-context strong")).to_have_text("billing")
    page.get_by_role("button", name="File the decision").click()
    # The error list at the top links to the field, which says the same beside it.
    page.get_by_role("link", name="Justification: You chose command against the recommendation (Event)").click()
    expect(page.get_by_label("Justification")).to_be_in_viewport()
    expect(page.locator("#id_justification_error")).to_contain_text("against the recommendation (Event)")
    page.get_by_label("Justification").fill("Visibility matters more until tracing is in place.")
    page.get_by_role("button", name="File the decision").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Publish OrderPlaced")
    expect(page.get_by_text("went against the recommendation because:")).to_be_visible()
    expect(page.get_by_text("Visibility matters more until tracing is in place.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Cost of coupling"))).to_contain_text("Event")
    screenshot(page, "decision-page", full_page=True)

    page.get_by_role("link", name="Log", exact=True).click()
    page.get_by_role("link", name="Publish OrderPlaced").click()
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Title").fill("Send commands for OrderPlaced")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send commands for OrderPlaced")

    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("row")).to_have_count(3)
    expect(page.locator("del.diff-removed")).to_have_text("Publish OrderPlaced")
    expect(page.locator("ins.diff-added")).to_have_text("Send commands for OrderPlaced")
    screenshot(page, "history")


def test_the_sync_gate_sets_the_factors_aside(page: Page, sign_in):
    sign_in(page)
    page.get_by_role("link", name="New decision").click()
    _pick(page, "Yes: the caller waits for the answer")
    expect(page.get_by_test_id("recommendation")).to_have_text("Sync")
    expect(page.get_by_label("Why the caller cannot wait")).to_be_visible()
    expect(page.get_by_role("group", name="2. If async: the four factors")).to_be_hidden()


def test_a_manager_reads_but_sees_no_controls_to_change(page: Page, live_server, sign_in, screenshot):
    decision = AssessedDecisionFactory(title="Reserve stock with a command")
    sign_in(page, role=roles.VIEWERS, username="mona")
    expect(page.get_by_role("link", name="New decision")).to_have_count(0)
    screenshot(page, "log")
    page.get_by_role("link", name="Reserve stock with a command").click()
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    page.goto(f"{live_server.url}/decisions/{decision.number}/edit/")
    expect(page.get_by_role("heading", name="You can't do that here")).to_be_visible()


def test_quick_answers_are_never_lost_and_the_panel_shows_it_is_working(page: Page, live_server, sign_in):
    sign_in(page)
    page.get_by_role("link", name="New decision").click()
    page.get_by_label("Title").fill("Quick answers")
    _pick(page, "No: the caller can go on and learn the outcome later")
    expect(page.get_by_test_id("recommendation")).to_contain_text("Answer the four factors")
    # Answer every factor one way and then the other, without waiting for the panel in between.
    for level in (
        "Essential: one place to follow and debug the flow is a must",
        "Stable: no other service is expected to react",
        "No: the teams cannot take on more schema, tracing and ownership work",
        "A simple utility the sender may well know about",
    ):
        _pick(page, level)
    page.get_by_role("radio", name=re.compile(r"^Not needed")).check()
    page.get_by_role("radio", name=re.compile(r"^Many")).check()
    page.get_by_role("radio", name=re.compile(r"^Yes: they already run this")).check()
    page.get_by_role("radio", name=re.compile(r"^A separate domain")).check()
    expect(page.get_by_test_id("recommendation")).to_have_text("Event")  # the last answers won
    expect(page.locator("#assessment-panels")).not_to_have_attribute("aria-busy", "true")
