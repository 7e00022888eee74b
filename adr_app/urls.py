from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from mozilla_django_oidc.views import OIDCLogoutView

from decisions.api import api, api_not_found

from . import sso, views

# The API authenticates each request itself (token or session), so the site-wide
# sign-in redirect must not apply to it; its docs page asks for a sign-in of its own.
api_urls = api.urls
for pattern in api_urls[0]:
    login_not_required(pattern.callback)

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    # Ends the provider's session too, for people who came through it (sso.provider_logout_url).
    path("logout/", OIDCLogoutView.as_view(), name="logout"),
    path("oidc/authenticate/", login_not_required(sso.SsoStart.as_view()), name="oidc_authentication_init"),
    path("oidc/callback/", login_not_required(sso.SsoCallback.as_view()), name="oidc_authentication_callback"),
    path("admin/", admin.site.urls),
    path("healthz/", login_not_required(views.healthz)),
    path("healthz/queue/", login_not_required(views.healthz_queue)),
    path("api/", api_urls),
    path("api/<path:rest>", login_not_required(api_not_found)),
    path("", include("decisions.urls")),
]

handler500 = "adr_app.views.server_error"
