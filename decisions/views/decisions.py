import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import access, factors, pagecache, paging, search, timeline, workflow
from ..adr_files import export
from ..forms import (
    ADR_ID,
    AttachmentForm,
    CommentForm,
    DecisionForm,
    LogFilterForm,
    MarkdownPreviewForm,
    ReviewForm,
    TransitionForm,
)
from ..log import log_paginator, log_results
from ..markdown import render_markdown
from ..models import Attachment, Decision, Flow, FlowSnapshot, Team
from ..status import TransitionRefused

ASSESS_BUTTON = "_assess"


def _without(params: QueryDict, *names: str) -> str:
    """The query string minus some parameters, the page and anything left empty."""
    kept = QueryDict(mutable=True)
    for name, values in params.lists():
        if name not in (*names, "page"):
            kept.setlist(name, [v for v in values if v.strip()])
    return kept.urlencode()


def _active_filters(form: LogFilterForm, params: QueryDict) -> list[dict]:
    return [{"label": label, "value": shown, "remove": _without(params, name)}
            for name, label, shown in form.filters_described()]  # fmt: skip


def _named_by_id(text: str) -> Decision | None:
    """The decision a search names by its id alone: "20", "ADR-20", "adr 0020"."""
    match = ADR_ID.match(text)
    if not match or text[match.end() :].strip():
        return None
    return Decision.objects.only("number", "title").filter(number=int(match.group(1))).first()


def decision_list(request: HttpRequest) -> HttpResponse:
    """The log and its searches. What a URL shows is the same for everyone with the same role until
    something changes, so it is kept rendered in the shared cache (decisions.pagecache)."""
    partial = bool(request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request)
    key = pagecache.key("log", sorted(request.GET.lists()), partial, request.user.has_perm("decisions.add_decision"))
    content, title, push_url = pagecache.kept(key, lambda: _log_content(request, partial))
    if partial:
        response = HttpResponse(content)
        response["HX-Push-Url"] = push_url
        return response
    return render(request, "decisions/decision_list.html", {"content": content, "page_title": title})


def _log_content(request: HttpRequest, partial: bool) -> tuple[str, str, str]:
    """The log's content (the results alone for htmx), its page title, and the address to show."""
    form, sort, decisions = log_results(request.GET)
    text = form.cleaned_data.get("q", "")
    paginator = log_paginator(decisions, settings.DECISION_LOG_PAGE_SIZE, form=form, sort=sort)
    page = paging.page_of(paginator, request.GET.get("page"))
    excerpts = (
        search.snippets(text, [d.pk for d in page], revisions={d.pk: d.text_revision for d in page}) if text else {}
    )
    for decision in page:
        decision.excerpt = excerpts.get(decision.pk)
    context = {
        "page": page,
        "form": form,
        "sort": sort,
        "searching": bool(text),
        "named": _named_by_id(text) if text else None,
        "active_filters": _active_filters(form, request.GET),
        "ignored": form.ignored(),
        "query_string": _without(request.GET),
        "feed_query": _without(request.GET, "format"),
        "export_formats": export.FORMATS,
        "rank_candidates": search.RANK_CANDIDATES,
        # Pairs, not models: a hundred teams made this select cost more than the results.
        "team_options": Team.objects.order_by("name").values_list("pk", "name"),
        "chosen_team": getattr(form.cleaned_data.get("team"), "pk", None),
        "level_filters": [(f.key, f.name, f.choices, request.GET.get(f.key, "")) for f in factors.FACTORS],
        "levels_chosen": any(request.GET.get(f.key) for f in factors.FACTORS),
    }
    template = "decisions/_log_content.html" + ("#decision-results" if partial else "")
    clean = _without(request.GET) + (f"&page={page.number}" if page.number > 1 else "")
    push_url = reverse("decision_list") + (f"?{clean.lstrip('&')}" if clean else "")
    title = f"“{text}” in the decision log" if text else "Decision log"
    return render_to_string(template, context, request), title, push_url


INCOMING_LINK_LABELS = {"supersedes": "Superseded by", "amends": "Amended by", "relates": "Related to"}


def decision_links(decision: Decision) -> list[tuple[str, Decision]]:
    """The decision's typed links both ways, as (what it says, the other decision)."""
    outgoing = decision.links.select_related("target").only("kind", "source", "target__number", "target__title")
    incoming = decision.linked_from.select_related("source").only("kind", "target", "source__number", "source__title")
    return [(link.get_kind_display(), link.target) for link in outgoing] + [
        (INCOMING_LINK_LABELS[link.kind], link.source) for link in incoming
    ]


def _attachments(decision: Decision) -> list[Attachment]:
    """The decision's images, loaded once (their bytes left out) for its list and its image links."""
    prefetch_related_objects([decision], Prefetch("attachments", queryset=Attachment.objects.defer("data")))
    return list(decision.attachments.all())


def detail_context(request: HttpRequest, decision: Decision, **forms) -> dict:
    """Everything the decision page shows, in a fixed number of queries."""
    requests = list(decision.review_requests.select_related("reviewer"))
    comments = list(decision.comments.select_related("author"))
    reviews = list(decision.reviews.select_related("reviewer"))
    transitions = list(decision.transitions.select_related("by"))
    history = list(decision.history.select_related("history_user"))
    drifts = []  # drift is found only on flows the contracts describe
    if decision.flow_id and decision.flow.message:
        drifts = list(decision.drifts.select_related("acknowledged_by", "resolved_by", "snapshot__contract_import"))
    threads = [c for c in comments if c.parent_id is None]
    replies: dict[int, list] = {}
    for comment in comments:
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
    for comment in threads:
        comment.thread_replies = replies.get(comment.pk, [])
    attachments = _attachments(decision)
    review, can = workflow.review_state(requests), access.permissions_for(request.user, decision, requests)
    return {
        "decision": decision,
        # Unordered on purpose: ordering by number made SQLite walk the whole table instead of the index.
        "superseded_by": sorted(
            decision.superseded_by.only("number", "title", "status", "supersedes").order_by(),
            key=lambda newer: newer.number,
        ),
        "links": decision_links(decision),
        "assessment": decision.assessment,
        "review": review,
        "can": can,
        "side_panel": decision.status == Decision.Status.PROPOSED
        or bool(review.approved or review.changes_requested or review.waiting or can.moves),
        "threads": threads,
        "reviews": reviews,
        "timeline": timeline.decision_timeline(
            decision=decision,
            history=history,
            comments=comments,
            reviews=reviews,
            transitions=transitions,
            drifts=drifts,
        ),
        "drifts": drifts,
        "attachments": attachments,
        "attachment_form": AttachmentForm(),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "review_form": forms.get("review_form") or ReviewForm(),
        "transition_form": forms.get("transition_form") or TransitionForm(),
    }


# Kept pages hold the CSRF token of the view that rendered them; each view puts in its own.
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def decision_detail(request: HttpRequest, number: int) -> HttpResponse:
    """A decision, kept rendered for each person (what they may do with it differs) until anything
    changes (decisions.pagecache)."""
    decision = access.decision_for(request.user, number)
    key = pagecache.key("decision", number, request.user.pk)
    content = pagecache.kept(
        key, lambda: render_to_string("decisions/_decision_page.html", detail_context(request, decision), request)
    )
    content = CSRF_FIELD.sub(f'name="csrfmiddlewaretoken" value="{get_token(request)}"', content)
    return render(request, "decisions/decision_detail.html", {"decision": decision, "content": mark_safe(content)})  # noqa: S308 # nosec B308 B703


@permission_required("decisions.add_decision", raise_exception=True)
@require_http_methods(["GET", "POST"])
def decision_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    if flow_id := request.GET.get("flow", ""):
        initial["flow"] = flow_id if flow_id.isdigit() else None
    older = request.GET.get("supersedes", "")
    if older.isdigit() and (replaced := Decision.objects.filter(number=int(older[:7])).first()):
        # "Supersede with a new decision": a draft for the same flow that replaces this one.
        initial |= {"supersedes": replaced, "flow": replaced.flow_id}
    return _decision_form(request, Decision(), initial)


@require_http_methods(["GET", "POST"])
def decision_edit(request: HttpRequest, number: int) -> HttpResponse:
    return _decision_form(request, access.decision_for(request.user, number, to="edit"), {})


def _decision_form(request: HttpRequest, decision: Decision, initial: dict) -> HttpResponse:
    creating = decision.pk is None
    if request.method == "POST":
        form = DecisionForm(request.POST, instance=decision)
        if form.is_valid() and ASSESS_BUTTON not in request.POST:
            if creating:
                decision = workflow.decision_create(decision=form.save(commit=False), by=request.user)
            else:
                try:
                    workflow.decision_edit(
                        decision=decision, by=request.user, changes=form.changes(),
                        based_on=form.cleaned_data["revision"],
                    )  # fmt: skip
                except workflow.EditConflict as conflict:
                    return _edit_conflict(request, decision.number, conflict.current_revision)
                except TransitionRefused as refusal:
                    messages.error(request, f"Nothing saved: {refusal}")
                    return redirect(decision)
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
            "attachments": [] if creating else _attachments(decision),
            "attachment_form": AttachmentForm(),
            **_assessment_context(form, decision),
        },
    )


def _edit_conflict(request: HttpRequest, number: int, current_revision: int | None) -> HttpResponse:
    """Show the person's text beside the newer saved one, in a form that saves their merge."""
    current = access.decision_for(request.user, number, to="edit")
    data = request.POST.copy()
    data["revision"] = current_revision
    form = DecisionForm(data, instance=current)
    differences = [
        {"label": form[name].label, "theirs": form[name].value(), "saved": form[name].initial}
        for name in form.changed_data
        if name != "revision"
    ]
    context = {
        "form": form,
        "decision": current,
        "differences": differences,
        "markdown_fields": [form[name] for name in DecisionForm.MARKDOWN_SECTIONS],
        **_assessment_context(form, current),
    }
    return render(request, "decisions/decision_conflict.html", context, status=409)


def _assessment_context(form: DecisionForm, decision: Decision) -> dict:
    if form.is_bound:
        form.is_valid()
        assessment = form.assessment()
        flow = form.cleaned_data.get("flow")
    else:
        assessment = decision.assessment
        chosen = str(form["flow"].value() or "")  # a new decision's flow may come from ?flow=
        flow = (
            decision.flow if decision.flow_id else Flow.objects.filter(pk=chosen).first() if chosen.isdigit() else None
        )
    precedents = Decision.objects.precedents(assessment=assessment, flow=flow, exclude=decision.pk)
    style = form["style"].value() or ""
    snapshot = (
        flow and FlowSnapshot.objects.select_related("contract_import").filter(pk=flow.latest_snapshot_id).first()
    )
    return {
        "flow_facts": snapshot
        and {
            "facts": snapshot.facts,
            "taken_at": snapshot.taken_at,
            "source": snapshot.contract_import.source,
        },  # fmt: skip
        "assessment": assessment,
        "needs_justification": assessment.complete and factors.needs_justification(assessment, style),
        "logic_hint": factors.LOGIC_LOCATION_HINTS.get(style, "For a command or an event, say where the logic lives."),
        "gate_question": factors.SYNC_GATE_QUESTION,
        "gate_answered_no": str(form["caller_needs_result"].value()) == "false",
        "precedents": precedents,
        "precedent_summary": factors.summarise_choices([p.style for p in precedents.similar]),
    }


@permission_required("decisions.add_decision", raise_exception=True)
@require_POST
def decision_assess(request: HttpRequest) -> HttpResponse:
    """The live recommendation and precedents for the answers so far (htmx)."""
    number = request.POST.get("number", "")
    decision = Decision.objects.filter(number=number).first() if number.isdigit() else None
    form = DecisionForm(request.POST, instance=decision or Decision(), saving=False)
    return render(request, "decisions/_assess_response.html", _assessment_context(form, decision or Decision()))


PICK_LIMIT = 10


@require_GET
def decision_pick(request: HttpRequest) -> HttpResponse:
    """Suggestions for the "Supersedes" field (htmx): the decision whose number was typed, then the
    newest matches of the words, as <option>s of its datalist."""
    text = request.GET.get("supersedes", "")[:200]
    found: list[Decision] = []
    if ADR_ID.fullmatch(text.strip()):  # an id alone: that decision, or none
        found = [named] if (named := _named_by_id(text)) else []
    elif text.strip():
        found = list(search.search(Decision.objects.only("number", "title"), text).order_by("-number")[:PICK_LIMIT])
    return render(request, "decisions/_decision_options.html", {"decisions": found})


@require_POST
def markdown_preview(request: HttpRequest) -> HttpResponse:
    """Render the Markdown of the field that triggered the request (htmx)."""
    field = request.htmx.trigger_name if request.htmx else None
    form = MarkdownPreviewForm({"text": request.POST.get(field or "text", "")})
    html = render_markdown(form.cleaned_data["text"]) if form.is_valid() else ""
    return render(request, "decisions/_markdown_preview.html", {"html": html, "form": form})
