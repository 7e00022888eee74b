from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from decisions import roles
from decisions.models import SearchDocument, StyleTally
from tests.factories import AssessedDecisionFactory, DecisionFactory

pytestmark = pytest.mark.django_db


def test_rebuild_search_index_indexes_every_decision_with_progress():
    DecisionFactory.create_batch(3)
    SearchDocument.objects.all().delete()
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert SearchDocument.objects.count() == 3
    assert "Indexing decisions [" in out.getvalue() and "3/3" in out.getvalue()
    assert "Indexed 3 decisions." in out.getvalue()


def test_rebuild_overview_counts_the_tallies_again():
    AssessedDecisionFactory.create_batch(2, style="event", status="accepted")
    StyleTally.objects.all().delete()  # as after a restore, or a change made in SQL
    out = StringIO()
    call_command("rebuild_overview", stdout=out)
    assert sum(StyleTally.objects.filter(kind="team").values_list("decided", flat=True)) == 2
    assert "Counted the overview's tallies again." in out.getvalue()


@pytest.mark.django_db(transaction=True)  # as it runs for real: PostgreSQL's VACUUM refuses a transaction
def test_the_benchmark_builds_a_small_log_and_prints_its_table(settings):
    roles.sync_roles(Group, Permission)  # an earlier transactional test may have flushed the migration's groups
    out = StringIO()
    call_command(
        "run_benchmark", "--decisions", "60", "--flows", "20", "--services", "10", "--comments", "120", "--runs", "2",
        stdout=out,
    )  # fmt: skip
    table = out.getvalue()
    for page in ("log, first page (kept)", "log, worked out", "log, page 1,000", "search, one word (8%)",
                 "decision, 50 comments, worked out", "decision, 50 comments (kept)", "overview", "flow map",
                 "live recommendation panel"):  # fmt: skip
        assert f"| {page}" in table
