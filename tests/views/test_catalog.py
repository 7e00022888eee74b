import pytest
from django.urls import reverse

from decisions.models import Flow, Service, Team
from tests.factories import AssessedDecisionFactory, FlowFactory, ServiceFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_an_architect_creates_a_team_a_service_and_a_flow(architect_client):
    response = architect_client.post(reverse("team_create"), {"name": "  Payments  ", "description": "Money."})
    team = Team.objects.get()
    assert response.url == team.get_absolute_url() and team.name == "Payments"
    architect_client.post(reverse("service_create"), {"name": "billing", "team": team.pk})
    architect_client.post(reverse("service_create"), {"name": "checkout", "team": team.pk})
    billing, checkout = Service.objects.get(name="billing"), Service.objects.get(name="checkout")
    response = architect_client.post(
        reverse("flow_create"),
        {"name": "Order placed", "producer": checkout.pk, "consumers": [billing.pk], "owner_team": team.pk},
    )
    flow = Flow.objects.get()
    assert response.url == flow.get_absolute_url()
    assert list(flow.consumers.all()) == [billing]


def test_edits_are_saved(architect_client):
    team = TeamFactory()
    architect_client.post(reverse("team_edit", args=[team.pk]), {"name": "Renamed", "description": ""})
    team.refresh_from_db()
    assert team.name == "Renamed"


@pytest.mark.parametrize(
    ("url_name", "data", "message"),
    [
        ("team_create", {"name": ""}, "This field is required."),
        ("team_create", {"name": "Existing"}, "Team with this Name already exists."),
        ("team_create", {"name": "x" * 101}, "at most 100 characters"),
        ("service_create", {"name": "svc"}, "This field is required."),
        ("flow_create", {"name": "Flow"}, "This field is required."),
    ],
)
def test_form_errors_are_explained(architect_client, url_name, data, message):
    TeamFactory(name="Existing")
    response = architect_client.post(reverse(url_name), data)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_a_producer_cannot_consume_its_own_flow(architect_client):
    service = ServiceFactory()
    response = architect_client.post(
        reverse("flow_create"),
        {"name": "Loop", "producer": service.pk, "consumers": [service.pk], "owner_team": service.team.pk},
    )
    assert "cannot also consume it" in response.content.decode()
    assert not Flow.objects.exists()


def test_detail_pages_link_the_catalog_together(manager_client):
    flow = FlowFactory(name="Order placed")
    AssessedDecisionFactory(flow=flow, style="command")
    consumer = flow.consumers.get()
    team_page = manager_client.get(reverse("team_detail", args=[flow.owner_team.pk])).content.decode()
    assert flow.producer.name in team_page and "Order placed" in team_page
    service_page = manager_client.get(reverse("service_detail", args=[consumer.pk])).content.decode()
    assert "Consumes" in service_page and "Order placed" in service_page
    flow_page = manager_client.get(reverse("flow_detail", args=[flow.pk])).content.decode()
    assert consumer.name in flow_page and '<span class="badge style-command">Command</span>' in flow_page


def test_empty_lists_say_what_to_do(architect_client):
    assert "Add the first team" in architect_client.get(reverse("team_list")).content.decode()
    assert "Add the first service" in architect_client.get(reverse("service_list")).content.decode()
    assert "Add the first flow" in architect_client.get(reverse("flow_list")).content.decode()


@pytest.mark.parametrize("name", ["team_detail", "service_detail", "flow_detail", "team_edit", "flow_edit"])
def test_unknown_ids_are_404(architect_client, name):
    assert architect_client.get(reverse(name, args=[9999])).status_code == 404


@pytest.mark.parametrize("name", ["team_list", "service_list"])
def test_lists_keep_a_fixed_number_of_queries(manager_client, name, django_assert_max_num_queries):
    for _ in range(12):
        FlowFactory()
    with django_assert_max_num_queries(7):
        assert manager_client.get(reverse(name)).status_code == 200


def test_help_page_explains_the_gate_factors_and_scoring(manager_client):
    page = manager_client.get(reverse("factor_help")).content.decode()
    for anchor in ("sync-gate", "visibility", "growth", "coordination", "coupling", "scoring", "choice"):
        assert f'id="{anchor}"' in page
    assert "what matters more here, visibility or decoupling" in page


def test_the_flow_page_renders_each_decision_s_markdown_not_its_source(manager_client):
    flow = FlowFactory(name="Customer registered")
    AssessedDecisionFactory(flow=flow, decision_text="identity-service sends `CreateCrmContact`.",
                            logic_location="**CRM** reacts.")  # fmt: skip
    page = manager_client.get(reverse("flow_detail", args=[flow.pk])).content.decode()
    assert "<code>CreateCrmContact</code>" in page and "`CreateCrmContact`" not in page
    assert "<strong>CRM</strong>" in page


def test_a_service_page_says_what_it_does_where_its_code_is_and_who_to_ask(architect_client):
    service = ServiceFactory(name="billing")
    page = architect_client.get(reverse("service_detail", args=[service.pk])).content.decode()
    assert "No description yet." in page and "Say what it does" in page
    response = architect_client.post(reverse("service_edit", args=[service.pk]), {
        "name": "billing", "team": service.team.pk, "description": "Raises **invoices**.",
        "repository": "https://git.example.org/payments/billing", "contacts": "#billing on chat",
    })  # fmt: skip
    assert response.status_code == 302
    page = architect_client.get(reverse("service_detail", args=[service.pk])).content.decode()
    assert "<strong>invoices</strong>" in page and "#billing on chat" in page
    assert '<a href="https://git.example.org/payments/billing" rel="noopener noreferrer">' in page
    bad = architect_client.post(reverse("service_edit", args=[service.pk]), {
        "name": "billing", "team": service.team.pk, "repository": "javascript:alert(1)",
    })  # fmt: skip
    assert "Enter a valid URL." in bad.content.decode()
