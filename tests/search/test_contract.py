"""One results contract for every search backend; the suite runs it on SQLite and on PostgreSQL."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from decisions import roles, search, workflow
from decisions.log import log_paginator, log_results
from decisions.models import Decision, SearchDocument, SearchTerms
from decisions.search import postgres, query
from tests.factories import AssessedDecisionFactory, DecisionFactory, FlowFactory, ServiceFactory, UserFactory, accepted

pytestmark = pytest.mark.django_db


def index(*decisions):
    search.index_decisions([d.pk for d in decisions])


def titles(text, queryset=None, order="-rank"):
    results = search.search(queryset if queryset is not None else Decision.objects.all(), text)
    return [d.title for d in results.order_by(order, "-number")]


@pytest.fixture
def library():
    made = [
        DecisionFactory(title="Publish OrderPlaced as an event", context="Billing and shipping react to orders."),
        DecisionFactory(title="Send invoices with a command", context="Billing orchestrates the invoice flow."),
        DecisionFactory(title="Kafka retention", context="Events are kept for seven days on the event backbone."),
        DecisionFactory(title="Authorise payments synchronously", context="The customer waits for the gateway."),
    ]
    index(*made)
    return made


def test_words_must_all_match(library):
    assert titles("billing orders") == ["Publish OrderPlaced as an event"]


def test_a_title_match_ranks_above_a_body_match(library):
    assert titles("event")[0] == "Publish OrderPlaced as an event"
    assert set(titles("event")) == {"Publish OrderPlaced as an event", "Kafka retention"}


def test_words_are_stemmed(library):
    assert "Publish OrderPlaced as an event" in titles("events")
    assert titles("orchestrating") == ["Send invoices with a command"]


def test_quoted_phrases_match_in_order(library):
    assert titles('"event backbone"') == ["Kafka retention"]
    assert titles('"backbone event"') == []


def test_minus_excludes_words_and_phrases(library):
    assert titles("billing -invoice") == ["Publish OrderPlaced as an event"]
    assert titles('event -"seven days"') == ["Publish OrderPlaced as an event"]


def test_or_widens_a_term(library):
    assert set(titles("kafka OR gateway")) == {"Kafka retention", "Authorise payments synchronously"}
    assert titles("billing command OR kafka") == ["Send invoices with a command"]


def test_only_exclusions_match_everything_else(library):
    assert set(titles("-billing")) == {"Kafka retention", "Authorise payments synchronously"}


def test_search_combines_with_other_filters(library):
    library[2].style = "event"
    library[2].save()
    assert titles("event", Decision.objects.filter(style="event")) == ["Kafka retention"]


@pytest.mark.parametrize("text", ["", "   ", '""', "OR", "-", "!!!", "' OR 1=1 --", 'a" NEAR(b', "*", "^x", "NOT"])
def test_odd_queries_never_fail(library, text):
    list(search.search(Decision.objects.all(), text))
    search.snippets(text, [d.pk for d in library])


def test_reasons_justifications_tags_and_comments_are_found(architect):
    decision = AssessedDecisionFactory(
        title="Plain title", visibility_reason="Support needs tracing", justification="Decoupling wins",
        tags="payments,kafka",
    )  # fmt: skip
    index(decision)
    for text in ("tracing", "decoupling", "payments"):
        assert titles(text) == ["Plain title"], text
    workflow.comment_post(decision=decision, by=architect, body="What about idempotency keys?")
    assert titles("idempotency") == ["Plain title"]


def test_flow_and_service_names_are_found_and_kept_current():
    flow = FlowFactory(name="Order placed", producer=ServiceFactory(name="checkout-api"))
    decision = DecisionFactory(flow=flow, title="About the order flow")
    index(decision)
    assert titles("checkout") == ["About the order flow"]
    flow.name = "Basket submitted"
    workflow.flow_save(flow=flow, consumers=flow.consumers.all())
    assert titles("basket") == ["About the order flow"]
    producer = flow.producer
    producer.name = "basket-api"
    workflow.service_save(service=producer)
    assert titles("basket-api") == ["About the order flow"]


def test_a_retracted_comment_is_no_longer_found(architect):
    decision = DecisionFactory(title="Retraction")
    comment = workflow.comment_post(decision=decision, by=architect, body="zebra crossing")
    assert titles("zebra") == ["Retraction"]
    workflow.comment_retract(comment=comment, by=architect)
    assert titles("zebra") == []


def test_snippets_highlight_the_matching_words(library):
    excerpts = search.snippets("billing", [library[0].pk])
    assert "<mark>Billing</mark>" in excerpts[library[0].pk]


def test_snippets_never_carry_markup_from_the_text():
    decision = DecisionFactory(title="Hostile", context='<script>alert("x")</script> billing <img src=x onerror=y>')
    index(decision)
    excerpt = search.snippets("billing", [decision.pk])[decision.pk]
    assert "<script" not in excerpt and "<img" not in excerpt
    assert "&lt;img" in excerpt and "<mark>billing</mark>" in excerpt


def test_a_search_document_carries_a_revision_of_its_text(architect):
    decision = DecisionFactory(title="Revised", context="billing")
    index(decision)
    document = SearchDocument.objects.get(pk=decision.pk)
    assert document.revision == search.revision(document.title, document.body) and len(document.revision) == 16
    workflow.comment_post(decision=decision, by=architect, body="A comment changes the text")
    assert SearchDocument.objects.get(pk=decision.pk).revision != document.revision
    assert search.revision("a", "b") != search.revision("a", "c")
    assert search.revision("ab", "c") != search.revision("a", "bc"), "the title ends where the body starts"


def test_excerpts_are_kept_by_the_query_and_their_texts_revisions(
    settings, monkeypatch, architect, django_assert_num_queries
):
    settings.DECISION_LOG_CACHE_SECONDS = 60
    made = [DecisionFactory(title=f"Kept {n}", context=f"Billing words {n}.") for n in range(2)]
    other = DecisionFactory(title="Elsewhere", context="billing too")
    index(*made, other)
    backend, worked_out = search._backend(), []
    monkeypatch.setattr(backend, "snippets", spy(backend.snippets, worked_out))
    ids = [d.pk for d in made]
    first = search.snippets("billing", ids)
    assert search.snippets("billing", reversed(ids)) == first and len(worked_out) == 1
    read_with_rows = dict(SearchDocument.objects.filter(pk__in=ids).values_list("pk", "revision"))
    with django_assert_num_queries(1):  # the cache's read alone: the same key, no digests asked
        assert search.snippets("billing", ids, revisions=read_with_rows) == first and len(worked_out) == 1
    workflow.comment_post(decision=other, by=architect, body="billing, a change elsewhere")
    assert search.snippets("billing", ids) == first and len(worked_out) == 1, "kept through a change elsewhere"
    search.snippets("billing words", ids)
    assert len(worked_out) == 2, "another query, other excerpts"
    workflow.comment_post(decision=made[0], by=architect, body="billing, written after")
    assert "written after" in search.snippets("billing", ids)[made[0].pk] and len(worked_out) == 3


def test_excerpts_are_worked_out_every_time_when_keeping_is_off(monkeypatch, django_assert_num_queries):
    decision = DecisionFactory(title="Not kept", context="billing")
    index(decision)
    backend, worked_out = search._backend(), []
    monkeypatch.setattr(backend, "snippets", spy(backend.snippets, worked_out))
    for _ in range(2):
        with django_assert_num_queries(1):  # the excerpts alone: no revisions asked, nothing kept
            assert "<mark>billing</mark>" in search.snippets("billing", [decision.pk])[decision.pk]
    assert len(worked_out) == 2


def test_the_private_markers_cannot_be_smuggled_in():
    decision = DecisionFactory(title="Markers", context=f"{search.MARK_START}billing{search.MARK_END} <b>")
    index(decision)
    excerpt = search.snippets("billing", [decision.pk])[decision.pk]
    assert excerpt.count("<mark>") == 1 and "<b>" not in excerpt


@pytest.mark.skipif(connection.vendor != "postgresql", reason="English stop words are a PostgreSQL feature")
def test_postgresql_ignores_stop_words(library):
    assert titles("the") == []


def test_the_parser_reads_web_search_syntax():
    parsed = query.parse('billing "event backbone" -kafka -"seven days" a OR b')
    assert [[t.words for t in g] for g in parsed.groups] == [[("billing",)], [("event", "backbone")], [("a",), ("b",)]]
    assert [t.words for t in parsed.excluded] == [("kafka",), ("seven", "days")]
    assert query.to_fts5(parsed) == ('("billing") AND ("event backbone") AND ("a" OR "b") NOT "kafka" NOT "seven days"')
    assert query.parse('say "hi').groups == [[query.Term(("say",))], [query.Term(("hi",))]]


def _common_word_log(count: int) -> list:
    made = [DecisionFactory(title=f"Note {n}", context="ledger entries") for n in range(count)]
    made[0].title = "Ledger design"  # the oldest match is the most relevant one
    made[0].save()
    index(*made)
    return made


def test_relevance_of_a_very_common_word_is_worked_out_among_its_newest_matches(monkeypatch):
    monkeypatch.setattr(search, "RANK_CANDIDATES", 3)
    made = _common_word_log(6)
    found = [d.title for d in log_results(QueryDict("q=ledger"))[2]]
    assert found == [d.title for d in reversed(made[3:])]
    oldest_first = [d.title for d in log_results(QueryDict("q=ledger&sort=oldest"))[2]]
    assert len(oldest_first) == 6 and oldest_first[0] == "Ledger design"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the window and the estimate are PostgreSQL's")
@pytest.mark.parametrize(
    ("estimate", "newest_use", "queries"),
    [("short", "even", 2), ("fits", "even", 1), ("too narrow", "even", 2), ("too narrow", "sparse", 3)],
)
def test_postgresql_ranks_the_newest_matches_whatever_its_planner_expects(monkeypatch, estimate, newest_use, queries):
    """ranked_page looks for the newest matches in a window sized by the planner's estimate (by the
    count of every match when that estimate was short); when the window held too few, in one sized
    by what it held, and then among all of them. The page and among_newest agree either way."""
    monkeypatch.setattr(search, "RANK_CANDIDATES", 3)
    made = _common_word_log(6)
    if newest_use == "sparse":  # ten decisions without the word, then one with it
        DecisionFactory.create_batch(10, title="Other", context="other words")
        made.append(DecisionFactory(title="Note 6", context="ledger entries"))
        index(*Decision.objects.all())
    highest = SearchTerms.objects.order_by("-pk").values_list("pk", flat=True)[0]
    # "fits": a window from 2 ids below the highest, which holds 3 of the matches
    expected = {"short": 1, "fits": 2 * highest, "too narrow": 10**9}[estimate]
    monkeypatch.setattr(postgres, "_estimated_rows", lambda queryset: expected)
    ranked = []
    monkeypatch.setattr(postgres, "_ranked_page", spy(postgres._ranked_page, ranked))
    numbers, count = search.ranked_page(Decision.objects.none(), 0, 3, index_only=("ledger", {}))
    newest = [d.number for d in reversed(made[-3:])]
    assert (numbers, count) == (newest, 3)
    assert len(ranked) == queries
    assert [d.number for d in log_results(QueryDict("q=ledger"))[2]] == newest


def spy(function, calls):
    def called(*args, **kwargs):
        calls.append(args)
        return function(*args, **kwargs)

    return called


def test_a_filtered_search_ranks_every_match(monkeypatch):
    monkeypatch.setattr(search, "RANK_CANDIDATES", 3)
    _common_word_log(6)
    found = [d.title for d in log_results(QueryDict("q=ledger&status=draft"))[2]]
    assert len(found) == 6 and found[0] == "Ledger design"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the covering index is SQLite's (migration 0034)")
@pytest.mark.parametrize("params", ["q=ledger", 'q="ledger entries"&status=draft&style=event&sort=relevance'])
def test_sqlite_finds_each_matchs_decision_in_a_covering_index(params):
    _common_word_log(3)
    matches = log_results(QueryDict(params))[2].order_by().values_list("number", "rank")
    sql, args = matches.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE decisions_decision")  # as `migrate` does (decisions/apps.py)
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", args)
        plan = " / ".join(row[3] for row in cursor.fetchall())
    assert "COVERING INDEX decision_search_join" in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the search terms are PostgreSQL's")
def test_postgresql_search_terms_keep_their_decisions_status_and_style():
    """Filtered searches filter on the copies in SearchTerms first; they follow every change."""
    old = accepted(title="Old ledger", style="event")
    accepted(title="New ledger", style="command", supersedes=old)
    author = UserFactory(role=roles.ARCHITECTS)
    draft = DecisionFactory(title="Ledger draft", style="", author=author)
    workflow.decision_edit(decision=draft, by=author, changes={"style": "sync"})
    copied = {pk: (status, style) for pk, status, style in SearchTerms.objects.values_list("pk", "status", "style")}
    assert copied == {d.pk: (d.status, d.style) for d in Decision.objects.all()}
    assert copied[old.pk] == ("superseded", "event")
    found = {query: [d.title for d in log_results(QueryDict(query))[2]] for query in (
        "q=ledger&status=superseded", "q=ledger&style=sync", "q=ledger&status=accepted&style=command&style=event",
    )}  # fmt: skip
    assert found == {"q=ledger&status=superseded": ["Old ledger"], "q=ledger&style=sync": ["Ledger draft"],
                     "q=ledger&status=accepted&style=command&style=event": ["New ledger"]}  # fmt: skip


@pytest.mark.parametrize("params", [
    "q=ledger&status=accepted", "q=ledger&style=event&style=command", "q=ledger -kafka&status=draft&style=event",
    "q=ledger&status=accepted&filed_from=2000-01-01",
])  # fmt: skip
def test_a_search_filtered_by_status_and_style_is_ranked_from_its_index_as_from_its_decisions(params):
    """The log ranks such a search from the search index alone (on PostgreSQL, without joining its
    decisions); the page and the count are those the decisions' own query gives."""
    for n, (status, style) in enumerate([("accepted", "event"), ("draft", "event"), ("accepted", "command")] * 3):
        context = "ledger " * (n % 3 + 1) + "kafka" * (n % 2)
        DecisionFactory(title=f"Ledger {n}" if n % 4 else "Ledger design", context=context, status=status, style=style)
    form, sort, decisions = log_results(QueryDict(params))
    paginator = log_paginator(decisions, 4, form=form, sort=sort)
    with CaptureQueriesContext(connection) as queries:
        page = [d.number for d in paginator.get_page(1)]
    joined = search.ranked_page(decisions, 0, 4)
    assert sort == "relevance" and joined[1] > 0
    assert (page, paginator.count) == (joined[0], joined[1])
    ranked = queries.captured_queries[0]["sql"]
    from_index = connection.vendor == "postgresql" and "filed_from" not in params
    assert ("decisions_decision" not in ranked) == from_index, ranked


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TOAST is PostgreSQL's")
def test_postgresql_keeps_search_vectors_inline():
    table = SearchTerms._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions, reltoastrelid::regclass::text FROM pg_class WHERE relname = %s", [table])
        options, toast_table = cursor.fetchone()
        chunks = f"SELECT count(*) FROM {toast_table}"  # noqa: S608 (the name is PostgreSQL's own)
        cursor.execute(chunks)
        before = cursor.fetchone()[0]
        decision = DecisionFactory(title="Inline", context=" ".join(f"word{n} and more{n}" for n in range(150)))
        index(decision)
        cursor.execute("SELECT pg_column_size(vector) FROM decisions_searchterms WHERE decision_id = %s", [decision.pk])
        size = cursor.fetchone()[0]
        cursor.execute(chunks)
        after = cursor.fetchone()[0]
    assert options == ["toast_tuple_target=8160"]
    assert size > 2032, "long enough that PostgreSQL would move it out of the row by default"
    assert after == before, "the vector went to TOAST, so ranking and phrase checks read it through an extra index"
    assert titles("word149") == ["Inline"]


def test_an_excerpt_stays_within_the_field_that_matched():
    decision = DecisionFactory(title="Fields", context="Alpha beta words about the context.",
                               decision_text="Gamma delta: we settle on billing events.",
                               consequences="Epsilon zeta, the consequences.")  # fmt: skip
    index(decision)
    excerpt = search.snippets("billing", [decision.pk])[decision.pk]
    assert "<mark>billing</mark>" in excerpt and "Gamma" in excerpt
    assert "Alpha" not in excerpt and "Epsilon" not in excerpt and "\ue002" not in excerpt


@pytest.mark.parametrize(("query", "marked"), [
    ("settlement", "<mark>settlement</mark>"),  # far into a long text
    ("led", "<mark>led</mark>"),  # first written inside another word ("ledger"), matched only later
    ("running", "<mark>runs</mark>"),  # matched by its stem, never written as typed
])  # fmt: skip
def test_an_excerpt_finds_the_match_wherever_the_text_has_it(query, marked):
    filler = " ".join(f"ledger{n} entries" for n in range(300))
    decision = DecisionFactory(title="Long", context=filler, consequences=f"{filler} settlement: we led, it runs.")
    index(decision)
    assert marked in search.snippets(query, [decision.pk])[decision.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the stretch is PostgreSQL's")
def test_postgresql_looks_at_the_whole_text_only_where_the_stretch_holds_no_match(monkeypatch):
    filler = " ".join(f"ledger{n} entries" for n in range(300))
    decision = DecisionFactory(title="Long", context=filler, consequences=f"{filler} settlement: we led, it runs.")
    index(decision)
    calls = []
    monkeypatch.setattr(postgres, "_excerpts", spy(postgres._excerpts, calls))
    search.snippets("settlement", [decision.pk])
    assert len(calls) == 1, "the stretch around the word held the match"
    search.snippets("led", [decision.pk])
    assert len(calls) == 3, "the stretch around 'ledger0' held none, so the whole text was read"
