"""Outgoing webhooks: what happens to decisions, told to the tools teams live in.

Each event becomes one delivery per active subscription that wants it, queued in the
transaction of the change (decisions.workflow's after-write step): nothing is sent for a
change rolled back, nothing lost for one committed. A worker sends it: a CloudEvents 1.0
JSON event in structured mode, or a Slack incoming-webhook message, signed with
HMAC-SHA256 over the body. A try that gets no answer, or no 2xx, is tried again with
backoff (decisions.retry); every try is logged with its status, latency and an excerpt.
The delivery id goes with every try of one delivery, so a receiver can drop repeats.

Addresses on private, loopback or link-local networks are refused, when the subscription is
saved and again before each try (a name may move), unless DECISION_WEBHOOKS_ALLOW_PRIVATE.
Redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from .models import Decision, WebhookAttempt, WebhookDelivery, WebhookSubscription
from .retry import retry_later

EVENTS = {
    "filed": "A decision is filed",
    "proposed": "A decision is proposed for review",
    "reviewed": "A reviewer approves",
    "changes_requested": "A reviewer asks for changes",
    "accepted": "A decision is accepted",
    "rejected": "A decision is rejected",
    "deprecated": "A decision is deprecated",
    "superseded": "A decision is superseded",
    "commented": "Someone comments",
}
SLACK_WORDS = {
    "filed": "was filed", "proposed": "is proposed for review", "reviewed": "was approved by a reviewer",
    "changes_requested": "needs changes, says a reviewer", "accepted": "was accepted", "rejected": "was rejected",
    "deprecated": "was deprecated", "superseded": "was superseded", "commented": "has a new comment",
}  # fmt: skip
TYPE_PREFIX = "org.decisionlog.decision."
SIGNATURE_HEADER = "X-Decision-Log-Signature"
DELIVERY_HEADER = "X-Decision-Log-Delivery"
TIMEOUT_SECONDS = 10
EXCERPT = 500


class AddressRefused(ValueError):
    """A webhook address the app will not send to; the message says why."""


def check_address(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused("Use an http:// or https:// address.")
    if settings.DECISION_WEBHOOKS_ALLOW_PRIVATE:
        return
    try:
        found = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError):
        raise AddressRefused(f"{parts.hostname} cannot be found.") from None
    for *_, address in found:
        ip = ipaddress.ip_address(address[0])
        if not ip.is_global:
            raise AddressRefused(
                f"{parts.hostname} is on a private or local network ({ip}): webhooks go to public addresses only."
            )


def announce(events: list[tuple[str, Decision]]) -> None:
    """Queue a delivery of each (event name, decision) for every active subscription that wants it."""
    subscriptions = [s for s in WebhookSubscription.objects.filter(active=True) if s.events]
    for name, decision in events:
        wanting = [s for s in subscriptions if name in s.events]
        if not wanting:
            continue
        event = cloud_event(name, decision)
        for subscription in wanting:
            body = slack_message(name, decision) if subscription.format == subscription.Format.SLACK else event
            delivery = WebhookDelivery.objects.create(
                subscription=subscription, event_id=event["id"], event_type=event["type"],
                body=json.dumps(body, ensure_ascii=False),
            )  # fmt: skip
            webhook_deliver.enqueue(str(delivery.pk))


def _link(decision: Decision) -> str:
    return settings.DECISION_LOG_URL.rstrip("/") + decision.get_absolute_url()


def cloud_event(name: str, decision: Decision) -> dict:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": settings.DECISION_LOG_URL.rstrip("/") + "/",
        "type": TYPE_PREFIX + name,
        "time": timezone.now().isoformat(),
        "subject": decision.code,
        "datacontenttype": "application/json",
        "data": {
            "number": decision.number,
            "id": decision.code,
            "title": decision.title,
            "status": decision.status,
            "style": decision.style,
            "flow": decision.flow.name if decision.flow_id else None,
            "link": _link(decision),
        },
    }


def slack_message(name: str, decision: Decision) -> dict:
    """An incoming-webhook message: one line, with a link (Slack's <url|text> form)."""
    title = decision.title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    style = f" ({decision.get_style_display().lower()})" if decision.style else ""
    return {"text": f"<{_link(decision)}|{decision.code}> “{title}”{style} {SLACK_WORDS[name]}."}


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@task()
def webhook_deliver(delivery_id: str, attempt: int = 0) -> None:
    """Try one delivery. Idempotent: a delivery that was delivered, or given up on, is left alone."""
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != WebhookDelivery.State.PENDING:
        return
    status, excerpt, latency = _post(delivery)
    WebhookAttempt.objects.create(delivery=delivery, status_code=status, latency_ms=latency, excerpt=excerpt)
    if status is not None and 200 <= status < 300:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=WebhookDelivery.State.DELIVERED, delivered_at=timezone.now()
        )
    elif not retry_later(webhook_deliver, attempt, delivery_id):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(state=WebhookDelivery.State.FAILED)


def _post(delivery: WebhookDelivery) -> tuple[int | None, str, int]:
    """(status code or None, an excerpt of the answer or of what went wrong, milliseconds)."""
    subscription = delivery.subscription
    try:
        check_address(subscription.url)
    except AddressRefused as refusal:
        return None, str(refusal)[:EXCERPT], 0
    parts = urlsplit(subscription.url)
    body = delivery.body.encode()
    kind = "application/json" if subscription.format == subscription.Format.SLACK else "application/cloudevents+json"
    headers = {
        "Content-Type": f"{kind}; charset=utf-8",
        "User-Agent": "DecisionLog-Webhooks/1",
        DELIVERY_HEADER: str(delivery.pk),
        SIGNATURE_HEADER: signature(subscription.secret, body),
    }
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT_SECONDS)
    started = time.monotonic()
    try:
        connection.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), body, headers)
        response = connection.getresponse()
        answer = response.read(EXCERPT).decode("utf-8", "replace")
        status = response.status
    except (OSError, http.client.HTTPException) as error:
        return None, f"No answer: {error}"[:EXCERPT], _since(started)
    finally:
        connection.close()
    return status, answer, _since(started)


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
