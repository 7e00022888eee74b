"""Decision Log settings, read from environment variables.

SQLite is the zero-setup default; set DATABASE_URL for PostgreSQL. With DEBUG off
(the default) a secret key must be given: there is no production default.
"""

import datetime
import os
import re
import sys
import zoneinfo
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"Unexpected value {name}={value!r}: use true or false.")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}: use a whole number.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}: use {minimum} or more.")
    return number


def env_str(name: str, default: str, *, valid=None, hint: str = "") -> str:
    """A text setting; `valid(value)` says whether it is usable, `hint` what to use instead."""
    value = os.environ.get(name)
    if value is None:
        return default
    if valid is not None and not valid(value):
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}: {hint}.")
    return value


def _is_url(value: str) -> bool:
    return bool(re.fullmatch(r"https?://[^\s/]+(/\S*)?", value))


def _is_importable(value: str) -> bool:
    try:
        import_string(value)
    except ImportError:
        return False
    return True


def _is_time_zone(value: str) -> bool:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _is_host(value: str) -> bool:
    return bool(re.fullmatch(r"[\w.:\[\]-]+", value))


DEBUG = env_bool("DJANGO_DEBUG", False)
TESTING = "pytest" in sys.modules

SECRET_KEY_MIN_LENGTH = 32
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105 (DEBUG or tests only) # nosec B105
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DJANGO_DEBUG off (the default) it is required: set it to a long "
            "random string, and DJANGO_ALLOWED_HOSTS to the host names the app is served at; or set "
            "DJANGO_DEBUG=true for local development."
        )
elif len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH and not DEBUG:
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY is too short to be secret: use at least {SECRET_KEY_MIN_LENGTH} random characters."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
if not ALLOWED_HOSTS or not all(_is_host(host) for host in ALLOWED_HOSTS):
    raise ImproperlyConfigured(
        f"Unexpected value DJANGO_ALLOWED_HOSTS={os.environ.get('DJANGO_ALLOWED_HOSTS')!r}: "
        "use comma separated host names, such as adr.example.org,localhost."
    )
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
if not all(_is_url(origin) for origin in CSRF_TRUSTED_ORIGINS):
    raise ImproperlyConfigured(
        f"Unexpected value DJANGO_CSRF_TRUSTED_ORIGINS={os.environ.get('DJANGO_CSRF_TRUSTED_ORIGINS')!r}: "
        "use comma separated origins with their scheme, such as https://adr.example.org."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "simple_history",
    "axes",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "decisions",
]

# Work that outlasts a request or talks to other servers (large imports, e-mails, webhooks,
# tallies) runs in `manage.py db_worker`, from a queue kept in the database itself, so
# PostgreSQL stays the only server a production install needs.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# One cache for every app server: Redis when REDIS_URL is set, else a table in the database
# (`manage.py createcachetable`, which `make run` and the deployment steps run).
REDIS_URL = env_str("REDIS_URL", "", valid=lambda url: url.startswith(("redis://", "rediss://", "unix://")),
                    hint="use redis://host:6379/0 (or rediss://, unix://)")  # fmt: skip
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": "decision-log"}}  # fmt: skip
else:
    CACHES = {"default": {"BACKEND": "adr_app.cache.DatabaseCache", "LOCATION": "decision_log_cache"}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "adr_app.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

# django-axes counts failed sign-ins: a username is locked out at the address that failed
# AXES_FAILURE_LIMIT times, and an address for every username after LOGIN_ADDRESS_FAILURE_LIMIT
# (adr_app/lockout.py), so nobody can lock a colleague out from elsewhere.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "adr_app.auth.ModelBackend",
]


# Single sign-on (adr_app/sso.py, mozilla-django-oidc): on when DECISION_OIDC_ISSUER is set.
def _issuer(url: str) -> bool:
    local = url.startswith(("http://127.0.0.1", "http://localhost"))
    return bool(re.match(r"^https://[^\s/]+", url)) or local


SSO_ISSUER = env_str("DECISION_OIDC_ISSUER", "", valid=_issuer, hint="use the provider's https:// issuer URL")
SSO_PROVIDER_NAME = env_str("DECISION_OIDC_PROVIDER_NAME", "your organisation's account")
SSO_GROUPS_CLAIM = env_str("DECISION_OIDC_GROUPS_CLAIM", "groups")
SSO_ROLE_GROUPS = {
    "Architects": env_list("DECISION_OIDC_ARCHITECT_GROUPS", []),
    "Reviewers": env_list("DECISION_OIDC_REVIEWER_GROUPS", []),
    "Viewers": env_list("DECISION_OIDC_VIEWER_GROUPS", []),
}
SSO_WITHOUT_GROUP = env_str("DECISION_OIDC_WITHOUT_GROUP", "viewer", valid=lambda v: v in ("viewer", "refuse"),
                            hint="use viewer or refuse")  # fmt: skip
LOCAL_ACCOUNTS = env_bool("DECISION_LOCAL_ACCOUNTS", True)
OIDC_OP_LOGOUT_URL_METHOD = "adr_app.sso.provider_logout_url"  # the sign-in page for people with a password
if SSO_ISSUER:
    OIDC_RP_CLIENT_ID = env_str("DECISION_OIDC_CLIENT_ID", "")
    OIDC_RP_CLIENT_SECRET = env_str("DECISION_OIDC_CLIENT_SECRET", "")
    if not (OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET):
        raise ImproperlyConfigured(
            "DECISION_OIDC_ISSUER is set, so DECISION_OIDC_CLIENT_ID and DECISION_OIDC_CLIENT_SECRET are needed too."
        )
    OIDC_RP_SCOPES = env_str("DECISION_OIDC_SCOPES", "openid email profile groups")
    OIDC_RP_SIGN_ALGO = "RS256"
    OIDC_USE_PKCE = True
    OIDC_USE_NONCE = True
    OIDC_STORE_ID_TOKEN = True
    OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
    AUTHENTICATION_BACKENDS.append("adr_app.sso.SsoBackend")
if not LOCAL_ACCOUNTS:
    if not SSO_ISSUER:
        raise ImproperlyConfigured("DECISION_LOCAL_ACCOUNTS=false needs DECISION_OIDC_ISSUER, or nobody could sign in.")
    AUTHENTICATION_BACKENDS[1] = "adr_app.sso.BreakGlassBackend"
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("DJANGO_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT", 50, minimum=AXES_FAILURE_LIMIT)
AXES_HANDLER = "adr_app.lockout.PairThenAddressHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "adr_app.lockout.client_address"

ROOT_URLCONF = "adr_app.urls"
WSGI_APPLICATION = "adr_app.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "decisions.context_processors.unread_notifications",
                "adr_app.sso.sign_in_options",
            ],
        },
    },
]

CONN_MAX_AGE = env_int("DJANGO_CONN_MAX_AGE", 600)  # PostgreSQL's; SQLite opens a file per request
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;",
}
DATABASE_URL_HINT = "use postgres://user:password@host:5432/name or sqlite:////absolute/path/to/db.sqlite3"


def database_from_url(url: str) -> dict:
    """DATABASE_URL as Django's settings, with each engine's own options, or a plain refusal."""
    try:
        config = dj_database_url.parse(url, conn_max_age=CONN_MAX_AGE, conn_health_checks=True)
    except (ValueError, KeyError):
        raise ImproperlyConfigured(f"Unexpected value DATABASE_URL={url!r}: {DATABASE_URL_HINT}.") from None
    options = config.setdefault("OPTIONS", {})
    if config["ENGINE"] == "django.db.backends.postgresql":
        if not config["NAME"]:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no database: {DATABASE_URL_HINT}.")
        # No parallel workers for the app's queries: each request's queries are small, the workers
        # compete with other requests for the cores, and for ranked search the planner's parallel
        # plans sorted whole search vectors (41 ms instead of 26 at 100,000 decisions). Added to any
        # options the URL gives (?options=...), never in their place.
        options["options"] = f"{options.get('options', '')} -c max_parallel_workers_per_gather=0".strip()
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        if config["NAME"] in ("", ":memory:"):
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no file: {DATABASE_URL_HINT}.")
        config["OPTIONS"] = SQLITE_OPTIONS | options
        config["CONN_MAX_AGE"], config["CONN_HEALTH_CHECKS"] = 0, False
    else:
        raise ImproperlyConfigured(
            f"DATABASE_URL={url!r} names {config['ENGINE']}: Decision Log runs on PostgreSQL or SQLite; "
            f"{DATABASE_URL_HINT}."
        )
    return config


DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", BASE_DIR / "db.sqlite3"),
            # A file, not memory, so the browser tests' server threads get connections of their own.
            "TEST": {"NAME": BASE_DIR / ".test-db.sqlite3"},
            "OPTIONS": SQLITE_OPTIONS,
        }
    }
if DATABASES["default"]["ENGINE"].endswith("sqlite3") and not Path(DATABASES["default"]["NAME"]).parent.is_dir():
    raise ImproperlyConfigured(
        f"The SQLite file {DATABASES['default']['NAME']} (SQLITE_PATH or DATABASE_URL) is in a folder that "
        "does not exist: create the folder or name another file."
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "decision_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC", valid=_is_time_zone, hint="use a time zone name such as Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Serve straight from the app folders when collectstatic has not run (local runs).
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", False) or DEBUG or TESTING

EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend",
    valid=_is_importable,
    hint="name an e-mail backend class, such as django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost", valid=_is_host, hint="use a host name, such as smtp.example.org")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str(
    "DJANGO_DEFAULT_FROM_EMAIL",
    "decision-log@localhost",
    valid=lambda value: bool(re.fullmatch(r"(.*<)?[^@\s<>]+@[^@\s<>]+>?", value)),
    hint="use an e-mail address, such as Decision Log <adr@example.org>",
)

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The test live server speaks plain HTTP, so tests keep cookies usable there.
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not TESTING)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
# form-action stays last: the middleware adds the sign-in provider to it (adr_app/middleware.py).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_AGE", 60 * 60 * 12, minimum=60)

SIMPLE_HISTORY_REVERT_DISABLED = True

DECISION_LOG_PAGE_SIZE = 25
# How long the overview's aggregates may be served from the cache (0: always recompute).
# Tests recompute, so that each sees its own data.
DECISION_OVERVIEW_CACHE_SECONDS = env_int("DECISION_OVERVIEW_CACHE_SECONDS", 0 if TESTING else 60)
# How long a log page (or search) and the flow map are kept rendered in the shared cache (decisions/pagecache.py);
# any change moves it on at once. 0: render every time.
DECISION_LOG_CACHE_SECONDS = env_int("DECISION_LOG_CACHE_SECONDS", 0 if TESTING else 300)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_str(
            "DJANGO_LOG_LEVEL",
            "INFO",
            valid=lambda value: value in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
            hint="use DEBUG, INFO, WARNING, ERROR or CRITICAL",
        ),
    },
    "loggers": {"axes": {"level": "WARNING"}},
}

if TESTING:
    # Hashing demo and factory passwords properly would dominate the suite's run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The address people open the app at, for links in e-mails.
DECISION_LOG_URL = env_str(
    "DECISION_LOG_URL",
    "http://127.0.0.1:8000",
    valid=_is_url,
    hint="use the app's address, such as https://adr.example.org",
)
# Approvals a proposal needs before it may be accepted.
DECISION_REVIEW_MIN_APPROVALS = env_int("DECISION_REVIEW_MIN_APPROVALS", 1)
# Webhooks to private, loopback or link-local addresses, for a receiver inside the network.
DECISION_WEBHOOKS_ALLOW_PRIVATE = env_bool("DECISION_WEBHOOKS_ALLOW_PRIVATE", False)
# The shared secret catalog tools sign their change notices (CloudEvents) with; notices are
# refused while it is empty.
DECISION_CONTRACT_NOTICE_SECRET = os.environ.get("DECISION_CONTRACT_NOTICE_SECRET", "")
if 0 < len(DECISION_CONTRACT_NOTICE_SECRET) < 16:  # the value is a secret: not shown
    raise ImproperlyConfigured("Unexpected value DECISION_CONTRACT_NOTICE_SECRET: use 16 or more random characters.")
