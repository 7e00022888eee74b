"""In-app notifications and their e-mails.

Each event has a key; a person gets at most one notification, and so one e-mail, per key.
The e-mail is a task queued in the same transaction as the notification: sent by a worker
once the change commits, never for a change rolled back. A mail server that fails is tried
again later (decisions.retry), then given up on and logged; the in-app notification stays.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task

from .models import Decision, Notification
from .retry import retry_later

log = logging.getLogger(__name__)


def notify(*, recipients: Iterable[AbstractBaseUser], actor: AbstractBaseUser | None, decision: Decision, event: str,
           text: str) -> list[Notification]:  # fmt: skip
    """Tell each recipient but the actor (None: the app itself, as for a drift a notice revealed)."""
    created = []
    for recipient in {r.pk: r for r in recipients if actor is None or r.pk != actor.pk}.values():
        notification, is_new = Notification.objects.get_or_create(
            recipient=recipient, key=event, defaults={"actor": actor, "decision": decision, "text": text[:300]}
        )
        if is_new:
            created.append(notification)
            if recipient.email:
                notification_mail.enqueue(notification.pk)
    return created


@task()
def notification_mail(notification_id: int, attempt: int = 0) -> None:
    """Send a notification's e-mail, once: a notification already mailed is not mailed again."""
    notification = Notification.objects.select_related("recipient", "decision").filter(pk=notification_id).first()
    if notification is None or notification.mailed_at is not None or not notification.recipient.email:
        return
    url = settings.DECISION_LOG_URL.rstrip("/") + notification.decision.get_absolute_url()
    try:
        send_mail(
            subject=f"[Decision Log] {notification.text}",
            message=f"{notification.text}\n\n{url}\n\nYou get this because you take part in this decision.",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.recipient.email],
        )
    except Exception:
        if retry_later(notification_mail, attempt, notification_id):
            log.warning("The e-mail for notification %s failed; trying again later", notification_id, exc_info=True)
        else:
            log.exception("Gave up on the e-mail for notification %s after %s tries", notification_id, attempt + 1)
        return
    Notification.objects.filter(pk=notification_id).update(mailed_at=timezone.now())
