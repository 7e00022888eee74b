"""Every list takes any page number: the pages and the API read it the same way (decisions.paging)."""

import pytest
from django.core.paginator import Paginator

from decisions import paging
from tests.factories import DecisionFactory, FlowFactory, TeamFactory

pytestmark = pytest.mark.django_db

ODD_PAGES = ["abc", "-1", "0", "9223372036854775807", "9223372036854775808", "1e9", "9" * 5000, "", " 2 ", "2.5"]
LISTS = ["/", "/?q=order", "/?q=order&sort=newest", "/teams/", "/services/", "/flows/",
         "/api/decisions", "/api/decisions?q=order", "/api/teams", "/api/services", "/api/flows"]  # fmt: skip


READINGS = [("abc", 1), ("-1", 1), ("0", 1), ("1e9", 1), ("2.5", 1), (" 3 ", 3), (None, 1), ("9" * 5000, 1),
            ("12345678901234567890", 12345678901234567890)]  # fmt: skip


@pytest.mark.parametrize("raw, number", READINGS)
def test_any_value_reads_as_a_page_number(raw, number):
    assert paging.page_number(raw) == number


def test_past_the_end_is_the_last_page():
    paginator = Paginator(list(range(25)), 10)
    assert paging.page_of(paginator, "9223372036854775807").number == 3
    assert paging.page_of(paginator, "-4").number == 1


@pytest.mark.parametrize("page", ODD_PAGES)
def test_every_list_answers_any_page(manager_client, page):
    DecisionFactory(title="Order placed", flow=FlowFactory())
    TeamFactory()
    for url in LISTS:
        response = manager_client.get(url, {"page": page})
        assert response.status_code == 200, (url, page)


def test_the_api_says_which_page_it_gave(manager_client):
    for n in range(3):
        TeamFactory(name=f"Team {n}")
    body = manager_client.get("/api/teams", {"page": "99"}).json()
    assert (body["page"], body["pages"], body["count"], len(body["items"])) == (1, 1, 3, 3)
    assert manager_client.get("/api/decisions", {"page": "abc"}).json()["page"] == 1


@pytest.mark.parametrize("query", ["team=9223372036854775808", "service=-5", "style=%00", "style=banana"])
def test_catalog_filters_refuse_what_they_cannot_hold(manager_client, query):
    response = manager_client.get("/api/flows?" + query)
    assert response.status_code == 422
    assert response.json()["errors"]
