"""The REST API (django-ninja): the log, the catalog and the review workflow for scripts.

The same rules as the pages: the same forms validate input, the same workflow functions
decide who may do what, and the same log query filters and searches. Errors are JSON,
with field messages where a field is at fault.
"""

import datetime
import logging
from enum import Enum
from typing import Annotated, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import HttpError, ValidationError
from ninja.pagination import PaginationBase, paginate
from ninja.security import HttpBearer, SessionAuth

from . import access, factors, paging, tokens, workflow
from .forms import CommentForm, DecisionForm, ReviewForm
from .log import log_paginator, log_results
from .models import Comment, Decision, Flow, Service, Team
from .status import TransitionRefused

logger = logging.getLogger(__name__)
MAX_PAGE_SIZE = 100
# Ids and numbers past what the databases hold are refused with a 422, not sent to them.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
PAGE = Query("1", description="The page: past the last, the last; anything but a whole number from 1, the first.")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer dl_...`, a token from the API tokens page (a feed key opens no API route)."""

    def authenticate(self, request: HttpRequest, token: str):
        user = tokens.token_user(token)
        if user is not None:
            request.user = user  # so permissions and history see who acted
        return user


api = NinjaAPI(
    title="Decision Log API",
    version="1",
    description="Read the decision log and catalog; file, edit, review, comment on and move decisions. "
    "Authenticate with a personal token (`Authorization: Bearer <token>`, from “API tokens” in the app) "
    "or, from the browser, with your session and its CSRF token.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    docs_decorator=login_required,
)


# --- errors: always JSON -------------------------------------------------------------------


class Problem(Exception):
    """A refusal with a status code, a message and, when fields are at fault, their messages."""

    def __init__(self, status: int, detail: str, errors: dict | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors or {}


@api.exception_handler(Problem)
def _problem(request, exc: Problem):
    body = {"detail": exc.detail} | ({"errors": exc.errors} if exc.errors else {})
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "payload")]
        errors.setdefault(".".join(location) or "request", []).append(error.get("msg", "Invalid value."))
    return api.create_response(request, {"detail": "Some values are not valid.", "errors": errors}, status=422)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc: Exception):
    return api.create_response(request, {"detail": str(exc) or "Your role does not allow this."}, status=403)


@api.exception_handler(TransitionRefused)
def _refused(request, exc: Exception):
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(Exception)
def _unexpected(request, exc: Exception):
    if isinstance(exc, HttpError | Http404):
        raise exc  # ninja's own handlers answer these in JSON
    if isinstance(exc, OperationalError | InterfaceError):
        raise exc  # the site's handler500 answers a database outage, in JSON under /api/
    logger.exception("API error on %s", request.path)
    return api.create_response(request, {"detail": "Something went wrong on our side."}, status=500)


def api_not_found(request: HttpRequest, rest: str) -> JsonResponse:
    """Any other URL under /api/: a JSON 404, not the HTML page."""
    return JsonResponse({"detail": "There is no such API endpoint. See /api/docs."}, status=404)


def _form_problem(form) -> Problem:
    errors = {name: [str(message) for message in messages] for name, messages in form.errors.items()}
    return Problem(422, "Some values are not valid.", errors)


# --- schemas -------------------------------------------------------------------------------


FlowStyle = Enum("FlowStyle", {style: style for style in Decision.Style.values if style})


class TeamOut(Schema):
    id: int
    name: str
    description: str


class ServiceOut(Schema):
    id: int
    name: str
    team: str = Field(..., alias="team.name")
    description: str


class FlowOut(Schema):
    id: int
    name: str
    description: str
    producer: str = Field(..., alias="producer.name")
    consumers: list[str]
    owner_team: str = Field(..., alias="owner_team.name")
    current_style: str
    current_decision: int | None

    @staticmethod
    def resolve_consumers(flow: Flow) -> list[str]:
        return [service.name for service in flow.consumers.all()]

    @staticmethod
    def resolve_current_decision(flow: Flow) -> int | None:
        return flow.current_decision.number if flow.current_decision_id else None


class DecisionSummary(Schema):
    number: int
    title: str
    status: str
    style: str
    flow: str | None
    recommendation: str
    against_recommendation: bool
    created_at: datetime.datetime
    url: str

    @staticmethod
    def resolve_flow(decision: Decision) -> str | None:
        return decision.flow.name if decision.flow_id else None

    @staticmethod
    def resolve_url(decision: Decision) -> str:
        return decision.get_absolute_url()


class FactorAnswer(Schema):
    level: int | None
    label: str | None
    reason: str


class DecisionOut(DecisionSummary):
    revision: int | None = Field(None, description="Send it back when you update, to be told of others' changes.")
    context: str
    decision_text: str
    consequences: str
    considered_options: str
    other_sections: str
    caller_needs_result: bool | None
    sync_reason: str
    factors: dict[str, FactorAnswer]
    recommendation_strength: str
    justification: str
    logic_location: str
    deciders: str
    tags: list[str]
    decided_on: datetime.date | None
    revisit_on: datetime.date | None
    supersedes: int | None
    author: str | None
    source_path: str
    source_format: str
    source_id: str
    source_status: str

    @staticmethod
    def resolve_revision(decision: Decision) -> int | None:
        return decision.latest_revision_id()

    @staticmethod
    def resolve_factors(decision: Decision) -> dict:
        answers = {}
        for factor in factors.FACTORS:
            level = getattr(decision, factor.key)
            answers[factor.key] = {
                "level": level,
                "label": factor.levels[level - 1].label if level else None,
                "reason": getattr(decision, f"{factor.key}_reason"),
            }
        return answers

    @staticmethod
    def resolve_tags(decision: Decision) -> list[str]:
        return decision.tag_list

    @staticmethod
    def resolve_supersedes(decision: Decision) -> int | None:
        return decision.supersedes.number if decision.supersedes_id else None

    @staticmethod
    def resolve_author(decision: Decision) -> str | None:
        return decision.author.get_username() if decision.author_id else None


class DecisionPage(Schema):
    count: int = Field(..., description="Matches; a search counts up to 1,001 (see `capped`).")
    capped: bool
    page: int
    pages: int
    next: str | None
    previous: str | None
    results: list[DecisionSummary]


class DecisionIn(Schema):
    """The decision form's fields. On update, send only what changes."""

    title: str | None = None
    flow: int | None = Field(None, description="The flow's id.")
    caller_needs_result: bool | None = None
    sync_reason: str | None = None
    visibility: int | None = Field(None, ge=1, le=3)
    visibility_reason: str | None = None
    growth: int | None = Field(None, ge=1, le=3)
    growth_reason: str | None = None
    coordination: int | None = Field(None, ge=1, le=3)
    coordination_reason: str | None = None
    coupling: int | None = Field(None, ge=1, le=3)
    coupling_reason: str | None = None
    style: str | None = Field(None, description="sync, command, event, or empty for a general decision.")
    justification: str | None = None
    logic_location: str | None = None
    context: str | None = None
    decision_text: str | None = None
    consequences: str | None = None
    considered_options: str | None = None
    other_sections: str | None = None
    deciders: str | None = None
    tags: list[str] | None = None
    decided_on: datetime.date | None = None
    revisit_on: datetime.date | None = None
    supersedes: int | None = Field(None, description="The number of the decision this one supersedes.")
    revision: int | None = Field(None, description="The revision your change starts from (from a GET).")


class TransitionIn(Schema):
    to: str = Field(..., description="proposed, draft, accepted, rejected or deprecated.")
    note: str = ""
    reviewers: list[str] = Field(default_factory=list, description="Usernames; needed to propose.")


class TransitionOut(Schema):
    number: int
    status: str


class CommentIn(Schema):
    body: str
    parent: int | None = Field(None, description="The id of the comment this replies to.")


class CommentOut(Schema):
    id: int
    author: str = Field(..., alias="author.username")
    parent: int | None = Field(None, alias="parent_id")
    body: str
    created_at: datetime.datetime
    edited: bool
    retracted: bool

    @staticmethod
    def resolve_body(comment: Comment) -> str:
        return "" if comment.retracted_at else comment.body

    @staticmethod
    def resolve_edited(comment: Comment) -> bool:
        return comment.edited_at is not None

    @staticmethod
    def resolve_retracted(comment: Comment) -> bool:
        return comment.retracted_at is not None


class ReviewIn(Schema):
    verdict: str = Field(..., description="approved or changes_requested.")
    body: str = ""


class ReviewOut(Schema):
    id: int
    reviewer: str = Field(..., alias="reviewer.username")
    verdict: str
    body: str
    created_at: datetime.datetime
    stale: bool


# --- the log -------------------------------------------------------------------------------


@api.get("/decisions", response=DecisionPage, tags=["decisions"])
def list_decisions(request: HttpRequest, page: str = PAGE, page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE)):
    """The log, with the log page's parameters: q (search), style, status, team, service, flow, tag,
    from, to, against, visibility, growth, coordination, coupling and sort. Repeat a parameter for several values."""
    form, sort, decisions = log_results(request.GET)
    paginator = log_paginator(decisions, page_size, form=form, sort=sort)
    current = paging.page_of(paginator, page)

    def link(number: int) -> str:
        params = QueryDict(mutable=True)
        params.update(request.GET)
        params["page"] = str(number)
        return f"{request.path}?{params.urlencode()}"

    return {
        "count": paginator.count,
        "capped": getattr(paginator, "capped", False),
        "page": current.number,
        "pages": paginator.num_pages,
        "next": link(current.next_page_number()) if current.has_next() else None,
        "previous": link(current.previous_page_number()) if current.has_previous() else None,
        "results": list(current),
    }


@api.get("/decisions/{number}", response=DecisionOut, tags=["decisions"])
def get_decision(request: HttpRequest, number: int):
    return access.decision_for(request.user, number)


def _form_data(payload: dict, decision: Decision | None) -> dict:
    """The decision form's data: the decision's current values, with the payload on top."""
    data = model_to_dict(decision, fields=DecisionForm.Meta.fields) if decision else {}
    data = {name: value for name, value in data.items() if value is not None}
    if decision is not None and decision.supersedes_id:
        data["supersedes"] = decision.supersedes_id
    for name, value in payload.items():
        if name == "supersedes":
            target = Decision.objects.filter(number=value).values_list("pk", flat=True).first() if value else None
            if value and target is None:
                raise Problem(422, "Some values are not valid.", {"supersedes": [f"No decision has number {value}."]})
            value = target
        elif name == "tags":
            value = ",".join(value or [])
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    if "caller_needs_result" in data:
        data["caller_needs_result"] = {True: "true", False: "false"}.get(data["caller_needs_result"], "")
    return data


@api.post("/decisions", response={201: DecisionOut}, tags=["decisions"])
def create_decision(request: HttpRequest, payload: DecisionIn):
    """File a draft. The same rules as the form: a reason for every factor, a justification when
    going against the recommendation, and so on."""
    if not access.can_file(request.user):
        raise access.refuse("file")
    form = DecisionForm(data=_form_data(payload.dict(exclude_unset=True), None), instance=Decision())
    if not form.is_valid():
        raise _form_problem(form)
    decision = workflow.decision_create(decision=form.save(commit=False), by=request.user)
    return Status(201, access.decision_for(request.user, decision.number))


@api.patch("/decisions/{number}", response=DecisionOut, tags=["decisions"])
def update_decision(request: HttpRequest, number: int, payload: DecisionIn):
    """Change a draft or a proposal (its author only). Send `revision` from your GET to be told,
    with a 409, when someone saved in between."""
    decision = access.decision_for(request.user, number, to="edit")
    changes = payload.dict(exclude_unset=True)
    revision = changes.pop("revision", None)
    form = DecisionForm(data=_form_data(changes, decision) | {"revision": revision or ""}, instance=decision)
    if not form.is_valid():
        raise _form_problem(form)
    try:
        workflow.decision_edit(decision=decision, by=request.user, changes=form.changes(), based_on=revision)
    except workflow.EditConflict as conflict:
        raise Problem(
            409,
            f"Someone saved this decision after revision {revision}; the current revision is "
            f"{conflict.current_revision}. GET it, merge, and send again.",
        ) from None
    return access.decision_for(request.user, number)


@api.post("/decisions/{number}/transitions", response=TransitionOut, tags=["workflow"])
def transition_decision(request: HttpRequest, number: int, payload: TransitionIn):
    """Move a decision: propose it (with reviewers), take it back to draft, accept, reject or deprecate it."""
    if payload.to not in Decision.Status.values:
        raise Problem(422, "Some values are not valid.", {"to": [f"“{payload.to}” is not a status."]})
    if payload.to == Decision.Status.PROPOSED:
        decision = access.decision_for(request.user, number, to="propose")
        candidates = {user.get_username(): user for user in access.reviewer_candidates(decision)}
        unknown = [name for name in payload.reviewers if name not in candidates]
        if unknown or not payload.reviewers:
            message = f"Not people who may review this: {', '.join(unknown)}." if unknown else "Name a reviewer."
            raise Problem(422, "Some values are not valid.", {"reviewers": [message]})
        workflow.decision_propose(
            decision=decision, by=request.user, reviewers=[candidates[name] for name in payload.reviewers],
            note=payload.note,
        )  # fmt: skip
    else:
        decision = access.decision_for(request.user, number)
        workflow.decision_transition(decision=decision, to=payload.to, by=request.user, note=payload.note)
    return {"number": decision.number, "status": decision.status}


@api.get("/decisions/{number}/comments", response=list[CommentOut], tags=["workflow"])
def list_comments(request: HttpRequest, number: int):
    return access.decision_for(request.user, number).comments.select_related("author").order_by("created_at", "pk")


@api.post("/decisions/{number}/comments", response={201: CommentOut}, tags=["workflow"])
def create_comment(request: HttpRequest, number: int, payload: CommentIn):
    decision = access.decision_for(request.user, number, to="comment")
    form = CommentForm(data={"body": payload.body})
    if not form.is_valid():
        raise _form_problem(form)
    parent = None
    if payload.parent is not None:
        parent = Comment.objects.filter(pk=payload.parent, decision=decision).first()
        if parent is None:
            raise Problem(422, "Some values are not valid.", {"parent": ["No such comment on this decision."]})
    comment = workflow.comment_post(decision=decision, by=request.user, body=form.cleaned_data["body"], parent=parent)
    return Status(201, comment)


class CommentChange(Schema):
    body: str


@api.patch("/decisions/{number}/comments/{comment_id}", response=CommentOut, tags=["workflow"])
def edit_comment(request: HttpRequest, number: int, comment_id: int, payload: CommentChange):
    """Change your own comment's text; the old text stays in its history and it shows as edited."""
    comment = access.comment_for(request.user, comment_id, "change_comment", number=number)
    form = CommentForm(data={"body": payload.body})
    if not form.is_valid():
        raise _form_problem(form)
    return workflow.comment_edit(comment=comment, by=request.user, body=form.cleaned_data["body"])


@api.post("/decisions/{number}/comments/{comment_id}/retract", response=CommentOut, tags=["workflow"])
def retract_comment(request: HttpRequest, number: int, comment_id: int):
    """Withdraw your own comment. Nothing is deleted: its text is kept, and shown as retracted."""
    comment = access.comment_for(request.user, comment_id, "retract_comment", number=number)
    return workflow.comment_retract(comment=comment, by=request.user)


@api.get("/decisions/{number}/reviews", response=list[ReviewOut], tags=["workflow"])
def list_reviews(request: HttpRequest, number: int):
    return access.decision_for(request.user, number).reviews.select_related("reviewer").order_by("created_at", "pk")


@api.post("/decisions/{number}/reviews", response={201: ReviewOut}, tags=["workflow"])
def create_review(request: HttpRequest, number: int, payload: ReviewIn):
    """Approve or request changes: only a reviewer the author asked, while the decision is proposed."""
    decision = access.decision_for(request.user, number, to="review")
    form = ReviewForm(data=payload.dict())
    if not form.is_valid():
        raise _form_problem(form)
    review = workflow.review_submit(
        decision=decision, by=request.user, verdict=form.cleaned_data["verdict"], body=form.cleaned_data["body"]
    )
    return Status(201, review)


# --- the catalog ---------------------------------------------------------------------------


class CatalogPages(PaginationBase):
    """A hundred at a time, any `page` read as the pages read it (paging.page_of)."""

    class Input(Schema):
        page: str = PAGE

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        pages: int

    def paginate_queryset(self, queryset, pagination: Input, request: HttpRequest, **params):
        current = paging.page_of(Paginator(queryset, MAX_PAGE_SIZE), pagination.page)
        return {"items": current.object_list, "count": current.paginator.count, "page": current.number,
                "pages": current.paginator.num_pages}  # fmt: skip


@api.get("/teams", response=list[TeamOut], tags=["catalog"])
@paginate(CatalogPages)
def list_teams(request: HttpRequest):
    return Team.objects.order_by("name")


@api.get("/services", response=list[ServiceOut], tags=["catalog"])
@paginate(CatalogPages)
def list_services(request: HttpRequest, team: Id | None = None):
    services = Service.objects.select_related("team").order_by("name")
    return services.filter(team_id=team) if team else services


@api.get("/flows", response=list[FlowOut], tags=["catalog"])
@paginate(CatalogPages)
def list_flows(request: HttpRequest, team: Id | None = None, service: Id | None = None, style: FlowStyle | None = None):
    """Flows by name, with each one's current style and the decision that set it."""
    flows = Flow.objects.select_related("producer", "owner_team", "current_decision").prefetch_related("consumers")
    if team:
        flows = flows.filter(owner_team_id=team)
    if service:
        flows = flows.filter(Q(producer_id=service) | Q(consumers=service))
    if style:
        flows = flows.filter(current_style=style.value)
    return flows.distinct().order_by("name")


@api.get("/flows/{flow_id}", response=FlowOut, tags=["catalog"])
def get_flow(request: HttpRequest, flow_id: int):
    queryset = Flow.objects.select_related("producer", "owner_team", "current_decision").prefetch_related("consumers")
    return get_object_or_404(queryset, pk=flow_id)
