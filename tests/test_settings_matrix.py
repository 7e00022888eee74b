"""Every variable of the README's configuration table, tried as an operator would: in a fresh
process, with a good value (the app starts and serves /healthz/) and a bad one (a plain
start-up error that names the variable, no traceback)."""

import os
import re
import shutil
import subprocess  # nosec B404 (runs this checkout's own Python on a fixed script)
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Each case starts a process with a database of its own, so the PostgreSQL pass would only repeat them.
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="runs once, in the SQLite pass: each case chooses its own database"
)
SECRET = "matrix-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
PG = "postgres://postgres@127.0.0.1:5432/"
# The process under test: load the settings, create the tables when asked, ask for /healthz/.
SCRIPT = """
import os, sys
sys.argv = ["manage.py", "check"]
import manage
if os.environ.get("MATRIX_MIGRATE"):
    sys.argv = ["manage.py", "migrate", "--noinput", "-v0"]
manage.main()
from django.test import Client
response = Client().get("/healthz/", HTTP_HOST="localhost")
print("healthz", response.status_code)
"""

# variable: (a good value, a bad value or None where any text is usable, why not)
VALUES = {
    "DJANGO_DEBUG": ("false", "maybe"),
    "DJANGO_SECRET_KEY": (SECRET, "short"),
    "DJANGO_ALLOWED_HOSTS": ("localhost,adr.example.org", "not a host!"),
    "DJANGO_CSRF_TRUSTED_ORIGINS": ("https://adr.example.org", "adr.example.org"),
    "DATABASE_URL": ("sqlite:///{tmp}/matrix.sqlite3", "mysql://user@db/decisions"),
    "SQLITE_PATH": ("{tmp}/matrix.sqlite3", "{tmp}/no-such-folder/matrix.sqlite3"),
    "DJANGO_CONN_MAX_AGE": ("60", "a minute"),
    "DJANGO_SECURE_SSL_REDIRECT": ("false", "sometimes"),
    "DJANGO_SECURE_COOKIES": ("true", "2"),
    "DJANGO_HSTS_SECONDS": ("3600", "-5"),
    "DJANGO_SESSION_AGE": ("3600", "10"),
    "DJANGO_EMAIL_BACKEND": ("django.core.mail.backends.smtp.EmailBackend", "no.such.Backend"),
    "DJANGO_EMAIL_HOST": ("smtp.example.org", "smtp example org"),
    "DJANGO_EMAIL_PORT": ("587", "0"),
    "DJANGO_EMAIL_HOST_USER": ("mailer", None),
    "DJANGO_EMAIL_HOST_PASSWORD": ("s3cret", None),
    "DJANGO_EMAIL_USE_TLS": ("true", "tls"),
    "DJANGO_EMAIL_TIMEOUT": ("5", "soon"),
    "DJANGO_DEFAULT_FROM_EMAIL": ("Decision Log <adr@example.org>", "nobody"),
    "DJANGO_LOGIN_FAILURE_LIMIT": ("10", "0"),
    "DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT": ("100", "2"),
    "DJANGO_LOGIN_LOCKOUT_MINUTES": ("30", "-1"),
    "DJANGO_PROXY_COUNT": ("1", "one"),
    "DECISION_LOG_URL": ("https://adr.example.org", "adr.example.org"),
    "REDIS_URL": ("redis://127.0.0.1:6379/15", "http://127.0.0.1:6379"),
    "DECISION_OIDC_ISSUER": ("https://sso.example.org/realms/eng", "sso.example.org"),
    "DECISION_OIDC_CLIENT_ID": ("decision-log", None),
    "DECISION_OIDC_CLIENT_SECRET": ("s3cret", None),
    "DECISION_OIDC_SCOPES": ("openid email", None),
    "DECISION_OIDC_PROVIDER_NAME": ("Engineering SSO", None),
    "DECISION_OIDC_GROUPS_CLAIM": ("roles", None),
    "DECISION_OIDC_ARCHITECT_GROUPS": ("architects,platform", None),
    "DECISION_OIDC_REVIEWER_GROUPS": ("reviewers", None),
    "DECISION_OIDC_VIEWER_GROUPS": ("everyone", None),
    "DECISION_OIDC_WITHOUT_GROUP": ("refuse", "ignore"),
    "DECISION_LOCAL_ACCOUNTS": ("false", "nope"),
    "DECISION_WEBHOOKS_ALLOW_PRIVATE": ("true", "sometimes"),
    "DECISION_CONTRACT_NOTICE_SECRET": ("a-shared-secret-of-some-length", "short"),
    "DECISION_REVIEW_MIN_APPROVALS": ("2", "-1"),
    "DECISION_OVERVIEW_CACHE_SECONDS": ("30", "half a minute"),
    "DECISION_LOG_CACHE_SECONDS": ("120", "two minutes"),
    "DJANGO_TIME_ZONE": ("Europe/Paris", "Mars/Olympus_Mons"),
    "DJANGO_LOG_LEVEL": ("WARNING", "LOUD"),
    "WHITENOISE_USE_FINDERS": ("true", "perhaps"),
}
NO_BAD_VALUE = {"DJANGO_EMAIL_HOST_USER", "DJANGO_EMAIL_HOST_PASSWORD"}  # any text is a user name or a password
NO_BAD_VALUE |= {name for name, (_, bad) in VALUES.items() if bad is None}
# What a variable needs beside it to mean anything (single sign-on needs its client).
CLIENT = {"DECISION_OIDC_ISSUER": "https://sso.example.org/realms/eng", "DECISION_OIDC_CLIENT_ID": "decision-log",
          "DECISION_OIDC_CLIENT_SECRET": "s3cret"}  # fmt: skip
COMPANIONS = {"DECISION_OIDC_ISSUER": CLIENT, "DECISION_LOCAL_ACCOUNTS": CLIENT}
MAKE_ONLY = {"PORT"}  # read by `make run`, not by the app


def readme_variables() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def start(tmp_path, **env) -> subprocess.CompletedProcess:
    """Start the app in a new process with DEBUG off and only these variables set (beyond a secret
    key and a SQLite file of its own), migrating an empty database."""
    base = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    base |= {"DJANGO_SECRET_KEY": SECRET, "SQLITE_PATH": str(tmp_path / "matrix.sqlite3"), "MATRIX_MIGRATE": "1"}
    base |= {key: value.format(tmp=tmp_path) for key, value in env.items()}
    base.pop("PYTEST_CURRENT_TEST", None)
    return subprocess.run(  # noqa: S603 # nosec B603
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def test_the_readme_and_this_matrix_list_the_same_variables():
    assert readme_variables() == VALUES.keys() | MAKE_ONLY


def test_the_settings_read_no_variable_the_readme_does_not_list():
    code = (ROOT / "adr_app" / "settings.py").read_text()
    read = set(re.findall(r"""env_\w+\(\s*["']([A-Z][A-Z0-9_]+)["']""", code))
    read |= set(re.findall(r"""environ\.get\(\s*["']([A-Z][A-Z0-9_]+)["']""", code))
    assert read <= VALUES.keys(), read - VALUES.keys()


@pytest.fixture(scope="session")
def migrated(tmp_path_factory) -> Path:
    """An empty database migrated once, by the same script: each good value starts on a copy, and
    its own `migrate` finds nothing left to do (40 full migrations took some 4 s each)."""
    folder = tmp_path_factory.mktemp("matrix-template")
    result = start(folder)
    assert result.returncode == 0, result.stderr[-2000:]
    return folder / "matrix.sqlite3"


@pytest.mark.parametrize("name", sorted(VALUES))
def test_a_good_value_starts_the_app(tmp_path, migrated, name):
    for suffix in ("", "-wal"):  # what the write-ahead log still holds, if it was not checkpointed
        if migrated.with_name(migrated.name + suffix).exists():
            shutil.copy(migrated.with_name(migrated.name + suffix), tmp_path / f"matrix.sqlite3{suffix}")
    result = start(tmp_path, **(COMPANIONS.get(name, {}) | {name: VALUES[name][0]}))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "healthz 200" in result.stdout


@pytest.mark.parametrize("name", sorted(VALUES.keys() - NO_BAD_VALUE))
def test_a_bad_value_is_a_plain_error_naming_the_variable(tmp_path, name):
    result = start(tmp_path, **(COMPANIONS.get(name, {}) | {name: VALUES[name][1]}))
    assert result.returncode != 0
    assert result.stderr.startswith("Decision Log cannot start:"), result.stderr[-2000:]
    assert name in result.stderr or (name == "SQLITE_PATH" and "SQLITE_PATH" in result.stderr)
    assert "Traceback" not in result.stderr


def test_production_defaults_say_what_is_required(tmp_path):
    result = start(tmp_path, DJANGO_SECRET_KEY="")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "DJANGO_SECRET_KEY is not set" in result.stderr and "DJANGO_ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize("query", ["", "?sslmode=disable", "?options=-c%20statement_timeout%3D5000"])
def test_a_postgresql_url_with_and_without_its_own_options_serves_the_app(tmp_path, query):
    psycopg = pytest.importorskip("psycopg")
    name = f"dl_matrix_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(PG + "postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            result = start(tmp_path, DATABASE_URL=PG + name + query)
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    assert result.returncode == 0, result.stderr[-2000:]
    assert "healthz 200" in result.stdout
