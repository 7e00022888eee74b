"""Outgoing webhooks, against a real HTTP receiver started by the test: what is sent, signed, tried
again, logged; what is refused; and the pages architects manage them on."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from decisions import notifications, retry, webhooks, workflow
from decisions.models import Notification, WebhookAttempt, WebhookDelivery, WebhookSubscription
from tests.conftest import DATABASE_QUEUE
from tests.factories import AssessedDecisionFactory, DecisionFactory, UserFactory

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP server on a free local port that answers with the statuses it is given, in turn."""

    def __init__(self, statuses=(200,)) -> None:
        self.statuses, self.requests = list(statuses), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the standard library's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"thanks" if status < 300 else b"not now")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/decisions?team=payments"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.DECISION_WEBHOOKS_ALLOW_PRIVATE = True  # the receiver is on this machine
    receivers = []

    def start(statuses=(200,)):
        receivers.append(Receiver(statuses))
        return receivers[-1]

    yield start
    for made in receivers:
        made.close()


def _subscribe(architect, url, events=("proposed", "accepted", "superseded"), fmt="cloudevents"):
    subscription = WebhookSubscription(name="Catalog", url=url, events=list(events), format=fmt)
    return workflow.webhook_save(subscription=subscription, by=architect)


def _propose(decision, people):
    workflow.decision_propose(decision=decision, by=decision.author, reviewers=[people["reviewer"]])


def test_a_cloudevent_is_signed_and_carries_the_decision(people, receiver):
    server = receiver()
    subscription = _subscribe(people["author"], server.url)
    decision = AssessedDecisionFactory(author=people["author"], status="draft", title="Publish orders")
    _propose(decision, people)
    (request,) = server.requests
    body = request["body"]
    expected = "sha256=" + hmac.new(subscription.secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request["headers"][webhooks.SIGNATURE_HEADER], expected)
    assert request["path"] == "/hooks/decisions?team=payments"
    assert request["headers"]["Content-Type"].startswith("application/cloudevents+json")
    event = json.loads(body)
    assert {"specversion", "id", "source", "type", "time", "subject", "data"} <= event.keys()
    assert (event["specversion"], event["type"], event["subject"]) == ("1.0", "org.decisionlog.decision.proposed",
                                                                      decision.code)  # fmt: skip
    assert event["data"]["number"] == decision.number and event["data"]["title"] == "Publish orders"
    assert event["data"]["status"] == "proposed" and event["data"]["link"].endswith(decision.get_absolute_url())
    delivery = WebhookDelivery.objects.get()
    assert request["headers"][webhooks.DELIVERY_HEADER] == str(delivery.pk) and delivery.state == "delivered"
    assert str(delivery.event_id) == event["id"]


def test_each_event_is_sent_to_the_subscriptions_that_want_it(people, receiver):
    server = receiver()
    _subscribe(people["author"], server.url, events=list(webhooks.EVENTS))
    _subscribe(people["author"], server.url, events=["accepted"])
    older = AssessedDecisionFactory(author=people["author"], status="accepted", style="command")
    newer = AssessedDecisionFactory(author=people["author"], status="draft", supersedes=older)
    _propose(newer, people)
    workflow.comment_post(decision=newer, by=people["reviewer"], body="Looks right")
    workflow.review_submit(decision=newer, by=people["reviewer"], verdict="approved", body="")
    workflow.decision_transition(decision=newer, to="accepted", by=people["author"])
    types = [json.loads(r["body"])["type"].removeprefix(webhooks.TYPE_PREFIX) for r in server.requests]
    assert types.count("accepted") == 2  # both subscriptions
    assert {"filed", "proposed", "commented", "reviewed", "superseded"} <= set(types)
    superseded = next(json.loads(r["body"]) for r in server.requests if r["body"].count(b"superseded") >= 1
                      and json.loads(r["body"])["type"].endswith("superseded"))  # fmt: skip
    assert superseded["subject"] == older.code


def test_a_failing_receiver_is_tried_again_until_it_answers_and_every_try_is_logged(people, receiver):
    server = receiver(statuses=[500, 503, 200])
    _subscribe(people["author"], server.url)
    _propose(AssessedDecisionFactory(author=people["author"], status="draft"), people)
    delivery = WebhookDelivery.objects.get()
    attempts = list(delivery.attempts.values_list("status_code", flat=True))
    assert attempts == [500, 503, 200] and delivery.state == "delivered"
    ids = {r["headers"][webhooks.DELIVERY_HEADER] for r in server.requests}
    assert ids == {str(delivery.pk)}  # one delivery id for every try: the receiver can drop repeats
    assert delivery.attempts.last().excerpt == "thanks"


def test_a_receiver_that_never_answers_well_is_given_up_on_and_can_be_sent_again(people, receiver):
    server = receiver(statuses=[500])
    _subscribe(people["author"], server.url)
    _propose(AssessedDecisionFactory(author=people["author"], status="draft"), people)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "failed" and delivery.attempts.count() == len(retry.BACKOFF_MINUTES) + 1
    server.statuses = [200]
    workflow.webhook_send_again(delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.state == "delivered" and server.requests[-1]["headers"][webhooks.DELIVERY_HEADER] == str(
        delivery.pk
    )


def test_delivering_twice_sends_once(people, receiver):
    server = receiver()
    _subscribe(people["author"], server.url)
    _propose(AssessedDecisionFactory(author=people["author"], status="draft"), people)
    delivery = WebhookDelivery.objects.get()
    webhooks.webhook_deliver.call(str(delivery.pk))
    assert len(server.requests) == 1 and delivery.attempts.count() == 1


def test_slack_gets_one_line_with_a_link(people, receiver):
    server = receiver()
    _subscribe(people["author"], server.url, fmt="slack")
    decision = AssessedDecisionFactory(author=people["author"], status="draft", title="Use <Kafka> & events",
                                       style="event")  # fmt: skip
    _propose(decision, people)
    message = json.loads(server.requests[0]["body"])
    assert list(message) == ["text"]
    assert message["text"].startswith(f"<http://127.0.0.1:8000{decision.get_absolute_url()}|{decision.code}>")
    assert "“Use &lt;Kafka&gt; &amp; events” (event) is proposed for review." in message["text"]


def test_imports_and_subscriptions_turned_off_send_nothing(people, receiver):
    server = receiver()
    subscription = _subscribe(people["author"], server.url, events=list(webhooks.EVENTS))
    workflow.adrs_import([("0001-a.md", b"# 1. A\n\n## Status\n\nAccepted\n")], collection="c", by=people["author"])
    subscription.active = False
    workflow.webhook_save(subscription=subscription, by=people["author"])
    DecisionFactory(author=people["author"])
    assert server.requests == [] and not WebhookDelivery.objects.exists()


PRIVATE = ["http://127.0.0.1:9000/x", "http://localhost/x", "http://10.1.2.3/x", "http://192.168.0.10/x",
           "http://169.254.169.254/latest/meta-data", "http://[::1]/x", "http://100.64.0.1/x"]  # fmt: skip


@pytest.mark.parametrize("url", PRIVATE)
def test_private_and_local_addresses_are_refused(architect_client, url):
    page = architect_client.post(reverse("webhook_list"), {"name": "x", "url": url, "format": "cloudevents",
                                                           "events": ["accepted"], "active": "on"})  # fmt: skip
    assert page.status_code == 200 and "webhooks go to public addresses only" in page.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_an_address_that_turned_private_is_not_sent_to(people, settings):
    subscription = _subscribe(people["author"], "http://93.184.215.14/hook")  # a public address, saved as is
    WebhookSubscription.objects.filter(pk=subscription.pk).update(url="http://127.0.0.1:9/hook")
    _propose(AssessedDecisionFactory(author=people["author"], status="draft"), people)
    attempt = WebhookAttempt.objects.first()
    assert attempt.status_code is None and "private or local network" in attempt.excerpt


def test_architects_add_and_watch_webhooks_and_others_may_not(architect_client, reviewer_client, manager_client,
                                                              receiver):  # fmt: skip
    server = receiver()
    response = architect_client.post(reverse("webhook_list"), {
        "name": "#payments", "url": server.url, "format": "slack", "events": ["proposed", "accepted"], "active": "on",
    })  # fmt: skip
    subscription = WebhookSubscription.objects.get()
    assert response.status_code == 302 and response["Location"] == subscription.get_absolute_url()
    page = architect_client.get(subscription.get_absolute_url()).content.decode()
    assert subscription.secret in page and "Nothing sent yet" in page
    for client in (reviewer_client, manager_client):
        assert client.get(reverse("webhook_list")).status_code == 403
        assert client.get(subscription.get_absolute_url()).status_code == 403
    assert "Webhooks" not in manager_client.get(reverse("decision_list")).content.decode()
    off = architect_client.post(subscription.get_absolute_url(), {
        "name": "#payments", "url": server.url, "format": "slack", "events": ["accepted"],
    })  # fmt: skip
    subscription.refresh_from_db()
    assert off.status_code == 302 and not subscription.active and subscription.history.count() == 2


def test_the_delivery_log_shows_each_try_and_sends_again(people, receiver):
    architect_client = Client()
    architect_client.force_login(people["architect"])
    server = receiver(statuses=[502, 200])
    subscription = _subscribe(people["architect"], server.url)
    _propose(AssessedDecisionFactory(author=people["author"], status="draft"), people)
    delivery = WebhookDelivery.objects.get()
    page = architect_client.get(subscription.get_absolute_url()).content.decode()
    assert "org.decisionlog.decision.proposed" in page and "502" in page and "200" in page
    assert architect_client.get(reverse("webhook_send_again", args=[delivery.pk])).status_code == 405
    response = architect_client.post(reverse("webhook_send_again", args=[delivery.pk]))
    assert response.status_code == 302 and delivery.attempts.count() == 3


@pytest.mark.django_db(transaction=True)
def test_work_is_queued_with_the_change_and_not_for_a_rollback(settings, receiver):
    settings.TASKS = DATABASE_QUEUE
    server = receiver()
    author, reviewer = UserFactory(role="Architects"), UserFactory(role="Reviewers")
    _subscribe(author, server.url)
    draft = AssessedDecisionFactory(author=author, status="draft")
    queued_before = DBTaskResult.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.decision_propose(decision=draft, by=author, reviewers=[reviewer])
        raise RuntimeError("the request failed after the change")
    assert DBTaskResult.objects.count() == queued_before and not WebhookDelivery.objects.exists()
    assert not Notification.objects.exists()
    workflow.decision_propose(decision=draft, by=author, reviewers=[reviewer])
    paths = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert {"decisions.webhooks.webhook_deliver", "decisions.notifications.notification_mail"} <= paths
    assert server.requests == [] and mail.outbox == []  # nothing sent in the request
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")
    assert len(server.requests) == 1 and len(mail.outbox) == 1
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")
    assert len(server.requests) == 1 and len(mail.outbox) == 1  # nothing twice


def test_a_notification_is_mailed_once(people):
    draft = AssessedDecisionFactory(author=people["author"], status="draft")
    _propose(draft, people)
    notification = Notification.objects.get()
    notifications.notification_mail.call(notification.pk)
    assert len(mail.outbox) == 1 and Notification.objects.get().mailed_at is not None
