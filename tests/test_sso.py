"""Single sign-on's rules without a browser: people matched by subject, names and roles from the
claims at every sign-in, the setting for people without a group, the pages when it is off.
tests/browser/test_sso.py signs in through a real provider."""

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.urls import reverse

from adr_app import sso
from decisions import roles, tokens
from decisions.models import SignInIdentity

pytestmark = pytest.mark.django_db
ISSUER = "https://login.example.org/realms/eng"


@pytest.fixture
def configured(settings):
    settings.SSO_ISSUER = ISSUER
    settings.SSO_ROLE_GROUPS = {roles.ARCHITECTS: ["eng-architects"], roles.REVIEWERS: ["eng-reviewers"],
                                roles.VIEWERS: ["eng-all"]}  # fmt: skip
    settings.SSO_WITHOUT_GROUP = "viewer"
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = "decision-log", "s3cret"
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    # The backend reads its endpoints at start; give it ones that are never called here.
    settings.OIDC_OP_TOKEN_ENDPOINT = settings.OIDC_OP_USER_ENDPOINT = settings.OIDC_OP_JWKS_ENDPOINT = ISSUER
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "adr_app.sso.SsoBackend"]
    return settings


def sign_in_through_the_provider(claims: dict) -> User | None:
    """What the backend makes of these claims (as if the provider sent them), or None if refused."""
    backend = sso.SsoBackend.__new__(sso.SsoBackend)
    backend.UserModel = User
    backend.request = RequestFactory().get("/oidc/callback/")
    backend.get_userinfo = lambda *args: claims
    try:
        return backend.get_or_create_user("access", "id", {})
    except Exception as refusal:  # SuspiciousOperation, as the callback sees it
        backend.request.refusal = refusal
        return None


_sign_in = sign_in_through_the_provider


def _role(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_a_new_person_gets_an_account_named_and_placed_by_the_claims(configured):
    user = _sign_in({"sub": "s-1", "email": "ada@example.org", "preferred_username": "ada", "given_name": "Ada",
                     "family_name": "Lovelace", "groups": ["eng-architects", "eng-all"]})  # fmt: skip
    assert (user.username, user.email, user.get_full_name()) == ("ada", "ada@example.org", "Ada Lovelace")
    assert _role(user) == {roles.ARCHITECTS}
    assert SignInIdentity.objects.get(user=user).subject == "s-1"
    assert not user.has_usable_password()


def test_a_returning_person_is_matched_by_subject_and_gets_the_role_of_today(configured):
    first = _sign_in({"sub": "s-1", "email": "ada@example.org", "preferred_username": "ada",
                      "groups": ["eng-architects"]})  # fmt: skip
    again = _sign_in({"sub": "s-1", "email": "ada.l@example.org", "preferred_username": "ada",
                      "groups": ["eng-reviewers"]})  # fmt: skip
    assert again.pk == first.pk and again.email == "ada.l@example.org" and _role(again) == {roles.REVIEWERS}


def test_an_email_alone_never_opens_someone_elses_account(configured):
    local = User.objects.create_user("ada", email="ada@example.org", password="secret-password")
    user = _sign_in({"sub": "s-9", "email": "ada@example.org", "preferred_username": "ada", "groups": []})
    assert user.pk != local.pk and user.username == "ada-2"


def test_people_without_a_group_are_viewers_or_refused_by_setting(configured):
    assert _role(_sign_in({"sub": "s-2", "preferred_username": "vic", "groups": ["elsewhere"]})) == {roles.VIEWERS}
    configured.SSO_WITHOUT_GROUP = "refuse"
    assert _sign_in({"sub": "s-3", "preferred_username": "rex", "groups": ["elsewhere"]}) is None
    assert not User.objects.filter(username="rex").exists()


def test_tokens_work_for_people_who_came_through_the_provider(configured, client):
    user = _sign_in({"sub": "s-4", "preferred_username": "toni", "groups": ["eng-all"]})
    _, key = tokens.token_issue(user=user, name="ci")
    assert client.get("/api/decisions", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    _, feed = tokens.token_issue(user=user, name="feeds", feed_only=True)
    assert client.get(reverse("feed_accepted"), {"key": feed}).status_code == 200


def test_the_permission_matrix_holds_for_provider_people(configured, client):
    viewer = _sign_in({"sub": "s-5", "preferred_username": "vee", "groups": ["eng-all"]})
    client.force_login(viewer, backend="adr_app.sso.SsoBackend")
    assert client.get(reverse("decision_list")).status_code == 200
    assert client.get(reverse("decision_create")).status_code == 403
    architect = _sign_in({"sub": "s-6", "preferred_username": "archie", "groups": ["eng-architects"]})
    client.force_login(architect, backend="adr_app.sso.SsoBackend")
    assert client.get(reverse("decision_create")).status_code == 200


def test_without_a_provider_the_sign_in_page_is_the_password_form(client):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with" not in page and 'name="password"' in page
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


def test_with_local_accounts_off_only_administrators_use_a_password(configured, client):
    configured.LOCAL_ACCOUNTS = False
    configured.AUTHENTICATION_BACKENDS = ["adr_app.sso.BreakGlassBackend", "adr_app.sso.SsoBackend"]
    User.objects.create_user("ada", password="secret-password")
    User.objects.create_superuser("root", password="secret-password")
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with" in page and "Administrators: sign in with a password" in page
    refused = client.post(reverse("login"), {"username": "ada", "password": "secret-password"})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert client.post(reverse("login"), {"username": "root", "password": "secret-password"}).status_code == 302


def test_signing_out_may_go_on_to_the_provider_and_nowhere_else(configured, client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert policy.endswith("form-action 'self' https://login.example.org")
    configured.SSO_ISSUER = ""
    assert client.get(reverse("login"))["Content-Security-Policy"].endswith("form-action 'self'")


def test_a_signed_in_request_never_asks_the_provider(configured, client):
    """The backend loads on every request to find the session's user: it must not need discovery."""
    for name in ("OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT"):
        delattr(configured, name)  # discovery would now be asked, and login.example.org does not resolve
    user = _sign_in({"sub": "s-7", "preferred_username": "lazy", "groups": ["eng-all"]})
    client.force_login(user, backend="adr_app.sso.SsoBackend")
    assert client.get(reverse("decision_list")).status_code == 200
