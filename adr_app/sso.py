"""Single sign-on with the organisation's OpenID Connect provider (mozilla-django-oidc).

The provider is found from its issuer URL (the discovery document, kept in the shared cache
for an hour). Sign-in uses the authorisation code flow with PKCE, state and nonce. A person is
matched by the provider's subject, never by e-mail alone; their name and e-mail come from the
claims, and their role from their groups, again at every sign-in. Sign-out also ends the
provider's session where it offers an end-session endpoint.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import transaction
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from decisions import roles
from decisions.models import SignInIdentity

from .auth import ModelBackend

log = logging.getLogger(__name__)

# mozilla-django-oidc's settings that the discovery document gives.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",  # nosec B105 (a discovery key, not a password)
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
DISCOVERY_SECONDS = 3600
ROLE_ORDER = [roles.ARCHITECTS, roles.REVIEWERS, roles.VIEWERS]  # the first whose groups match wins
NO_GROUP = "Your account is in none of the groups that may use Decision Log. Ask for access, then sign in again."


def discovery() -> dict:
    """The provider's discovery document."""
    key = f"sso:discovery:{settings.SSO_ISSUER}"
    document = cache.get(key)
    if document is None:
        url = settings.SSO_ISSUER.rstrip("/") + "/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=10)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            message = f"The sign-in provider's discovery document ({url}) cannot be read: {error}"
            raise ImproperlyConfigured(message) from None
        cache.set(key, document, DISCOVERY_SECONDS)
    return document


def sso_setting(attr: str, *args):
    """mozilla-django-oidc's setting: the endpoints from discovery unless set outright."""
    if attr in DISCOVERED and not hasattr(settings, attr):
        return discovery()[DISCOVERED[attr]]
    return import_from_settings(attr, *args)


def role_for(groups: list[str]) -> str | None:
    """The role a person's provider groups give, or None when they give none."""
    for role in ROLE_ORDER:
        if set(groups) & set(settings.SSO_ROLE_GROUPS[role]):
            return role
    return roles.VIEWERS if settings.SSO_WITHOUT_GROUP == "viewer" else None


def _looked_up(name: str, default=None) -> property:
    return property(lambda self: sso_setting(name, default))


class SsoBackend(OIDCAuthenticationBackend):
    """Its settings are read when a sign-in needs them, not each time Django loads the backend
    to find who a session belongs to (every request)."""

    get_settings = staticmethod(sso_setting)
    OIDC_OP_TOKEN_ENDPOINT = _looked_up("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = _looked_up("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = _looked_up("OIDC_OP_JWKS_ENDPOINT")
    OIDC_RP_CLIENT_ID = _looked_up("OIDC_RP_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = _looked_up("OIDC_RP_CLIENT_SECRET")
    OIDC_RP_SIGN_ALGO = _looked_up("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_RP_IDP_SIGN_KEY = _looked_up("OIDC_RP_IDP_SIGN_KEY", None)

    def __init__(self, *args, **kwargs) -> None:
        self.UserModel = User

    def _groups(self, claims: dict) -> list[str]:
        groups = claims.get(settings.SSO_GROUPS_CLAIM) or []
        return [str(group) for group in groups] if isinstance(groups, list) else [str(groups)]

    def verify_claims(self, claims: dict) -> bool:
        if not claims.get("sub"):
            return False
        if role_for(self._groups(claims)) is None:
            self.request.sso_refusal = NO_GROUP
            return False
        return True

    def filter_users_by_claims(self, claims: dict):
        return User.objects.filter(sign_in_identity__issuer=settings.SSO_ISSUER,
                                   sign_in_identity__subject=claims["sub"])  # fmt: skip

    @transaction.atomic
    def create_user(self, claims: dict) -> User:
        user = User.objects.create_user(self._free_username(claims))
        SignInIdentity.objects.create(user=user, issuer=settings.SSO_ISSUER, subject=claims["sub"])
        return self.update_user(user, claims)

    def _free_username(self, claims: dict) -> str:
        wanted = claims.get("preferred_username") or (claims.get("email") or "").split("@")[0] or claims["sub"]
        wanted = "".join(c for c in str(wanted) if c.isalnum() or c in "@.+-_")[:140] or "person"
        name, n = wanted, 1
        while User.objects.filter(username=name).exists():
            n += 1
            name = f"{wanted}-{n}"
        return name

    @transaction.atomic
    def update_user(self, user: User, claims: dict) -> User:
        """Names, e-mail and role from the claims, at every sign-in."""
        user.email = str(claims.get("email") or user.email)[:254]
        user.first_name = str(claims.get("given_name") or user.first_name)[:150]
        user.last_name = str(claims.get("family_name") or user.last_name)[:150]
        user.save(update_fields=["email", "first_name", "last_name"])
        role = role_for(self._groups(claims))
        group = Group.objects.filter(name=role).first()
        if group is None:  # the role groups were removed (a flushed database): make them again
            roles.sync_roles(Group, Permission)
            group = Group.objects.get(name=role)
        user.groups.remove(*Group.objects.filter(name__in=ROLE_ORDER))
        user.groups.add(group)
        return user


class SsoOnly:
    """The provider's pages answer only when single sign-on is configured."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.SSO_ISSUER:
            raise Http404("Single sign-on is not configured.")
        return super().dispatch(request, *args, **kwargs)


class SsoStart(SsoOnly, OIDCAuthenticationRequestView):
    get_settings = staticmethod(sso_setting)

    def __init__(self, *args, **kwargs) -> None:
        View.__init__(self, *args, **kwargs)  # the endpoint is looked up per request, after the check

    def get(self, request):
        self.OIDC_OP_AUTH_ENDPOINT = sso_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class SsoCallback(SsoOnly, OIDCAuthenticationCallbackView):
    """The provider's answer. A forged or replayed state, a wrong nonce or a person with none of
    the groups gets a page that says so, and nobody is signed in."""

    get_settings = staticmethod(sso_setting)

    def get(self, request):
        try:
            return super().get(request)
        except SuspiciousOperation as refusal:
            log.warning("Single sign-on refused: %s", refusal)
            return _failed(request, "The answer from the sign-in provider did not match this sign-in (it may be "
                                    "old, or not meant for this browser). Nobody was signed in.")  # fmt: skip

    def login_failure(self):
        reason = getattr(self.request, "sso_refusal", "") or "The sign-in provider did not sign you in."
        return _failed(self.request, reason)


def _failed(request, reason: str):
    context = {"reason": reason, "provider": settings.SSO_PROVIDER_NAME}
    return render(request, "registration/sso_failed.html", context, status=403)


def sign_in_options(request) -> dict:
    """For the sign-in page: which ways in there are."""
    return {"sso_enabled": bool(settings.SSO_ISSUER), "sso_provider": settings.SSO_PROVIDER_NAME,
            "local_accounts": settings.LOCAL_ACCOUNTS}  # fmt: skip


def provider_logout_url(request) -> str:
    """Where to send a person signing out: the provider's end-session endpoint, when it has one,
    to end their session there too, then back to the sign-in page."""
    back = request.build_absolute_uri(reverse("login"))
    id_token = request.session.get("oidc_id_token")
    endpoint = discovery().get("end_session_endpoint") if id_token else None
    if not endpoint:
        return back  # signed in with a password, or a provider without RP-initiated logout
    query = {"post_logout_redirect_uri": back, "client_id": settings.OIDC_RP_CLIENT_ID, "id_token_hint": id_token}
    return f"{endpoint}?{urlencode(query)}"


class BreakGlassBackend(ModelBackend):
    """With local accounts turned off, a password still opens a superuser's account, so the
    administrators are never locked out by the provider."""

    def user_can_authenticate(self, user) -> bool:
        return user.is_superuser and super().user_can_authenticate(user)
