"""Single sign-on end to end, in Chromium, against a real OpenID Connect provider (node's
oidc-provider, tests/oidc/, installed by `make test` from its lock file): sign in, land with the
role the groups give, sign out of both, come back with the new role after a group change; a
forged state and a wrong nonce are refused with a page that says so."""

import json
import os
import socket
import subprocess  # nosec B404 (starts the test provider from this repository)
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import Page, expect

from decisions import roles

PROVIDER = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID, CLIENT_SECRET = "decision-log", "test-only-client-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def provider(live_server, settings, tmp_path):
    """The provider on a port of its own, with the app configured to use it. Yields the accounts
    file: a test changes a person's groups by writing it."""
    if not (PROVIDER / "node_modules" / "oidc-provider").exists():
        if os.environ.get("CI"):
            pytest.fail("tests/oidc/node_modules is missing: `make test` installs it with npm ci")
        pytest.skip("the test provider is not installed (npm ci --prefix tests/oidc)")
    accounts = tmp_path / "accounts.json"
    accounts.write_text(json.dumps({"ada-subject": {
        "email": "ada@example.org", "email_verified": True, "preferred_username": "ada", "given_name": "Ada",
        "family_name": "Lovelace", "groups": ["eng-architects"],
    }}))  # fmt: skip
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "CLIENT_ID": CLIENT_ID, "CLIENT_SECRET": CLIENT_SECRET,
           "REDIRECT_URI": f"{live_server.url}/oidc/callback/", "POST_LOGOUT_URI": f"{live_server.url}/login/",
           "ACCOUNTS": str(accounts)}  # fmt: skip
    node = subprocess.Popen(["node", "provider.mjs"], cwd=PROVIDER, env=env, stdout=subprocess.PIPE, text=True)  # noqa: S603, S607 # nosec B603 B607
    assert node.stdout.readline().startswith("ready"), "the test provider did not start"
    settings.SSO_ISSUER = f"http://127.0.0.1:{port}"
    settings.SSO_PROVIDER_NAME = "Test IdP"
    settings.SSO_ROLE_GROUPS = {roles.ARCHITECTS: ["eng-architects"], roles.REVIEWERS: ["eng-reviewers"],
                                roles.VIEWERS: ["eng-viewers"]}  # fmt: skip
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_USE_PKCE = settings.OIDC_STORE_ID_TOKEN = True
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "adr_app.sso.SsoBackend"]
    yield accounts
    node.terminate()
    node.wait(timeout=10)


def _through_the_provider(page: Page, live_server, login: str = "ada-subject") -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Sign in with Test IdP").click()
    _provider_sign_in(page, login)


def _provider_sign_in(page: Page, login: str) -> None:
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password: the test provider takes any")
    page.locator("button[type=submit]").click()
    consent = page.locator("button[type=submit]", has_text="Continue")
    if consent.count():
        consent.click()


def test_sign_in_roles_from_groups_and_sign_out_of_both(page: Page, live_server, provider):
    _through_the_provider(page, live_server)
    expect(page.get_by_role("heading", name="Decision log")).to_be_visible()
    expect(page.get_by_role("link", name="New decision")).to_be_visible()  # an architect
    ada = User.objects.get(sign_in_identity__subject="ada-subject")
    assert ada.username == "ada" and ada.get_full_name() == "Ada Lovelace"
    assert set(ada.groups.values_list("name", flat=True)) == {roles.ARCHITECTS}

    accounts = json.loads(provider.read_text())
    accounts["ada-subject"]["groups"] = ["eng-viewers"]
    provider.write_text(json.dumps(accounts))
    page.get_by_role("button", name="Sign out").click()
    page.locator("button", has_text="Yes, sign me out").click()  # the provider's own question
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    # Both sessions ended: the provider asks for the sign-in again.
    page.get_by_role("link", name="Sign in with Test IdP").click()
    expect(page.locator("input[name=login]")).to_be_visible()
    _provider_sign_in(page, "ada-subject")
    expect(page.get_by_role("heading", name="Decision log")).to_be_visible()
    expect(page.get_by_role("link", name="New decision")).to_have_count(0)  # a viewer now
    assert User.objects.filter(username__startswith="ada").count() == 1


def test_a_forged_state_is_refused_with_a_clear_page(page: Page, live_server, provider):
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Sign in with Test IdP").click()
    expect(page.locator("input[name=login]")).to_be_visible()  # a sign-in under way, with its own state
    page.goto(f"{live_server.url}/oidc/callback/?code=made-up&state=forged")
    expect(page.get_by_role("heading", name="The sign-in was not completed")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("did not match this sign-in")
    assert not User.objects.filter(sign_in_identity__isnull=False).exists()


def test_a_wrong_nonce_is_refused_and_nobody_is_signed_in(page: Page, live_server, provider):
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Sign in with Test IdP").click()
    expect(page.locator("input[name=login]")).to_be_visible()
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=key)
    states = session["oidc_states"]
    for state in states.values():
        state["nonce"] = "not-the-nonce-the-provider-was-sent"
    session["oidc_states"] = states
    session.save()
    _provider_sign_in(page, "ada-subject")
    expect(page.get_by_role("heading", name="The sign-in was not completed")).to_be_visible()
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()  # nobody was signed in
    assert not User.objects.filter(sign_in_identity__isnull=False).exists()
