"""Large imports run as jobs: the upload is kept, a worker imports it, the page shows progress and then the report."""

import datetime
import io
import time
import zipfile

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from decisions import workflow
from decisions.adr_files import importer
from decisions.models import Decision, ImportJob
from tests.conftest import DATABASE_QUEUE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _zip(count: int) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(1, count + 1):
            text = f"# {n}. Choice {n}\n\n## Status\n\nAccepted\n\n## Context\n\nWhy {n}.\n"
            archive.writestr(f"adr/{n:04}-choice-{n}.md", text)
    buffer.seek(0)
    buffer.name = "team-adrs.zip"
    return buffer


def test_a_large_upload_becomes_a_job_and_its_page_shows_the_report(architect_client, architect):
    response = architect_client.post(reverse("adr_import"), {"files": _zip(250)})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert (job.state, job.created_by, job.collection) == ("done", architect, "team-adrs")
    assert (job.done, job.total) == (250, 250)
    assert bytes(job.upload) == b""  # the bytes go once it has run
    page = architect_client.get(job.get_absolute_url()).content.decode()
    assert "250 imported" in page and "every 1s" not in page  # finished: the page stops asking
    assert Decision.objects.count() == 250
    assert "team-adrs.zip" in architect_client.get(reverse("adr_import")).content.decode()


def test_a_small_upload_is_imported_in_the_request(architect_client):
    page = architect_client.post(reverse("adr_import"), {"files": _zip(3)}).content.decode()
    assert "3 imported" in page and not ImportJob.objects.exists()


def test_a_job_that_cannot_be_unpacked_fails_with_the_reason_and_imports_nothing(architect):
    job = workflow.import_job_queue(upload=b"PK\x03\x04 not a zip" * 10, filename="broken.zip", collection="c",
                                    skip_broken=False, by=architect)  # fmt: skip
    job.refresh_from_db()
    assert job.state == "failed" and "not a valid zip" in job.error and not Decision.objects.exists()


def test_a_running_job_page_asks_again_each_second_and_shows_its_count(architect, architect_client):
    job = ImportJob.objects.create(created_by=architect, filename="big.zip", collection="c", upload=b"",
                                   state="running", phase=workflow.SAVING, done=120, total=400)  # fmt: skip
    page = architect_client.get(job.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' in page and "120 of 400" in page and 'max="400" value="120"' in page
    fragment = architect_client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="job-status"') and "<html" not in fragment


def test_a_job_is_its_authors_only(architect, reviewer_client):
    job = ImportJob.objects.create(created_by=architect, filename="x.zip", collection="c", upload=b"")
    assert reviewer_client.get(job.get_absolute_url()).status_code == 403  # reviewers do not import
    other = Client()
    other.force_login(UserFactory(username="ari", role="Architects"))
    assert other.get(job.get_absolute_url()).status_code == 404


def test_running_a_finished_job_again_changes_nothing(architect):
    job = workflow.import_job_queue(upload=_zip(2).getvalue(), filename="a.zip", collection="c", skip_broken=False,
                                    by=architect)  # fmt: skip
    workflow.import_job_run.call(job.pk)
    assert Decision.objects.count() == 2 and Decision.history.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_a_queued_job(settings, architect):
    settings.TASKS = DATABASE_QUEUE
    job = workflow.import_job_queue(upload=_zip(5).getvalue(), filename="a.zip", collection="c", skip_broken=False,
                                    by=architect)  # fmt: skip
    job.refresh_from_db()
    assert job.state == "queued" and not Decision.objects.exists()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")
    job.refresh_from_db()
    assert job.state == "done" and Decision.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_the_count_is_readable_while_the_import_is_still_saving(architect):
    job = ImportJob.objects.create(created_by=architect, filename="x.zip", collection="c", upload=b"")
    progress = workflow._JobProgress(job.pk)
    progress.phase(workflow.SAVING, 10)  # outside the import's transaction: written on every database
    onlooker = connections.create_connection("default")
    try:
        with transaction.atomic():
            progress.advance(3)
            with onlooker.cursor() as cursor:
                cursor.execute("SELECT phase, done, total FROM decisions_importjob WHERE id = %s", [job.pk])
                seen = cursor.fetchone()
    finally:
        progress.close()
        onlooker.close()
    expected_done = 3 if connections["default"].vendor == "postgresql" else 0  # SQLite: one writer at a time
    assert seen == (workflow.SAVING, expected_done, 10)


def test_the_command_line_shows_both_phases(tmp_path, capsys):
    folder = tmp_path / "adr"
    folder.mkdir()
    for path, data in importer.read_zip(_zip(3)):
        (folder / path).write_bytes(data)
    call_command("import_adrs", str(folder))
    out = capsys.readouterr().out
    assert workflow.READING in out and workflow.SAVING in out and "3 imported" in out


@pytest.mark.django_db(transaction=True)
def test_a_5000_file_upload_answers_at_once_and_the_worker_imports_it(settings, architect):
    settings.TASKS = DATABASE_QUEUE
    client = Client()
    client.force_login(architect)
    started = time.perf_counter()
    response = client.post(reverse("adr_import"), {"files": _zip(4_999)})
    answered_in = time.perf_counter() - started
    job = ImportJob.objects.get()
    assert response.status_code == 302 and answered_in < 5, answered_in  # gunicorn's time-out is 30 s
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Waiting for a worker" in page and 'hx-trigger="every 1s"' in page
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == ("done", 4_999, 4_999)
    assert Decision.objects.count() == 4_999
    assert "4999 imported" in client.get(job.get_absolute_url()).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_task_a_dead_worker_left_running_is_given_back_and_run(settings, architect):
    settings.TASKS = DATABASE_QUEUE
    job = workflow.import_job_queue(upload=_zip(2).getvalue(), filename="a.zip", collection="c", skip_broken=False,
                                    by=architect)  # fmt: skip
    left = DBTaskResult.objects.get()
    left.claim("a-worker-that-was-killed")  # RUNNING, as SIGKILL leaves it
    DBTaskResult.objects.filter(pk=left.pk).update(started_at=timezone.now() - datetime.timedelta(minutes=11))
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")
    job.refresh_from_db()
    assert job.state == "done" and Decision.objects.count() == 2
    recent = workflow.import_job_queue(upload=_zip(1).getvalue(), filename="b.zip", collection="d",
                                       skip_broken=False, by=architect)  # fmt: skip
    DBTaskResult.objects.filter(status="READY").get().claim("a-worker-still-busy")
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")
    recent.refresh_from_db()
    assert recent.state == "queued"  # a task started a moment ago is not taken from its worker
