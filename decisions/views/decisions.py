from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import factors, timeline, workflow
from ..forms import CommentForm, DecisionForm, MarkdownPreviewForm, ReviewForm, TransitionForm
from ..markdown import render_markdown
from ..models import Decision

ASSESS_BUTTON = "_assess"


def decision_list(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(Decision.objects.for_list().order_by("-number"), settings.DECISION_LOG_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    template = "decisions/decision_list.html"
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:
        template += "#decision-results"
    return render(request, template, {"page": page})


def get_decision(number: int) -> Decision:
    queryset = Decision.objects.select_related("flow__producer", "flow__owner_team", "author", "supersedes")
    return get_object_or_404(queryset, number=number)


def detail_context(request: HttpRequest, decision: Decision, **forms) -> dict:
    """Everything the decision page shows, in a fixed number of queries."""
    requests = list(decision.review_requests.select_related("reviewer"))
    comments = list(decision.comments.select_related("author"))
    reviews = list(decision.reviews.select_related("reviewer"))
    transitions = list(decision.transitions.select_related("by"))
    history = list(decision.history.select_related("history_user"))
    threads = [c for c in comments if c.parent_id is None]
    replies: dict[int, list] = {}
    for comment in comments:
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
    for comment in threads:
        comment.thread_replies = replies.get(comment.pk, [])
    return {
        "decision": decision,
        "superseded_by": list(decision.superseded_by.only("number", "title", "status", "supersedes")),
        "assessment": decision.assessment,
        "review": workflow.review_state(requests),
        "can": workflow.permissions_for(request.user, decision, requests),
        "threads": threads,
        "reviews": reviews,
        "timeline": timeline.decision_timeline(
            decision=decision, history=history, comments=comments, reviews=reviews, transitions=transitions
        ),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "review_form": forms.get("review_form") or ReviewForm(),
        "transition_form": forms.get("transition_form") or TransitionForm(),
    }


def decision_detail(request: HttpRequest, number: int) -> HttpResponse:
    decision = get_decision(number)
    return render(request, "decisions/decision_detail.html", detail_context(request, decision))


@permission_required("decisions.add_decision", raise_exception=True)
@require_http_methods(["GET", "POST"])
def decision_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    if flow_id := request.GET.get("flow", ""):
        initial["flow"] = flow_id if flow_id.isdigit() else None
    return _decision_form(request, Decision(), initial)


@require_http_methods(["GET", "POST"])
def decision_edit(request: HttpRequest, number: int) -> HttpResponse:
    decision = get_decision(number)
    if not workflow.can_edit(request.user, decision):
        raise PermissionDenied("Only the author may edit a draft or a proposal.")
    return _decision_form(request, decision, {})


def _decision_form(request: HttpRequest, decision: Decision, initial: dict) -> HttpResponse:
    creating = decision.pk is None
    if request.method == "POST":
        form = DecisionForm(request.POST, instance=decision)
        if form.is_valid() and ASSESS_BUTTON not in request.POST:
            if creating:
                decision = workflow.decision_save(decision=form.save(commit=False), by=request.user)
            else:
                decision = workflow.decision_edit(decision=form.save(commit=False), by=request.user,
                                                  changed=form.changed_data)  # fmt: skip
            messages.success(request, f"{decision.code} {'filed as a draft' if creating else 'saved'}.")
            return redirect(decision)
    else:
        form = DecisionForm(instance=decision, initial=initial)
    return render(
        request,
        "decisions/decision_form.html",
        {
            "form": form,
            "decision": decision,
            "creating": creating,
            "assessing": ASSESS_BUTTON in request.POST,
            "markdown_fields": [form[name] for name in DecisionForm.MARKDOWN_SECTIONS],
            **_assessment_context(form, decision),
        },
    )


def _assessment_context(form: DecisionForm, decision: Decision) -> dict:
    if form.is_bound:
        form.is_valid()
        assessment = form.assessment()
        flow = form.cleaned_data.get("flow")
    else:
        assessment = decision.assessment
        flow = decision.flow
    precedents = Decision.objects.precedents(assessment=assessment, flow=flow, exclude=decision.pk)
    style = form["style"].value() or ""
    return {
        "assessment": assessment,
        "needs_justification": assessment.complete and factors.needs_justification(assessment, style),
        "logic_hint": factors.LOGIC_LOCATION_HINTS.get(style, "For a command or an event, say where the logic lives."),
        "gate_question": factors.SYNC_GATE_QUESTION,
        "precedents": precedents,
        "precedent_summary": factors.summarise_choices([p.style for p in precedents.similar]),
    }


@permission_required("decisions.add_decision", raise_exception=True)
@require_POST
def decision_assess(request: HttpRequest) -> HttpResponse:
    """The live recommendation and precedents for the answers so far (htmx)."""
    number = request.POST.get("number", "")
    decision = Decision.objects.filter(number=number).first() if number.isdigit() else None
    form = DecisionForm(request.POST, instance=decision or Decision())
    return render(request, "decisions/_assess_response.html", _assessment_context(form, decision or Decision()))


@require_POST
def markdown_preview(request: HttpRequest) -> HttpResponse:
    """Render the Markdown of the field that triggered the request (htmx)."""
    field = request.htmx.trigger_name if request.htmx else None
    form = MarkdownPreviewForm({"text": request.POST.get(field or "text", "")})
    html = render_markdown(form.cleaned_data["text"]) if form.is_valid() else ""
    return render(request, "decisions/_markdown_preview.html", {"html": html, "form": form})
