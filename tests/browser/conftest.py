import os
from pathlib import Path

import pytest
from django.db import connections

from decisions import roles
from tests.conftest import CHROMIUM
from tests.factories import UserFactory

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def pytest_collection_modifyitems(items):
    # A conftest's hook sees every collected item, not only this folder's.
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _connections_closed_before_playwright_stops(playwright):
    """Once Playwright's sync API has started, its event loop counts as running in this thread, and
    Django (through asgiref's Local) keeps this thread's database connections apart from those it
    made before: every test after the first browser test, browser or not, gets a connection of its
    own. pytest-django closes the connections it can see when it drops the test database, after
    Playwright has stopped, so it never saw that one, and PostgreSQL refused the drop ("being
    accessed by other users"), leaving the database behind. Closed here, while Playwright runs."""
    yield
    connections.close_all()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"],
    }  # fmt: skip


@pytest.fixture
def screenshot():
    """Save a README screenshot when UPDATE_SCREENSHOTS is set (`make screenshots`)."""

    def take(page, name: str, full_page: bool = False, kind: str = "png") -> None:
        if os.environ.get("UPDATE_SCREENSHOTS"):
            path = SCREENSHOTS / f"{name}.{kind}"
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=path, full_page=full_page, type=kind, **({"quality": 70} if kind == "jpeg" else {}))

    return take


@pytest.fixture
def sign_in(live_server):
    def as_role(page, role: str = roles.ARCHITECTS, username: str = "ada", create: bool = True):
        if create:
            UserFactory(username=username, role=role)
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill("secret-password")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Decision log").wait_for()
        return page

    return as_role
