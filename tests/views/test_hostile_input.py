"""Hostile text in every user-writable field, rendered on every page that shows it."""

import pytest
from django.urls import reverse

from decisions import workflow
from tests.factories import DecisionFactory, FlowFactory, ServiceFactory, TeamFactory
from tests.html_safety import script_risks

pytestmark = pytest.mark.django_db

PAYLOADS = [
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    "[link](javascript:alert(1))",
    '<a href="vbscript:msgbox(1)">v</a>',
    "![i](data:text/html;base64,PHNjcmlwdD4=)",
    '<iframe src="//evil.example"></iframe><form action=//evil.example><input></form>',
    "<style>*{display:none}</style><svg/onload=alert(1)>",
    '"><script>alert(2)</script>',
]
HOSTILE = "\n\n".join(PAYLOADS)


@pytest.fixture
def hostile_world(architect):
    team = TeamFactory(name='Team <script>alert("t")</script>', description=HOSTILE)
    producer = ServiceFactory(name="svc <img src=x onerror=alert(1)>", team=team, description=HOSTILE)
    flow = FlowFactory(name='Flow "><script>alert(3)</script>', producer=producer, owner_team=team, description=HOSTILE)
    older = DecisionFactory(title="<svg onload=alert(1)>", flow=flow)
    text_fields = dict.fromkeys(
        (
            "context", "decision_text", "consequences", "considered_options", "sync_reason", "visibility_reason",
            "growth_reason", "coordination_reason", "coupling_reason", "justification", "logic_location",
        ),
        HOSTILE,
    )  # fmt: skip
    decision = workflow.decision_create(
        decision=DecisionFactory.build(
            title='<script>alert("title")</script>',
            flow=flow,
            deciders="<img src=x onerror=alert(1)>",
            tags="javascript:alert(1)",
            supersedes=older,
            caller_needs_result=False,
            visibility=1, growth=3, coordination=3, coupling=3, style="command",
            **text_fields,
        ),
        by=architect,
    )  # fmt: skip
    workflow.decision_edit(decision=decision, by=architect, changes={"title": "<img src=x onerror=alert('edit')>"})
    return {"team": team, "service": producer, "flow": flow, "decision": decision}


def test_no_page_carries_script_from_user_text(architect_client, hostile_world):
    w = hostile_world
    urls = [
        reverse("decision_list"),
        reverse("decision_detail", args=[w["decision"].number]),
        reverse("decision_detail", args=[w["decision"].supersedes.number]),
        reverse("decision_history", args=[w["decision"].number]),
        reverse("decision_edit", args=[w["decision"].number]),
        reverse("decision_create"),
        reverse("team_list"), reverse("team_detail", args=[w["team"].pk]), reverse("team_edit", args=[w["team"].pk]),
        reverse("service_list"), reverse("service_detail", args=[w["service"].pk]),
        reverse("flow_list"), reverse("flow_detail", args=[w["flow"].pk]), reverse("flow_edit", args=[w["flow"].pk]),
    ]  # fmt: skip
    for url in urls:
        response = architect_client.get(url)
        assert response.status_code == 200, url
        assert script_risks(response.content.decode()) == [], url


def test_the_live_panels_carry_no_script(architect_client, hostile_world):
    response = architect_client.post(
        reverse("decision_assess"),
        {"flow": hostile_world["flow"].pk, "caller_needs_result": "false", "visibility": "1", "growth": "3"},
    )
    assert script_risks(response.content.decode()) == []


def test_the_checker_would_catch_every_payload_unescaped():
    for payload in PAYLOADS:
        if not payload.startswith(("[", "!")):  # Markdown links only turn into tags when rendered
            assert script_risks(payload), payload
    assert script_risks('<a href="javascript:alert(1)">x</a>')
