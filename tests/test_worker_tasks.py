"""The worker's side: the queue's health check, the tallies' task run twice, rebuilds left to a worker."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from decisions import overview, workflow
from decisions.models import StyleTally
from tests.conftest import DATABASE_QUEUE
from tests.factories import AssessedDecisionFactory

pytestmark = pytest.mark.django_db


def test_the_queue_check_says_how_long_work_has_waited(client, settings, architect):
    assert client.get("/healthz/queue/").json() == {"waiting": 0, "running": 0, "oldest_waiting_seconds": 0.0}
    settings.TASKS = DATABASE_QUEUE
    workflow.import_job_queue(upload=b"", filename="a.zip", collection="c", skip_broken=False, by=architect)
    fresh = client.get("/healthz/queue/")
    assert fresh.status_code == 200 and fresh.json()["waiting"] == 1
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(minutes=5))
    late = client.get("/healthz/queue/")
    assert late.status_code == 503 and late.json()["oldest_waiting_seconds"] >= 299


def test_the_tally_task_is_idempotent():
    AssessedDecisionFactory.create_batch(2, style="event", status="accepted")
    counted = sorted(StyleTally.objects.values_list("kind", "key", "style", "decided"))
    quarters = sorted({key for kind, key, *_ in counted if kind == "quarter"})
    overview.tally_task.call(quarters, [])
    overview.tally_task.call(quarters, [])
    assert sorted(StyleTally.objects.values_list("kind", "key", "style", "decided")) == counted


def test_rebuilds_can_be_left_to_a_worker(settings, capsys):
    settings.TASKS = DATABASE_QUEUE
    call_command("rebuild_search_index", "--in-worker")
    call_command("rebuild_overview", "--in-worker")
    paths = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths == {"decisions.search.index_all_task", "decisions.overview.tally_rebuild_task"}
    assert capsys.readouterr().out.count("Queued: a worker will") == 2
