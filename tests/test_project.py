"""Settings, migrations, admin, error pages and the demo command."""

import datetime
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import OperationalError, connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from decisions import search, workflow
from decisions.models import Decision, Flow, SearchDocument, Service, Team
from tests.factories import CommentFactory, DecisionFactory, UserFactory


def _python(code: str, **env) -> subprocess.CompletedProcess:
    """Run our code in a fresh interpreter, with only the DJANGO_ settings given here."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | env
    return subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=False)  # noqa: S603


def _import_settings(**env) -> subprocess.CompletedProcess:
    return _python("import adr_app.settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'])", **env)


def test_production_refuses_to_start_without_a_secret_key():
    result = _import_settings(DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_a_nonsense_boolean_is_a_clear_error():
    result = _import_settings(DJANGO_DEBUG="maybe")
    assert "Unexpected value DJANGO_DEBUG='maybe'" in result.stderr


def test_database_url_selects_postgresql():
    result = _import_settings(DJANGO_SECRET_KEY="k" * 40, DATABASE_URL="postgres://u@db:5432/x")
    assert result.stdout.split() == ["False", "django.db.backends.postgresql"]
    result = _import_settings(DJANGO_SECRET_KEY="k" * 40, DATABASE_URL="")
    assert result.stdout.split() == ["False", "django.db.backends.sqlite3"]


@pytest.mark.django_db
def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_load_demo_builds_the_organisation_once():
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "Demo data loaded." in out.getvalue()
    assert Team.objects.count() >= 5 and Service.objects.count() >= 15 and Flow.objects.count() >= 12
    assert Decision.objects.count() >= 25
    assert set(Decision.objects.values_list("status", flat=True)) == {s.value for s in Decision.Status}
    assert {"sync", "command", "event", ""} <= set(Decision.objects.values_list("style", flat=True))
    moved = Decision.objects.get(title__startswith="Publish OrderPlaced")
    assert moved.supersedes.style == "command" and moved.supersedes.status == "superseded"
    revisions = [d.history.count() for d in Decision.objects.all()]
    assert min(revisions) >= 1 and max(revisions) >= 3
    assert all(d.recommendation for d in Decision.objects.exclude(flow=None))
    a_day_ago = timezone.now() - datetime.timedelta(days=1)
    assert not Decision.objects.filter(status="proposed", status_changed_at__gt=a_day_ago).exists()  # backdated too
    for username in ("architect", "reviewer", "manager"):
        response = Client().post(reverse("login"), {"username": username, "password": "demo"})
        assert response.status_code == 302, username
    counts = (Decision.objects.count(), Decision.history.count(), User.objects.count())
    call_command("load_demo", stdout=out)
    assert "already loaded; nothing changed" in out.getvalue()
    assert counts == (Decision.objects.count(), Decision.history.count(), User.objects.count())


@pytest.mark.django_db
def test_load_demo_leaves_a_database_with_real_data_alone():
    DecisionFactory()
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "the demo was not loaded" in out.getvalue()
    assert not User.objects.filter(username="architect").exists()


@pytest.mark.django_db
def test_the_admin_never_deletes_decisions():
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    decision = DecisionFactory()
    assert client.get(reverse("admin:decisions_decision_change", args=[decision.pk])).status_code == 200
    assert client.get(reverse("admin:decisions_decision_delete", args=[decision.pk])).status_code == 403
    response = client.post(
        reverse("admin:decisions_decision_changelist"), {"action": "delete_selected", "_selected_action": [decision.pk]}
    )
    assert response.status_code in (200, 302)
    assert Decision.objects.filter(pk=decision.pk).exists()
    for model in ("team", "service", "flow", "decision", "counter", "comment", "transition", "reviewrequest",
                  "review", "notification", "searchdocument", "decisionlink", "apitoken"):  # fmt: skip
        assert client.get(reverse(f"admin:decisions_{model}_changelist")).status_code == 200, model
    comment = CommentFactory(decision=decision)
    assert client.get(reverse("admin:decisions_comment_change", args=[comment.pk])).status_code == 200
    assert client.get(reverse("admin:decisions_comment_delete", args=[comment.pk])).status_code == 403


@pytest.mark.django_db
def test_a_server_error_shows_the_friendly_page(architect, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(architect)

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("decisions.log.LogPaginator.page", explode)
    response = client.get(reverse("decision_list"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def _database_down(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


@pytest.mark.django_db
def test_a_database_outage_gives_a_503_page_that_needs_no_database(architect, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(architect)
    monkeypatch.setattr("decisions.log.LogPaginator.page", _database_down)
    response = client.get(reverse("decision_list"))
    assert response.status_code == 503 and response["Retry-After"] == "10"
    page = response.content.decode()
    assert "The decision log is back in a moment" in page and "it was not saved" in page


@pytest.mark.django_db
def test_an_outage_before_the_view_runs_is_a_503_too(monkeypatch):
    """Sessions and users are read by middleware, before any view."""
    client = Client(raise_request_exception=False)
    monkeypatch.setattr("django.contrib.auth.middleware.auth.get_user", _database_down)
    response = client.get(reverse("decision_list"))
    assert response.status_code == 503


@pytest.mark.django_db
def test_an_outage_under_the_api_is_a_json_503(architect, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(architect)
    monkeypatch.setattr("decisions.log.LogPaginator.page", _database_down)
    response = client.get("/api/decisions")
    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert "nothing was saved" in response.json()["detail"]


@pytest.mark.django_db
def test_the_health_check_reports_the_database(client, monkeypatch):
    assert client.get("/healthz/").content == b"ok\n"
    monkeypatch.setattr("adr_app.views.connection.cursor", _database_down)
    response = client.get("/healthz/")
    assert response.status_code == 503 and response.content == b"database unavailable\n"


@pytest.mark.parametrize("version", [(3, 34, 1), (3, 35, 0)])
def test_check_says_when_the_sqlite_in_use_is_too_old(monkeypatch, version):
    monkeypatch.setattr("sqlite3.sqlite_version_info", version)
    monkeypatch.setattr("sqlite3.sqlite_version", ".".join(map(str, version)))
    found = [message for message in checks.run_checks() if message.id == "decisions.E001"]
    if version < (3, 35) and connection.vendor == "sqlite":
        assert len(found) == 1 and "is 3.34.1; Decision Log needs 3.35 or newer" in found[0].msg
        with pytest.raises(SystemCheckError, match="decisions.E001"):
            call_command("check")
    else:
        assert found == [], "new enough, or not in use (PostgreSQL)"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner statistics")
def test_migrate_leaves_sqlite_with_planner_statistics():
    DecisionFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")  # as after a migration rebuilt the table
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'decisions_decision'")
        assert cursor.fetchone()[0] > 0
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl LIKE 'decisions_search_fts%'")
        assert cursor.fetchone()[0] == 0, "figures for the full-text index's own tables slow its writes"


@pytest.mark.django_db(transaction=True)
def test_the_revision_migration_fills_every_digest_and_search_stays_current(architect):
    """0035 on a log with data: every document gets its digest, and on SQLite the FTS5 triggers, lost
    when adding the column rebuilds the table, are made again (the index follows later changes)."""
    decision = DecisionFactory(title="Before the migration", context="ledger entries")
    search.index_decisions([decision.pk])
    executor = MigrationExecutor(connection)
    executor.migrate([("decisions", "0034_decision_search_join")])
    executor.loader.build_graph()
    executor.migrate([("decisions", "0035_searchdocument_revision")])
    document = SearchDocument.objects.get(pk=decision.pk)
    assert document.revision == search.revision(document.title, document.body)
    workflow.comment_post(decision=decision, by=architect, body="zeppelin")
    found = search.search(Decision.objects.all(), "zeppelin")
    assert [d.pk for d in found] == [decision.pk], "the index follows a change made after the migration"


def test_a_server_process_keeps_what_it_loaded_out_of_full_garbage_collections():
    started = _python("import gc, adr_app.wsgi; print(gc.get_freeze_count())", DJANGO_DEBUG="true")
    assert int(started.stdout) > 10_000


def test_postgresql_connections_run_without_parallel_workers():
    code = "import adr_app.settings as s; print(s.DATABASES['default']['OPTIONS']['options'])"
    imported = _python(code, DJANGO_DEBUG="true", DATABASE_URL="postgres://postgres@127.0.0.1:5432/anything")
    assert imported.stdout.strip() == "-c max_parallel_workers_per_gather=0"
    url = "postgres://postgres@127.0.0.1:5432/anything?options=-c%20work_mem%3D8MB"
    imported = _python(code, DJANGO_DEBUG="true", DATABASE_URL=url)
    assert imported.stdout.strip() == "-c work_mem=8MB -c max_parallel_workers_per_gather=0"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_the_postgresql_connection_has_no_parallel_workers():
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL index")
def test_the_search_terms_have_block_ranges_of_their_decision_ids():
    """What the newest-matches window of a search without filters is read by (migration 0036)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'searchterms_decision_ranges'")
        (definition,) = cursor.fetchone()
    assert "USING brin (decision_id)" in definition
    assert "pages_per_range='8'" in definition
