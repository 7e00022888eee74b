"""Bringing a team's ADR folder in from the browser, and taking a search back out."""

import io
import zipfile

from playwright.sync_api import Page, expect

NYGARD_FILES = {
    "adr/0001-record-architecture-decisions.md": "# 1. Record architecture decisions\n\nDate: 2016-02-12\n\n"
    "## Status\n\nAccepted\n\n## Context\n\nWe need to record decisions.\n",
    "adr/0002-use-kafka-for-orders.md": "# 2. Use Kafka for orders\n\nDate: 2024-05-01\n\n## Status\n\n"
    "Accepted (documenting an existing thing)\n\nAmends [1. Record](0001-record-architecture-decisions.md)\n\n"
    "## Context\n\nOrders grow.\n\n## Rollout\n\nStaging first.\n",
    "adr/template.md": "# [short title of solved problem and solution]\n",
}


def test_import_a_folder_then_download_a_search_as_adr_files(page: Page, live_server, sign_in, tmp_path, screenshot):
    upload = tmp_path / "team-adrs.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        for name, text in NYGARD_FILES.items():
            archive.writestr(name, text)
    sign_in(page)

    page.get_by_role("link", name="Import ADR files").click()
    expect(page).to_have_title("Import ADR files · Decision Log")
    page.get_by_label("ADR files").set_input_files(upload)
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="Imported “team-adrs”")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("2 imported, 0 updated, 0 unchanged, 1 skipped")
    expect(page.get_by_role("row", name="template.md")).to_contain_text("a template for new decisions, not a decision")
    screenshot(page, "import-report")

    page.get_by_role("link", name="ADR-0002").click()
    expect(page.get_by_role("heading", name="Use Kafka for orders")).to_be_visible()
    expect(page.get_by_text("Imported from")).to_be_visible()
    expect(page.get_by_text("status “Accepted (documenting an existing thing)”")).to_be_visible()
    expect(page.get_by_role("link", name="ADR-0001: Record architecture decisions")).to_be_visible()
    expect(page.get_by_role("region", name="More sections")).to_contain_text("Staging first.")

    page.get_by_role("link", name="Log").first.click()
    page.get_by_label("Search").fill("kafka")
    expect(page.get_by_text("1 decision matches")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Nygard (adr-tools)").click()
    names = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes())).namelist()
    assert sorted(names) == ["0002-use-kafka-for-orders.md", "index.md"]
