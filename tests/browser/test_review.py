"""A whole review, with each person in their own browser."""

import re

from playwright.sync_api import Browser, Page, expect

from decisions import roles
from tests.factories import AssessedDecisionFactory, UserFactory


def _person(browser: Browser, sign_in, username: str, role: str) -> Page:
    page = browser.new_page()
    sign_in(page, role=role, username=username)
    return page


def test_a_proposal_is_reviewed_changed_approved_and_accepted(browser: Browser, live_server, sign_in, screenshot):
    ada = _person(browser, sign_in, "ada", roles.ARCHITECTS)
    decision = AssessedDecisionFactory(status="draft", author=UserFactory._meta.model.objects.get(username="ada"),
                                       title="Publish OrderPlaced", visibility=1, growth=3, coordination=3, coupling=3,
                                       style="event", logic_location="Each consumer owns its reaction.")  # fmt: skip
    rui = _person(browser, sign_in, "rui", roles.REVIEWERS)
    sam = _person(browser, sign_in, "sam", roles.REVIEWERS)
    url = f"{live_server.url}{decision.get_absolute_url()}"

    # The architect proposes and picks the reviewers.
    ada.goto(url)
    ada.get_by_role("link", name="Propose for review").click()
    ada.get_by_role("checkbox", name="rui").check()
    ada.get_by_role("checkbox", name="sam").check()
    ada.get_by_role("button", name="Propose").click()
    expect(ada.get_by_text("is proposed; rui, sam asked to review")).to_be_visible()

    # Sam approves early.
    sam.goto(url)
    sam.get_by_role("radio", name="Approve").check()
    sam.get_by_role("button", name="Submit review").click()
    expect(sam.get_by_text("Your review is recorded")).to_be_visible()

    # Rui hears of it, comments in place and requests changes.
    rui.goto(f"{live_server.url}/")
    expect(rui.get_by_role("link", name=re.compile("Notifications"))).to_contain_text("1")
    rui.get_by_role("link", name=re.compile("Notifications")).click()
    rui.get_by_role("button", name=re.compile("asks you to review")).click()
    rui.evaluate("window.notReloaded = true")
    rui.get_by_label("Add a comment").fill("Who owns the **alerts** in each consumer?")
    rui.get_by_role("button", name="Post comment").click()
    expect(rui.locator(".comment-body strong")).to_have_text("alerts")
    assert rui.evaluate("window.notReloaded") is True
    rui.get_by_role("radio", name="Request changes").check()
    rui.get_by_label("Comment", exact=True).fill("Name an owner for each consumer's alerts.")
    rui.get_by_role("button", name="Submit review").click()
    expect(rui.get_by_text("Changes requested by").locator("..")).to_contain_text("rui")

    # The architect cannot accept yet, answers the point, and edits: Sam's approval goes stale.
    ada.goto(url)
    expect(ada.get_by_text("Changes are requested by rui")).to_be_visible()
    ada.locator("summary", has_text="Reply").click()
    ada.get_by_label("Reply to rui").fill("Each consumer team owns its alerts; added to the consequences.")
    ada.get_by_role("button", name="Post reply").click()
    expect(ada.locator(".replies .comment-body")).to_contain_text("Each consumer team owns its alerts")
    ada.get_by_role("link", name="Edit", exact=True).click()
    ada.get_by_role("textbox", name="Consequences").fill("Each consumer team owns the alerts of its reaction.")
    ada.get_by_role("button", name="Save changes").click()
    expect(ada.get_by_text("Still waiting on").locator("..")).to_contain_text("sam (asked again)")
    expect(ada.get_by_text("stale: the proposal changed after this review")).to_be_visible()
    expect(ada.get_by_text("Still waiting on").locator("..")).to_contain_text("rui (asked again)")

    # Rui is told the proposal changed as asked, and finds it back on the list of reviews to do.
    rui.goto(f"{live_server.url}/notifications/")
    expect(rui.get_by_text(re.compile("changed as you asked"))).to_be_visible()
    rui.goto(f"{live_server.url}/me/")
    expect(rui.locator(".work-list").first).to_contain_text("Publish OrderPlaced")

    # Rui approves; the architect accepts.
    rui.goto(url)
    rui.get_by_role("radio", name="Approve").check()
    rui.get_by_label("Comment", exact=True).fill("Thanks, that answers it.")
    rui.get_by_role("button", name="Submit review").click()
    ada.goto(url)
    expect(ada.get_by_text("The review rule holds")).to_be_visible()
    ada.get_by_label("Why accept?").fill("Agreed in review.")
    ada.get_by_role("button", name="Accept").click()
    expect(ada.get_by_text("is now accepted")).to_be_visible()
    screenshot(ada, "review", full_page=True)

    # The manager sees it all and can change nothing.
    mona = _person(browser, sign_in, "mona", roles.VIEWERS)
    mona.goto(url)
    expect(mona.locator(".decision-head .badge.status-accepted")).to_have_text("Accepted")
    expect(mona.get_by_text("moved it from proposed to accepted")).to_be_visible()
    for control in ("Edit", "Propose for review"):
        expect(mona.get_by_role("link", name=control, exact=True)).to_have_count(0)
    for control in ("Accept", "Submit review", "Post comment", "Deprecate"):
        expect(mona.get_by_role("button", name=control)).to_have_count(0)
    response = mona.request.post(f"{url}transition/", form={"to": "deprecated"})
    assert response.status == 403
