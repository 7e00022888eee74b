"""What concerns the signed-in person: their work, their notifications, and recent activity."""

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from .. import timeline, tokens
from ..feeds import FEED_KEY
from ..forms import ApiTokenForm
from ..models import ApiToken, Decision, Notification, ReviewRequest

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


@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The person's tokens for scripts; a new token's key is shown on this response only."""
    feed_key = request.method == "POST" and request.POST.get("purpose") == "feed"
    form = ApiTokenForm(None if feed_key else (request.POST or None))
    new_key = feed_urls = None
    if feed_key:
        _, new_key = tokens.token_issue(user=request.user, name="Feed reader", feed_only=True)
        feed_urls = [
            request.build_absolute_uri(reverse(name)) + f"?{urlencode({FEED_KEY: new_key})}"
            for name in ("feed_accepted", "feed_search")
        ]
    elif request.method == "POST" and form.is_valid():
        _, new_key = tokens.token_issue(user=request.user, name=form.cleaned_data["name"])
        form = ApiTokenForm()
    mine = ApiToken.objects.filter(user=request.user, revoked_at__isnull=True)
    context = {"form": form, "tokens": mine, "new_key": new_key, "feed_urls": feed_urls}
    return render(request, "decisions/api_tokens.html", context)


@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    tokens.token_revoke(token=get_object_or_404(ApiToken, pk=pk, user=request.user))
    return redirect("api_tokens")
