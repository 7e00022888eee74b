"""Proposing, reviewing and deciding."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import access, workflow
from ..forms import ProposeForm, ReviewForm, TransitionForm
from ..models import person_name
from ..status import TransitionRefused
from .decisions import detail_context


@require_http_methods(["GET", "POST"])
def decision_propose(request: HttpRequest, number: int) -> HttpResponse:
    decision = access.decision_for(request.user, number, to="propose")
    form = ProposeForm(request.POST or None, reviewers=access.reviewer_candidates(decision))
    if request.method == "POST" and form.is_valid():
        try:
            workflow.decision_propose(
                decision=decision, by=request.user, reviewers=form.cleaned_data["reviewers"],
                note=form.cleaned_data["note"],
            )  # fmt: skip
        except TransitionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            names = ", ".join(person_name(r) for r in form.cleaned_data["reviewers"])
            messages.success(request, f"{decision.code} is proposed; {names} asked to review.")
            return redirect(decision)
    return render(
        request,
        "decisions/decision_propose.html",
        {"decision": decision, "form": form, "min_approvals": settings.DECISION_REVIEW_MIN_APPROVALS},
    )


@require_POST
def decision_transition(request: HttpRequest, number: int) -> HttpResponse:
    decision = access.decision_for(request.user, number, to="move")
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That change of status was not understood; nothing changed.")
        return redirect(decision)
    try:
        workflow.decision_transition(
            decision=decision, to=form.cleaned_data["to"], by=request.user, note=form.cleaned_data["note"]
        )
    except TransitionRefused as refusal:
        messages.error(request, f"Nothing changed: {refusal}")
        return render(
            request, "decisions/decision_detail.html", detail_context(request, decision, transition_form=form)
        )
    messages.success(request, f"{decision.code} is now {decision.get_status_display().lower()}.")
    return redirect(decision)


@require_POST
def decision_review(request: HttpRequest, number: int) -> HttpResponse:
    decision = access.decision_for(request.user, number, to="review")
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            workflow.review_submit(
                decision=decision, by=request.user, verdict=form.cleaned_data["verdict"], body=form.cleaned_data["body"]
            )
        except TransitionRefused as refusal:
            form.add_error("body", str(refusal))
        else:
            messages.success(request, "Your review is recorded and the author is told.")
            return redirect(decision)
    return render(request, "decisions/decision_detail.html", detail_context(request, decision, review_form=form))


@require_POST
def review_ask_again(request: HttpRequest, number: int) -> HttpResponse:
    decision = access.decision_for(request.user, number, to="edit")
    asked = request.POST.get("request", "")
    if not asked.isdigit():
        raise Http404("No such review request.")
    reviewer = get_object_or_404(decision.review_requests.select_related("reviewer"), pk=int(asked))
    try:
        workflow.review_ask_again(decision=decision, by=request.user, reviewer=reviewer.reviewer)
    except TransitionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"{person_name(reviewer.reviewer)} is asked to review it again.")
    return redirect(decision)
