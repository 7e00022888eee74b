"""Message contracts in the browser, by role: an architect imports a catalog and answers the drift it
reveals; a manager reads where the contracts disagree but has nothing to change."""

import re

from playwright.sync_api import Page, expect

from decisions import roles, workflow
from decisions.models import ContractImport, Flow
from tests.archives import zipped
from tests.contracts.helpers import catalog_files, receives
from tests.factories import accepted


def test_an_architect_imports_a_catalog_then_acknowledges_the_drift(page: Page, live_server, sign_in, tmp_path):
    sign_in(page, role=roles.ARCHITECTS, username="ada")
    page.get_by_role("link", name="Contracts", exact=True).click()
    expect(page.get_by_role("heading", name="Message contracts")).to_be_visible()
    first = tmp_path / "flowmart.zip"
    first.write_bytes(zipped(catalog_files()).getvalue())
    page.get_by_label("Contract files").set_input_files(first)
    page.get_by_label("Source").fill("flowmart")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="Contracts from flowmart")).to_be_visible()
    expect(page.get_by_role("region", name="What the import did").get_by_role("status")).to_contain_text(
        "17 flows created"
    )

    accepted(flow=Flow.objects.get(message="AddInventory"), style="command", growth=1)
    newer = catalog_files()
    for service in ("NotificationService", "PaymentService"):
        receives(newer, service, "AddInventory")
    second = tmp_path / "flowmart-2.zip"
    second.write_bytes(zipped(newer).getvalue())
    page.get_by_role("link", name="Contracts", exact=True).click()
    page.get_by_label("Contract files").set_input_files(second)
    page.get_by_label("Source").fill("flowmart")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("region", name="What the import did").get_by_role("status")).to_contain_text(
        "2 drifts found"
    )

    page.get_by_role("link", name="Revisit").click()
    item = page.locator(".drift-item", has_text="Consumers grew past the expected growth")
    expect(item).to_contain_text("1 consumer when decided")
    item.get_by_text("Acknowledge, or supersede the decision").click()
    item.get_by_label("Why the decision still holds").fill("The two new consumers only read; we keep the command.")
    item.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text(re.compile("Acknowledged on ADR-"))).to_be_visible()

    page.get_by_role("link", name="Flows").click()
    page.get_by_role("link", name="Add inventory").click()
    expect(page.get_by_role("heading", name="What the contracts say")).to_be_visible()
    expect(page.get_by_role("table", name="Payload fields (JSON Schema)")).to_contain_text("warehouseId")
    expect(page.get_by_text("consumers added: Notifications, Payment Service")).to_be_visible()


def test_a_manager_reads_the_drift_but_has_nothing_to_change(page: Page, live_server, sign_in, tmp_path):
    workflow.contracts_import(list(catalog_files().items()), source="flowmart", via=ContractImport.Via.COMMAND, by=None)
    accepted(flow=Flow.objects.get(message="AddInventory"), style="event", growth=3)
    sign_in(page, role=roles.VIEWERS, username="mona")
    page.get_by_role("link", name="Revisit").click()
    expect(page.locator(".drift-item")).to_contain_text("The decided style disagrees with the message's kind")
    expect(page.get_by_text("Acknowledge, or supersede the decision")).to_have_count(0)
    page.get_by_role("link", name="Contracts", exact=True).click()
    expect(page.get_by_label("Contract files")).to_have_count(0)
    expect(page.get_by_role("heading", name=re.compile("Undecided flows"))).to_be_visible()
