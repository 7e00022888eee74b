"""In-app notifications and their e-mails.

Each event has a key; a person gets at most one notification, and so one e-mail,
per key. Mail goes out after the transaction commits, and a failing mail server
is logged, never raised into the request that caused it.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction

from .models import Decision, Notification

log = logging.getLogger(__name__)


def notify(*, recipients: Iterable[AbstractBaseUser], actor: AbstractBaseUser, decision: Decision, event: str,
           text: str) -> list[Notification]:  # fmt: skip
    created = []
    for recipient in {r.pk: r for r in recipients if r.pk != actor.pk}.values():
        notification, is_new = Notification.objects.get_or_create(
            recipient=recipient, key=event, defaults={"actor": actor, "decision": decision, "text": text[:300]}
        )
        if is_new:
            created.append(notification)
            transaction.on_commit(lambda n=notification, r=recipient: _mail(n, r))
    return created


def _mail(notification: Notification, recipient: AbstractBaseUser) -> None:
    if not recipient.email:
        return
    url = settings.DECISION_LOG_URL.rstrip("/") + notification.decision.get_absolute_url()
    try:
        send_mail(
            subject=f"[Decision Log] {notification.text}",
            message=f"{notification.text}\n\n{url}\n\nYou get this because you take part in this decision.",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[recipient.email],
        )
    except Exception:
        log.exception("Could not send the e-mail for notification %s", notification.pk)
