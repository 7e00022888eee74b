"""What concerns the signed-in person: their work, their notifications, and recent activity."""

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .. import timeline
from ..models import Decision, Notification, ReviewRequest

Status = Decision.Status


def my_work(request: HttpRequest) -> HttpResponse:
    user = request.user
    mine = Decision.objects.filter(author=user).only("number", "title", "status", "revisit_on", "updated_at")
    waiting = (
        ReviewRequest.objects.filter(reviewer=user, state=ReviewRequest.State.WAITING, decision__status=Status.PROPOSED)
        .select_related("decision__author")
        .order_by("updated_at")
    )
    proposals = mine.filter(status=Status.PROPOSED).prefetch_related(
        Prefetch("review_requests", queryset=ReviewRequest.objects.select_related("reviewer"))
    )
    return render(
        request,
        "decisions/my_work.html",
        {
            "waiting": waiting,
            "drafts": mine.filter(status=Status.DRAFT).order_by("-updated_at"),
            "proposals": proposals.order_by("-updated_at"),
            "overdue": mine.filter(status=Status.ACCEPTED, revisit_on__lt=timezone.localdate()).order_by("revisit_on"),
        },
    )


def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = request.user.notifications.select_related("actor", "decision").only(
        "text", "created_at", "read_at", "actor__username", "decision__number"
    )[:100]
    return render(request, "decisions/notification_list.html", {"notifications": notifications})


@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification.objects.select_related("decision"), pk=pk, recipient=request.user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return redirect(notification.decision)


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notification_list")


def activity(request: HttpRequest) -> HttpResponse:
    return render(request, "decisions/activity.html", {"entries": timeline.recent_activity()})
