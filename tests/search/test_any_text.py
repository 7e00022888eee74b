"""Search text is never an error: any string, on the parser, each backend and every page that searches."""

import pytest
from django.http import QueryDict
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decisions import search
from decisions.log import log_paginator, log_results
from decisions.models import Decision
from decisions.search import query
from tests.factories import DecisionFactory

TYPED = [
    "-", "--", "OR", '""', "*", "!!!", ":", "'", "\\", "%", "🙂", "_", "OR OR", "a OR", "OR a", "-\"\"",
    '"unclosed', "NEAR(a b)", "a AND b", "^x", "x*", "col:word", "\x00", "\u200b", "(", ")", "{}", "?",
]  # fmt: skip
# Operators and quotes of both databases' query languages, mixed with words found in the log.
PIECES = st.sampled_from([*TYPED, "order", "event", "billing", "the", "-order", '"order placed"', " ", "NOT"])
QUERIES = st.one_of(st.text(max_size=60), st.lists(PIECES, max_size=8).map(" ".join))
EVERYWHERE = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@given(st.text(alphabet=st.characters(codec=None), max_size=300))
def test_the_parser_reads_any_text_including_lone_surrogates(text):
    parsed = query.parse(text)
    for term in [*parsed.excluded, *(t for group in parsed.groups for t in group)]:
        assert term.words and all(word.strip() for word in term.words)
    if parsed.groups:
        assert query.to_fts5(parsed)


def test_what_holds_no_word_is_reported_as_ignored():
    assert query.parse('- "" !!! OR').ignored == ["-", '""', "!!!", "OR"]
    assert query.parse("order OR").ignored == ["OR"]
    assert query.parse("order OR OR billing").ignored == ["OR"]
    assert query.parse("order OR billing").ignored == []
    assert query.parse("snake_case").groups == [[query.Term(("snake", "case"))]]  # as the tokenizers split it


@pytest.fixture
def log(db):
    made = [
        DecisionFactory(title="Publish OrderPlaced as an event", context="Billing reacts to the order."),
        DecisionFactory(title="Send invoices with a command", context="Billing orchestrates invoices."),
    ]
    search.index_decisions([d.pk for d in made])
    return made


@EVERYWHERE
@given(text=QUERIES, sort=st.sampled_from(["relevance", "newest", ""]))
def test_every_backend_query_runs(log, text, sort):
    params = QueryDict(mutable=True)
    params.update({"q": text, "sort": sort})
    form, sort, decisions = log_results(params)
    page = log_paginator(decisions, 25, form=form, sort=sort).get_page(1)
    assert len(page) <= len(log)
    used = form.cleaned_data.get("q", "")
    search.snippets(used, [d.pk for d in page])
    if query.parse(text).is_empty:
        assert used == "" and len(page) == len(log)  # listed as without a query


@EVERYWHERE
@given(text=QUERIES)
def test_no_page_that_searches_fails(log, manager_client, text):
    for url in (reverse("decision_list"), "/api/decisions", reverse("feed_search"), reverse("adr_export")):
        response = manager_client.get(url, {"q": text})
        assert response.status_code == 200, (url, text)


@pytest.mark.parametrize("text", TYPED)
def test_the_log_says_what_it_ignored_and_lists_everything(log, manager_client, text):
    response = manager_client.get(reverse("decision_list"), {"q": text})
    assert response.status_code == 200
    if query.parse(text).is_empty and text.strip("\x00\u200b"):
        page = response.content.decode()
        assert "holds no word to look for" in page
        assert all(d.title in page for d in log)


def test_an_invalid_utf8_byte_in_the_query_string_is_read_as_a_replacement(log, manager_client):
    response = manager_client.get(reverse("decision_list") + "?q=%ff%fe")
    assert response.status_code == 200
    assert Decision.objects.count() == len(log)
