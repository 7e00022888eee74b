import pytest
from django.test import Client

from decisions import roles
from tests.factories import UserFactory

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # as the app runs, for worker tests


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings):
    """Tasks run as they are queued, inside the test; tests/test_jobs.py runs the real worker."""
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def architect(db):
    return UserFactory(username="ada", role=roles.ARCHITECTS)


@pytest.fixture
def reviewer(db):
    return UserFactory(username="rui", role=roles.REVIEWERS)


@pytest.fixture
def manager(db):
    return UserFactory(username="mona", role=roles.VIEWERS)


@pytest.fixture
def people(db):
    """A small organisation for workflow tests: an author and another architect, two reviewers, a viewer."""
    return {
        "author": UserFactory(username="ada", role=roles.ARCHITECTS),
        "architect": UserFactory(username="ari", role=roles.ARCHITECTS),
        "reviewer": UserFactory(username="rui", role=roles.REVIEWERS),
        "second": UserFactory(username="sam", role=roles.REVIEWERS),
        "manager": UserFactory(username="mona", role=roles.VIEWERS),
    }


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def architect_client(architect):
    return _client_for(architect)


@pytest.fixture
def manager_client(manager):
    return _client_for(manager)


@pytest.fixture
def reviewer_client(reviewer):
    return _client_for(reviewer)


CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    """Browser tests run whenever Chromium is present; in CI its absence is a failure, not a skip."""
    import os

    if os.path.exists(CHROMIUM):
        return
    browser_items = [item for item in items if "browser" in item.keywords]
    if browser_items and os.environ.get("CI"):
        raise pytest.UsageError(f"CI is set but {CHROMIUM} is missing: install Debian's chromium package.")
    for item in browser_items:
        item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is not installed"))
