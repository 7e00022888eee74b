import json
from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from decisions import roles
from decisions.management.commands import benchmark_scale
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
def test_the_benchmark_builds_a_small_log_and_prints_its_table(settings, tmp_path):
    roles.sync_roles(Group, Permission)  # an earlier transactional test may have flushed the migration's groups
    out = StringIO()
    call_command(
        "run_benchmark", "--decisions", "60", "--flows", "20", "--services", "10", "--comments", "120", "--runs", "2",
        "--json", str(tmp_path / "figures.json"), stdout=out,
    )  # fmt: skip
    table = out.getvalue()
    for page in ("floor: 25 rows + join", "log, first page (kept)", "log, worked out", "log, page 1,000",
                 "search, one word (8%)", "search, one word, nothing kept", "the three searches in turn",
                 "decision, 50 comments, worked out",
                 "decision, 50 comments (kept)", "overview", "flow map", "live recommendation panel"):  # fmt: skip
        assert f"| {page}" in table
    figures = json.loads((tmp_path / "figures.json").read_text())
    assert figures["decisions"] == 60 and len(figures["pages"]) == table.count("\n| ") - 1
    common = next(page for page in figures["pages"] if page["page"] == "search, common word (48%)")
    assert 0 < common["matches"]["ranked"] <= common["matches"]["matching"] <= 60


def test_the_scale_benchmark_prints_both_sizes_side_by_side():
    def figures(decisions, p50, matching):
        return {"decisions": decisions, "pages": [
            {"page": "log, first page (kept)", "p50": p50, "p95": p50 + 1, "queries": 5, "matches": None},
            {"page": "search, one word (8%)", "p50": p50 * 2, "p95": p50 * 2 + 1, "queries": 16,
             "matches": {"matching": matching, "ranked": min(matching, 2000)}},
        ]}  # fmt: skip

    out = StringIO()
    command = benchmark_scale.Command(stdout=out)
    command._print(figures(10_000, 3.0, 800), figures(100_000, 3.3, 8000))
    rows = out.getvalue().splitlines()
    assert "the same pages at 10,000 and 100,000 decisions" in out.getvalue()
    cells = [cell.strip() for cell in rows[-2].split("|")[1:7]]
    assert cells == ["log, first page (kept)", "3.0", "4.0", "3.3", "4.3", "1.10"]
    assert "800 of 800 → 2,000 of 8,000" in rows[-1]
