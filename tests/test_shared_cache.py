"""One cache for every app server: two processes, as two app servers would be, see the same
entries and the same overview, with the database's cache (on this pass's database) and with Redis."""

import os
import subprocess  # nosec B404 (runs this checkout's own Python on a fixed script)
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
import redis
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
SECRET = "shared-cache-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
REDIS = "redis://127.0.0.1:6379/15"
# One app server: migrate when asked, then write or read the cache and the overview's figures.
SCRIPT = """
import os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adr_app.settings")
django.setup()
from django.core.cache import cache
from django.core.management import call_command
if os.environ.get("SHARED_MIGRATE"):
    call_command("migrate", "--noinput", "-v0")
from decisions.overview import overview_figures
if sys.argv[1] == "write":
    cache.set("shared-check", os.environ["SHARED_VALUE"], 60)
print("value", cache.get("shared-check"))
print("figures", overview_figures()["now"].isoformat())
"""


def _server(step: str, env: dict) -> list[str]:
    base = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    base |= {"DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": "localhost", "DECISION_OVERVIEW_CACHE_SECONDS": "60"}
    base.pop("PYTEST_CURRENT_TEST", None)
    result = subprocess.run(  # noqa: S603 # nosec B603
        [sys.executable, "-c", SCRIPT, step], cwd=ROOT, env=base | env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.splitlines()


@pytest.fixture
def database(tmp_path):
    """A database of its own on this pass's engine, so the suite's test database is left alone."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield {"SQLITE_PATH": str(tmp_path / "shared.sqlite3")}
        return
    name = f"shared_cache_{uuid.uuid4().hex[:8]}"
    server = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        yield {"DATABASE_URL": f"{server}/{name}"}
        admin.execute(f'DROP DATABASE "{name}"')


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            raise
        pytest.skip("no Redis on 127.0.0.1:6379")


@pytest.mark.parametrize("store", ["database", "redis"])
def test_two_app_servers_share_one_cache_and_one_overview(database, store):
    env = database | {"SHARED_MIGRATE": "1"}
    if store == "redis":
        _redis_or_skip()
        redis.Redis.from_url(REDIS).flushdb()
        env["REDIS_URL"] = REDIS
    value = uuid.uuid4().hex
    first = _server("write", env | {"SHARED_VALUE": value})
    second = _server("read", {key: item for key, item in env.items() if key != "SHARED_MIGRATE"})
    assert first[0] == second[0] == f"value {value}"
    assert first[1] == second[1]  # the second server read the first one's figures, not its own


@pytest.mark.django_db
def test_the_database_cache_keeps_sets_in_one_statement_and_culls_as_django_does(settings, django_assert_num_queries):
    from django.core.cache import caches

    settings.CACHES = {"default": {"BACKEND": "adr_app.cache.DatabaseCache", "LOCATION": "decision_log_cache",
                                   "OPTIONS": {"MAX_ENTRIES": 4, "CULL_FREQUENCY": 2}}}  # fmt: skip
    cache = caches.create_connection("default")
    cache.clear()
    with django_assert_num_queries(1):  # one upsert, which returns the count
        cache.set("page", ("v1", "<p>one</p>"), 60)
    cache.set("page", ("v2", "<p>two</p>"), 60)
    cache.set("forever", 1, None)
    assert cache.get("page") == ("v2", "<p>two</p>") and cache.get("forever") == 1
    cache.set("gone", 1, -1)
    assert cache.get("gone", "missing") == "missing" and not cache.add("page", "other") and cache.add("gone", 2)
    for n in range(6):
        cache.set(f"more-{n}", n, 60)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM decision_log_cache")
        assert cursor.fetchone()[0] <= 5, "culled once the table holds more than MAX_ENTRIES"
    assert cache.get("more-5") == 5
