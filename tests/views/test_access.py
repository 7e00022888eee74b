"""Every page needs a signed-in user; mutating pages need the right role."""

import pytest
from django.urls import reverse

from tests.factories import DecisionFactory, FlowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(architect):
    flow = FlowFactory()
    decision = DecisionFactory(flow=flow, author=architect)
    return {"decision": decision, "flow": flow, "service": flow.producer, "team": flow.owner_team}


def _pages(o):
    n, f, s, t = o["decision"].number, o["flow"].pk, o["service"].pk, o["team"].pk
    return [
        reverse("decision_list"),
        reverse("decision_detail", args=[n]),
        reverse("decision_history", args=[n]),
        reverse("decision_create"),
        reverse("decision_edit", args=[n]),
        reverse("decision_propose", args=[n]),
        reverse("factor_help"),
        reverse("my_work"), reverse("notification_list"), reverse("activity"),
        reverse("team_list"), reverse("team_detail", args=[t]), reverse("team_create"), reverse("team_edit", args=[t]),
        reverse("service_list"), reverse("service_detail", args=[s]), reverse("service_create"),
        reverse("service_edit", args=[s]),
        reverse("flow_list"), reverse("flow_detail", args=[f]), reverse("flow_create"), reverse("flow_edit", args=[f]),
    ]  # fmt: skip


def _mutating(o):
    n, f, s, t = o["decision"].number, o["flow"].pk, o["service"].pk, o["team"].pk
    return [
        reverse("decision_create"),
        reverse("decision_edit", args=[n]),
        reverse("decision_propose", args=[n]),
        reverse("decision_assess"),
        reverse("team_create"), reverse("team_edit", args=[t]),
        reverse("service_create"), reverse("service_edit", args=[s]),
        reverse("flow_create"), reverse("flow_edit", args=[f]),
    ]  # fmt: skip


def test_signed_out_visitors_are_sent_to_sign_in(client, objects):
    for url in [*_pages(objects), reverse("markdown_preview")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_signed_out_posts_change_nothing(client, objects):
    for url in _mutating(objects):
        response = client.post(url, {"title": "Sneaky", "name": "Sneaky"})
        assert response.status_code == 302, url
    objects["decision"].refresh_from_db()
    assert objects["decision"].title != "Sneaky"


def test_architects_can_open_every_page(architect_client, objects):
    for url in _pages(objects):
        assert architect_client.get(url).status_code == 200, url


@pytest.mark.parametrize("role_client", ["manager_client", "reviewer_client"])
def test_readers_see_everything_but_may_change_nothing(role_client, request, objects):
    client = request.getfixturevalue(role_client)
    mutating = set(_mutating(objects))
    for url in _pages(objects):
        response = client.get(url)
        assert response.status_code == (403 if url in mutating else 200), url
    for url in mutating:
        response = client.post(url, {"title": "Changed by a reader", "name": "Changed by a reader"})
        assert response.status_code == 403, url
        assert "You can't do that here" in response.content.decode()
    objects["decision"].refresh_from_db()
    assert objects["decision"].title != "Changed by a reader"
    assert objects["decision"].history.count() == 1


def test_readers_are_not_shown_controls_they_cannot_use(manager_client, objects):
    page = manager_client.get(reverse("decision_detail", args=[objects["decision"].number])).content.decode()
    assert reverse("decision_edit", args=[objects["decision"].number]) not in page
    assert "New decision" not in page
    flow_page = manager_client.get(reverse("flow_detail", args=[objects["flow"].pk])).content.decode()
    assert "File a decision on this flow" not in flow_page


def test_sign_out_is_a_post(architect_client):
    assert architect_client.get(reverse("logout")).status_code == 405
    response = architect_client.post(reverse("logout"))
    assert response.status_code == 302
    assert architect_client.get(reverse("decision_list")).status_code == 302


def test_sign_in_page_and_wrong_password(client, architect):
    assert "Sign in" in client.get(reverse("login")).content.decode()
    response = client.post(reverse("login"), {"username": "ada", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    response = client.post(reverse("login"), {"username": "ada", "password": "secret-password"})
    assert response.status_code == 302


def test_health_check_needs_no_sign_in(client):
    assert client.get("/healthz/").content == b"ok\n"


def test_unknown_pages_get_the_friendly_404(architect_client):
    response = architect_client.get("/decisions/99999/")
    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()
    assert "Decision Log" in response.content.decode()


@pytest.mark.parametrize("url", ["decision_assess", "markdown_preview"])
def test_htmx_endpoints_only_take_posts(architect_client, url):
    assert architect_client.get(reverse(url)).status_code == 405
