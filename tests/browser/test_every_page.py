"""Every page of the demo, at 1,280 and 390 px: no serious or critical accessibility fault (axe-core,
pinned in tests/axe/package-lock.json) and nothing that scrolls sideways."""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page

from decisions import demo, workflow
from decisions.models import ContractImport, Decision, Flow, ImportJob, Service, Team, WebhookSubscription
from tests.archives import zipped

AXE = Path(__file__).resolve().parents[1] / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
SERIOUS = ("serious", "critical")

pytestmark = pytest.mark.skipif(
    not AXE.exists() and not os.environ.get("CI"), reason="axe-core is not installed (make test installs it with npm)"
)


def _pages() -> list[tuple[str, str]]:
    """(name, path) of every page, the names for the README's screenshots."""
    decision = Decision.objects.filter(status="accepted").order_by("number").first()
    proposal = Decision.objects.filter(status="proposed").order_by("number").first()
    flow, team, service = Flow.objects.first(), Team.objects.first(), Service.objects.first()
    job = ImportJob.objects.first()
    webhook = WebhookSubscription.objects.first()
    drifted = Flow.objects.filter(drifts__isnull=False).first()  # facts, schema, snapshots and drift
    contracts = ContractImport.objects.order_by("at", "pk").last()
    pages = [
        ("log", "/"), ("search", "/?q=order&style=event"), ("new-decision", "/decisions/new/"),
        ("import", "/decisions/import/"), ("my-work", "/me/"), ("api-tokens", "/me/tokens/"),
        ("notifications", "/notifications/"), ("activity", "/activity/"), ("overview", "/overview/"),
        ("flow-map", "/flows/map/"), ("revisit", "/revisit/"), ("how-to-decide", "/help/factors/"),
        ("teams", "/teams/"), ("new-team", "/teams/new/"), ("services", "/services/"),
        ("new-service", "/services/new/"), ("flows", "/flows/"), ("new-flow", "/flows/new/"),
        ("webhooks", "/webhooks/"), ("api-docs", "/api/docs"),
        ("decision", decision.get_absolute_url()), ("history", f"{decision.get_absolute_url()}history/"),
        ("edit-decision", f"{decision.get_absolute_url()}edit/"), ("proposal", proposal.get_absolute_url()),
        ("flow", flow.get_absolute_url()), ("edit-flow", f"/flows/{flow.pk}/edit/"), ("team", team.get_absolute_url()),
        ("edit-team", f"/teams/{team.pk}/edit/"), ("service", service.get_absolute_url()),
        ("edit-service", f"/services/{service.pk}/edit/"), ("contracts", "/contracts/"),
        ("contract-import", contracts.get_absolute_url()), ("flow-contracts", drifted.get_absolute_url()),
        ("drifted-decision", drifted.current_decision.get_absolute_url()),
    ]  # fmt: skip
    if job:
        pages.append(("import-job", f"/decisions/import/{job.pk}/"))
    if webhook:
        pages.append(("webhook", webhook.get_absolute_url()))
    return pages


def _faults(page: Page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # through DevTools, so the page's CSP does not apply
    found = page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)")
    return [
        f"{fault['id']} ({fault['impact']}): {fault['help']} at {node['target']}"
        for fault in found
        if fault["impact"] in SERIOUS
        for node in fault["nodes"][:3]
    ]


def _sideways(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def _problems(page: Page) -> list[str]:
    return _faults(page) + ([f"scrolls {_sideways(page)} px sideways"] if _sideways(page) > 0 else [])


def test_every_page_is_accessible_and_fits_at_both_widths(page: Page, live_server, screenshot):
    demo.load_demo()
    architect = User.objects.get(username="architect")
    # What the demo has none of: an import job (run at once by the tests' task backend) and a webhook.
    workflow.import_job_queue(upload=zipped({"0001-a.md": b"# 1. A\n"}).getvalue(), filename="adrs.zip",
                              collection="team-adrs", skip_broken=False, by=architect)  # fmt: skip
    workflow.webhook_save(subscription=WebhookSubscription(name="Chat", url="https://hooks.example.org/adr",
                                                           events=["accepted"]), by=architect)  # fmt: skip
    page.goto(f"{live_server.url}/login/")
    problems = {}
    for name, size in WIDTHS.items():
        page.set_viewport_size(size)
        problems[f"login {name}"] = _problems(page)
    page.get_by_label("Username").fill("architect")
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Decision log").wait_for()
    for shot, path in _pages():
        for name, size in WIDTHS.items():
            page.set_viewport_size(size)
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            screenshot(page, f"pages/{shot}-{name}", kind="jpeg")
            problems[f"{path} {name}"] = _problems(page)
    problems = {where: found for where, found in problems.items() if found}
    assert not problems, "\n".join(f"{where}: {'; '.join(found)}" for where, found in problems.items())


def test_the_api_docs_are_accessible_with_an_operation_open_to_try(page: Page, live_server, sign_in):
    sign_in(page)
    page.goto(f"{live_server.url}/api/docs")
    page.locator(".opblock-summary-control").first.click()
    page.get_by_role("button", name="Try it out").first.click()
    page.get_by_role("button", name="Execute").wait_for()
    assert _faults(page) == []


@pytest.mark.parametrize("username", ["reviewer", "manager"])
def test_the_pages_each_role_works_in_are_accessible_to_them_too(page: Page, live_server, username):
    demo.load_demo(log=lambda line: None)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    proposal = Decision.objects.filter(status="proposed").order_by("number").first()
    decision = Decision.objects.filter(status="accepted").order_by("number").first()
    problems = {}
    for path in (
        "/",
        "/me/",
        "/notifications/",
        "/overview/",
        proposal.get_absolute_url(),
        decision.get_absolute_url(),
    ):
        for name, size in WIDTHS.items():
            page.set_viewport_size(size)
            page.goto(f"{live_server.url}{path}")
            problems[f"{path} {name}"] = _problems(page)
    problems = {where: found for where, found in problems.items() if found}
    assert not problems, problems
