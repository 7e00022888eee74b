"""Two people edit the same decision: the second save is refused with both texts, nothing is lost."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import AssessedDecisionFactory
from tests.views.test_decision_form import _answers

pytestmark = pytest.mark.django_db


def test_a_stale_save_gets_a_conflict_page_and_can_merge(architect):
    decision = AssessedDecisionFactory(status="draft", author=architect, context="Original context")
    url = reverse("decision_edit", args=[decision.number])
    first, second = Client(), Client()
    first.force_login(architect)
    second.force_login(architect)  # the same author in two tabs
    revision = first.get(url).context["form"].initial["revision"]
    assert second.get(url).context["form"].initial["revision"] == revision

    data = _answers(flow=decision.flow.pk, title=decision.title, revision=revision)
    assert first.post(url, data | {"context": "First tab's context"}).status_code == 302
    response = second.post(url, data | {"context": "Second tab's context"})

    page = response.content.decode()
    assert response.status_code == 409
    assert "Someone saved" in page and "Nothing was lost" in page
    assert "Second tab&#x27;s context" in page and "First tab&#x27;s context" in page
    decision.refresh_from_db()
    assert decision.context == "First tab's context"

    merged = response.context["form"].data.copy()
    merged["context"] = "First tab's context, and the second tab's point"
    assert second.post(url, merged).status_code == 302
    decision.refresh_from_db()
    assert decision.context == "First tab's context, and the second tab's point"
    assert decision.history.count() == 3


def test_an_edit_without_a_revision_still_saves(architect_client, architect):
    decision = AssessedDecisionFactory(status="draft", author=architect)
    data = _answers(flow=decision.flow.pk, title="No revision given")
    assert architect_client.post(reverse("decision_edit", args=[decision.number]), data).status_code == 302
