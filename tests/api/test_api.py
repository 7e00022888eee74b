"""The REST API: authentication, permissions (the same rules as the pages), validation, filters, schema."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from openapi_spec_validator import validate

from decisions import roles, search, tokens, workflow
from decisions.api import api
from decisions.models import ApiToken, Comment, Decision, Review
from tests.factories import (
    AssessedDecisionFactory,
    CommentFactory,
    DecisionFactory,
    FlowFactory,
    ReviewRequestFactory,
    ServiceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _token_client(user) -> Client:
    _, key = tokens.token_issue(user=user, name="script")
    return Client(headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def architect_api(architect):
    return _token_client(architect)


@pytest.fixture
def manager_api(manager):
    return _token_client(manager)


@pytest.fixture
def reviewer_api(reviewer):
    return _token_client(reviewer)


def _json(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()


def _post(client, url, data, method="post"):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


class TestAuthentication:
    def test_no_credentials_is_a_json_401(self, client):
        response = client.get("/api/decisions")
        assert response.status_code == 401
        assert _json(response) == {"detail": "Unauthorized"}

    @pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer dl_wrong", "Basic abc", "Bearer " + "x" * 5000])
    def test_bad_tokens_are_refused(self, client, header):
        assert client.get("/api/decisions", headers={"Authorization": header}).status_code == 401

    def test_a_token_works_until_revoked_and_records_its_use(self, architect):
        token, key = tokens.token_issue(user=architect, name="ci")
        client = Client(headers={"Authorization": f"Bearer {key}"})
        assert client.get("/api/decisions").status_code == 200
        token.refresh_from_db()
        assert token.last_used_at is not None and token.key_hash != key and key not in token.prefix + "x"
        tokens.token_revoke(token=token)
        assert client.get("/api/decisions").status_code == 401

    def test_a_deactivated_users_token_stops_working(self, architect, architect_api):
        architect.is_active = False
        architect.save()
        assert architect_api.get("/api/decisions").status_code == 401

    def test_the_browser_session_works_and_its_posts_need_the_csrf_token(self, architect):
        client = Client(enforce_csrf_checks=True)
        client.force_login(architect)
        assert client.get("/api/decisions").status_code == 200
        response = _post(client, "/api/decisions", {"title": "From the browser"})
        assert response.status_code == 403
        assert _json(response) == {"detail": "CSRF check Failed"}
        assert not Decision.objects.exists()
        client.get("/api/docs")  # sets the CSRF cookie
        response = client.post(
            "/api/decisions", json.dumps({"title": "From the browser"}), content_type="application/json",
            headers={"X-CSRFToken": client.cookies["csrftoken"].value},
        )  # fmt: skip
        assert response.status_code == 201


class TestReading:
    def test_decisions_filtered_like_the_log_with_pages(self, manager_api):
        flow = FlowFactory(name="Order placed")
        AssessedDecisionFactory.create_batch(3, flow=flow, style="event", status="accepted")
        DecisionFactory(status="draft")
        body = _json(manager_api.get("/api/decisions", {"style": "event", "page_size": 2}))
        assert (body["count"], body["pages"], body["page"], body["capped"]) == (3, 2, 1, False)
        assert "style=event" in body["next"] and "page=2" in body["next"] and body["previous"] is None
        assert {row["style"] for row in body["results"]} == {"event"}
        assert body["results"][0]["flow"] == "Order placed"
        drafts = _json(manager_api.get("/api/decisions", {"status": "draft"}))["results"]
        assert [row["flow"] for row in drafts] == [None], "a decision about no one flow"
        assert drafts[0]["url"].endswith(f"/decisions/{drafts[0]['number']}/")

    def test_search_and_several_values_of_a_filter(self, manager_api):
        made = [
            DecisionFactory(title="Kafka for orders", status="accepted"),
            DecisionFactory(title="Kafka for billing", status="draft"),
            DecisionFactory(title="Kafka for refunds", status="rejected"),
        ]
        search.index_decisions(d.pk for d in made)
        body = _json(manager_api.get("/api/decisions?q=kafka&status=accepted&status=draft&sort=number"))
        assert [row["title"] for row in body["results"]] == ["Kafka for billing", "Kafka for orders"]

    def test_unknown_filter_values_are_ignored_and_bad_pages_are_json(self, manager_api):
        DecisionFactory()
        assert _json(manager_api.get("/api/decisions?style=purple&page=999"))["count"] == 1
        assert _json(manager_api.get("/api/decisions?page=abc"))["page"] == 1  # as the pages read it (paging)
        assert manager_api.get("/api/decisions?page_size=1000").status_code == 422

    def test_a_decision_in_full(self, manager_api):
        older = DecisionFactory(status="superseded")
        decision = AssessedDecisionFactory(supersedes=older, tags="orders,kafka")
        body = _json(manager_api.get(f"/api/decisions/{decision.number}"))
        assert body["factors"]["visibility"] == {
            "level": 3, "label": decision.factor_answers[0]["level"].label, "reason": "Support debugs from one place."
        }  # fmt: skip
        assert (body["supersedes"], body["tags"], body["recommendation"]) == (
            older.number,
            ["orders", "kafka"],
            "command",
        )
        assert body["revision"] == decision.latest_revision_id()

    def test_missing_things_are_json_404s(self, manager_api):
        assert _json(manager_api.get("/api/decisions/4242")) == {"detail": "Not Found"}
        response = manager_api.get("/api/no/such/thing")
        assert response.status_code == 404 and "detail" in _json(response)

    def test_catalog_with_pages_and_filters(self, manager_api):
        flow = FlowFactory(name="Order placed")
        AssessedDecisionFactory(flow=flow, style="event", status="accepted")
        workflow.flow_refresh_current(flow.pk)
        FlowFactory(name="Other")
        flows = _json(manager_api.get("/api/flows", {"style": "event"}))
        assert flows["count"] == 1
        assert flows["items"][0]["consumers"] == [flow.consumers.get().name]
        assert flows["items"][0]["current_decision"] == flow.decisions.get().number
        by_service = _json(manager_api.get("/api/flows", {"service": flow.consumers.get().pk}))
        assert [item["name"] for item in by_service["items"]] == ["Order placed"]
        services = _json(manager_api.get("/api/services", {"team": flow.owner_team.pk}))
        assert flow.producer.name in [item["name"] for item in services["items"]]
        assert _json(manager_api.get("/api/teams"))["count"] >= 2

    def test_reads_take_a_fixed_number_of_queries(self, manager, manager_api, django_assert_max_num_queries):
        flows = [FlowFactory(consumers=[ServiceFactory(), ServiceFactory()]) for _ in range(5)]
        for flow in flows:
            AssessedDecisionFactory.create_batch(4, flow=flow)
        manager_api.get("/api/decisions")  # the token's last use is written once
        with django_assert_max_num_queries(6):
            assert len(_json(manager_api.get("/api/decisions"))["results"]) == 20
        with django_assert_max_num_queries(8):
            assert _json(manager_api.get("/api/flows"))["count"] == 5


ANSWERS = {
    "title": "Publish orders as events",
    "caller_needs_result": False,
    "visibility": 1, "visibility_reason": "Each step stands alone.",
    "growth": 3, "growth_reason": "Loyalty and analytics will react.",
    "coordination": 3, "coordination_reason": "We run Kafka already.",
    "coupling": 3, "coupling_reason": "Separate domains.",
    "style": "event", "logic_location": "Each consumer decides.",
    "tags": ["orders", "Kafka"],
}  # fmt: skip


class TestWriting:
    def test_architects_file_a_draft_under_the_forms_rules(self, architect, architect_api):
        flow = FlowFactory()
        response = _post(architect_api, "/api/decisions", ANSWERS | {"flow": flow.pk})
        assert response.status_code == 201, response.content
        body = _json(response)
        decision = Decision.objects.get(number=body["number"])
        assert (decision.author, decision.status, decision.recommendation, decision.tags) == (
            architect, "draft", "event", "orders,kafka"
        )  # fmt: skip
        assert decision.history.get().history_user == architect

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"title": ""}, "title"),
            ({"visibility_reason": ""}, "visibility_reason"),
            ({"style": "command", "justification": ""}, "justification"),
            ({"style": "purple"}, "style"),
            ({"visibility": 7}, "visibility"),
            ({"flow": 4242}, "flow"),
            ({"supersedes": 4242}, "supersedes"),
            ({"tags": ["<b>"]}, "tags"),
            ({"decided_on": "yesterday"}, "decided_on"),
            ({"title": "x" * 201}, "title"),
        ],
    )
    def test_invalid_input_gets_field_messages(self, architect_api, change, field):
        flow = FlowFactory()
        response = _post(architect_api, "/api/decisions", ANSWERS | {"flow": flow.pk} | change)
        assert response.status_code == 422
        body = _json(response)
        assert field in body["errors"], body
        assert not Decision.objects.exists()

    def test_malformed_json_is_a_json_error(self, architect_api):
        response = architect_api.post("/api/decisions", "{not json", content_type="application/json")
        assert response.status_code in (400, 422)
        assert "detail" in _json(response)

    def test_viewers_and_reviewers_cannot_file(self, manager_api, reviewer_api):
        for client in (manager_api, reviewer_api):
            response = _post(client, "/api/decisions", {"title": "No"})
            assert response.status_code == 403 and "detail" in _json(response)
        assert not Decision.objects.exists()

    def test_the_author_updates_only_what_is_sent_and_a_stale_revision_is_refused(self, architect, architect_api):
        decision = AssessedDecisionFactory(author=architect, status="draft", context="Old context.")
        revision = decision.latest_revision_id()
        response = _post(
            architect_api, f"/api/decisions/{decision.number}", {"context": "New.", "revision": revision}, "patch"
        )
        assert response.status_code == 200, response.content
        decision.refresh_from_db()
        assert (decision.context, decision.visibility_reason) == ("New.", "Support debugs from one place.")
        stale = _post(
            architect_api, f"/api/decisions/{decision.number}", {"context": "Lost?", "revision": revision}, "patch"
        )
        assert stale.status_code == 409 and "GET it, merge" in _json(stale)["detail"]
        decision.refresh_from_db()
        assert decision.context == "New."

    def test_others_cannot_update(self, architect, reviewer_api):
        decision = AssessedDecisionFactory(author=architect, status="draft")
        other = _token_client(UserFactory(role=roles.ARCHITECTS))
        for client in (reviewer_api, other):
            assert _post(client, f"/api/decisions/{decision.number}", {"title": "Mine"}, "patch").status_code == 403
        decision.refresh_from_db()
        assert decision.title != "Mine"

    def test_propose_review_and_accept_through_the_api(self, architect, reviewer, manager, architect_api, reviewer_api):
        decision = AssessedDecisionFactory(author=architect, status="draft")
        url = f"/api/decisions/{decision.number}"
        bad = _post(architect_api, f"{url}/transitions", {"to": "proposed", "reviewers": ["nobody"]})
        assert bad.status_code == 422 and "reviewers" in _json(bad)["errors"]
        proposed = _post(architect_api, f"{url}/transitions", {"to": "proposed", "reviewers": [reviewer.username]})
        assert _json(proposed) == {"number": decision.number, "status": "proposed"}
        early = _post(architect_api, f"{url}/transitions", {"to": "accepted"})
        assert early.status_code == 409 and "cannot be accepted yet" in _json(early)["detail"]
        assert _post(_token_client(manager), f"{url}/reviews", {"verdict": "approved"}).status_code == 403
        review = _post(reviewer_api, f"{url}/reviews", {"verdict": "approved", "body": "Fine."})
        assert review.status_code == 201 and _json(review)["reviewer"] == reviewer.username
        assert _json(_post(architect_api, f"{url}/transitions", {"to": "accepted"}))["status"] == "accepted"
        assert [r["verdict"] for r in _json(reviewer_api.get(f"{url}/reviews"))] == ["approved"]

    def test_transitions_follow_the_roles(self, architect, manager_api):
        decision = AssessedDecisionFactory(author=architect, status="proposed")
        ReviewRequestFactory(decision=decision)
        response = _post(manager_api, f"/api/decisions/{decision.number}/transitions", {"to": "rejected", "note": "No"})
        assert response.status_code == 403
        unknown = _post(manager_api, f"/api/decisions/{decision.number}/transitions", {"to": "purple"})
        assert unknown.status_code == 422
        decision.refresh_from_db()
        assert decision.status == "proposed"

    def test_comments_and_replies(self, reviewer, reviewer_api, manager_api):
        decision = AssessedDecisionFactory(status="proposed")
        top = CommentFactory(decision=decision)
        url = f"/api/decisions/{decision.number}/comments"
        reply = _post(reviewer_api, url, {"body": "I agree.", "parent": top.pk})
        assert reply.status_code == 201 and _json(reply)["parent"] == top.pk
        assert _post(reviewer_api, url, {"body": ""}).status_code == 422
        elsewhere = CommentFactory()
        assert _post(reviewer_api, url, {"body": "x", "parent": elsewhere.pk}).status_code == 422
        assert _post(manager_api, url, {"body": "Viewers only read."}).status_code == 403
        assert [c["body"] for c in _json(manager_api.get(url))] == [top.body, "I agree."]
        assert Comment.objects.filter(author=reviewer).count() == 1
        assert Review.objects.count() == 0


def test_the_openapi_schema_validates_and_the_docs_are_served_by_the_app(manager_client):
    schema = _json(manager_client.get("/api/openapi.json"))
    validate(schema)
    assert {"/api/decisions", "/api/decisions/{number}", "/api/flows"} <= schema["paths"].keys()
    docs = manager_client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    # Every script and stylesheet comes from the app itself, never a CDN.
    assert all(url.startswith("/") and not url.startswith("//") for url in re.findall(r'(?:src|href)="([^"]*)"', docs))


def test_the_docs_page_asks_signed_out_people_to_sign_in(client):
    assert client.get("/api/docs").status_code == 302


def test_the_schema_is_readable_with_a_token_and_not_with_a_feed_key(architect):
    _, key = tokens.token_issue(user=architect, name="ci")
    response = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/openapi.json")
    assert response.status_code == 200 and response.json()["openapi"].startswith("3.")
    _, feed_key = tokens.token_issue(user=architect, name="feeds", feed_only=True)
    assert Client(headers={"Authorization": f"Bearer {feed_key}"}).get("/api/openapi.json").status_code == 302


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('"hello world"', "must be a JSON object"),
        ("[null, null]", "must be a JSON object"),
        ('{"title": "\\ud800"}', "lone surrogate"),
        ('{"title": "Fine", "titel": "typo"}', "no such field"),
        ('{"title": "   "}', "empty, or only spaces"),
    ],
)
def test_bodies_of_the_wrong_shape_are_refused_in_plain_words(architect, architect_api, body, says):
    draft = DecisionFactory(author=architect, title="Kept")
    for method, url in (("post", "/api/decisions"), ("patch", f"/api/decisions/{draft.number}")):
        response = getattr(architect_api, method)(url, body, content_type="application/json")
        assert response.status_code == 422, (url, response.content)
        assert says in json.dumps(_json(response)["errors"], ensure_ascii=False), response.content
    assert list(Decision.objects.values_list("title", flat=True)) == ["Kept"]


def test_nul_characters_are_dropped_from_api_text(architect_api):
    response = architect_api.post("/api/decisions", '{"title": "A\\u0000B"}', content_type="application/json")
    assert response.status_code == 201 and _json(response)["title"] == "AB"


def test_tokens_are_stored_as_hashes(architect):
    token, key = tokens.token_issue(user=architect, name="ci")
    stored = ApiToken.objects.get()
    assert key.startswith("dl_") and stored.key_hash != key and stored.prefix == key[:10]
    assert tokens.token_user(key) == architect


class TestTokenPage:
    def test_create_shows_the_key_once_and_revoke_ends_it(self, architect, architect_client):
        page = architect_client.post("/me/tokens/", {"name": "CI export"}).content.decode()
        token = ApiToken.objects.get(user=architect)
        assert "Copy your new token now" in page and token.prefix in page
        key = page.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
        assert tokens.token_user(key) == architect
        again = architect_client.get("/me/tokens/").content.decode()
        assert key not in again and "CI export" in again
        architect_client.post(f"/me/tokens/{token.pk}/revoke/")
        assert tokens.token_user(key) is None

    def test_a_name_is_required(self, architect_client):
        page = architect_client.post("/me/tokens/", {"name": "\x07\x1b"}).content.decode()
        assert "Give the token a name." in page and not ApiToken.objects.exists()

    def test_nobody_revokes_someone_elses_token(self, architect, manager_client):
        token, key = tokens.token_issue(user=architect, name="mine")
        assert manager_client.post(f"/me/tokens/{token.pk}/revoke/").status_code == 404
        assert manager_client.get(f"/me/tokens/{token.pk}/revoke/").status_code == 405
        assert tokens.token_user(key) == architect


class TestCommentChanges:
    def test_the_author_edits_and_retracts_and_others_cannot(self, reviewer, reviewer_api, architect_api):
        comment = CommentFactory(author=reviewer, body="First thought.")
        url = f"/api/decisions/{comment.decision.number}/comments/{comment.pk}"
        assert _post(architect_api, url, {"body": "Not mine"}, "patch").status_code == 403
        assert architect_api.post(f"{url}/retract").status_code == 403
        edited = _post(reviewer_api, url, {"body": "Second thought."}, "patch")
        assert _json(edited)["edited"] is True and _json(edited)["body"] == "Second thought."
        assert _post(reviewer_api, url, {"body": ""}, "patch").status_code == 422
        retracted = _json(reviewer_api.post(f"{url}/retract"))
        assert retracted["retracted"] is True and retracted["body"] == ""
        comment.refresh_from_db()
        assert comment.body == "Second thought." and comment.history.count() == 3

    def test_a_comment_of_another_decision_is_a_404(self, reviewer, reviewer_api):
        comment = CommentFactory(author=reviewer)
        other = DecisionFactory()
        response = _post(reviewer_api, f"/api/decisions/{other.number}/comments/{comment.pk}", {"body": "x"}, "patch")
        assert response.status_code == 404


class TestFeedKeys:
    def test_a_feed_reader_reads_with_a_feed_key(self, client, architect, architect_client):
        AssessedDecisionFactory(title="Publish orders", status="accepted")
        page = architect_client.post("/me/tokens/", {"purpose": "feed"}).content.decode()
        accepted_url = page.split('id="feed-accepted" type="text" readonly value="')[1].split('"')[0]
        search_url = page.split('id="feed-search" type="text" readonly value="')[1].split('"')[0]
        assert ApiToken.objects.get(user=architect).feed_only
        feed = client.get(accepted_url.replace("http://testserver", "").replace("&amp;", "&"))
        assert feed.status_code == 200 and "Publish orders" in feed.content.decode()
        search = client.get(search_url.replace("http://testserver", "").replace("&amp;", "&") + "&status=accepted")
        body = search.content.decode()
        assert search.status_code == 200 and "Publish orders" in body
        assert "key=dl_" not in body  # the key stays out of the links the feed shows

    def test_feeds_refuse_no_key_a_revoked_key_and_a_full_token(self, client, architect):
        assert client.get(reverse("feed_accepted")).status_code == 302
        token, key = tokens.token_issue(user=architect, name="feeds", feed_only=True)
        tokens.token_revoke(token=token)
        assert client.get(reverse("feed_accepted"), {"key": key}).status_code == 302
        _, full = tokens.token_issue(user=architect, name="script")
        assert client.get(reverse("feed_accepted"), {"key": full}).status_code == 302

    def test_a_feed_key_opens_no_api_route(self, architect):
        decision = AssessedDecisionFactory(author=architect)
        comment = CommentFactory(decision=decision, author=architect)
        _, key = tokens.token_issue(user=architect, name="feeds", feed_only=True)
        client = Client(headers={"Authorization": f"Bearer {key}"})
        values = {"number": decision.number, "comment_id": comment.pk, "flow_id": decision.flow_id}
        routes = [(method, path) for path, item in api.get_openapi_schema()["paths"].items()
                  for method in item if method in ("get", "post", "patch", "put", "delete")]  # fmt: skip
        assert len(routes) >= 15
        for method, path in routes:
            url = path.format(**values)
            body = {} if method == "get" else {"data": "{}", "content_type": "application/json"}
            response = getattr(client, method)(url, **body)
            assert response.status_code == 401, (method, url, response.status_code)
        assert Decision.objects.count() == 1


def test_the_docs_describe_factor_levels_in_each_factor_s_own_words(manager_client):
    schema = _json(manager_client.get("/api/openapi.json"))
    fields = schema["components"]["schemas"]["DecisionIn"]["properties"]
    assert "1: not affordable; 2: affordable with effort; 3: already paid" in str(fields["coordination"])
    assert "1: stable; 2: some; 3: many" in str(fields["growth"]) and "low" not in str(fields["growth"]).lower()
