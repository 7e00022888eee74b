"""Webhook subscriptions: architects add them, see each delivery and its tries, and send one again."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import webhooks, workflow
from ..forms import WebhookForm
from ..models import WebhookAttempt, WebhookDelivery, WebhookSubscription

DELIVERIES_SHOWN = 50


@permission_required("decisions.add_webhooksubscription", raise_exception=True)
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST or None, initial={"events": ["proposed", "accepted"]})
    if request.method == "POST" and form.is_valid():
        subscription = workflow.webhook_save(subscription=form.save(commit=False), by=request.user)
        messages.success(request, f"Webhook “{subscription}” added. Give its receiver the secret below.")
        return redirect(subscription)
    subscriptions = WebhookSubscription.objects.order_by("-active", "name")
    return render(request, "decisions/webhook_list.html", {"form": form, "subscriptions": subscriptions,
                                                           "events": webhooks.EVENTS})  # fmt: skip


@permission_required("decisions.change_webhooksubscription", raise_exception=True)
@require_http_methods(["GET", "POST"])
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    form = WebhookForm(request.POST or None, instance=subscription)
    if request.method == "POST" and form.is_valid():
        workflow.webhook_save(subscription=form.save(commit=False), by=request.user)
        messages.success(request, f"Webhook “{subscription}” saved.")
        return redirect(subscription)
    deliveries = subscription.deliveries.prefetch_related(
        Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("at", "pk"))
    )[:DELIVERIES_SHOWN]
    context = {"subscription": subscription, "form": form, "deliveries": deliveries, "events": webhooks.EVENTS,
               "signature_header": webhooks.SIGNATURE_HEADER, "delivery_header": webhooks.DELIVERY_HEADER}  # fmt: skip
    return render(request, "decisions/webhook_detail.html", context)


@permission_required("decisions.change_webhooksubscription", raise_exception=True)
@require_POST
def webhook_send_again(request: HttpRequest, pk) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("subscription"), pk=pk)
    workflow.webhook_send_again(delivery=delivery)
    messages.success(request, f"{delivery.event_type} is being sent again, with the same delivery id.")
    return redirect(delivery.subscription)
