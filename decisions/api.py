"""The REST API (django-ninja): the log, the catalog and the review workflow for scripts.

The same rules as the pages: the same forms validate input, the same workflow functions
decide who may do what, and the same log query filters and searches. Errors are JSON,
with field messages where a field is at fault.
"""

import datetime
import functools
import logging
from enum import Enum
from typing import Annotated, Any, Literal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.utils.datastructures import MultiValueDict
from ninja import Field, File, Form, NinjaAPI, Path, Query, Schema, Status, Swagger, UploadedFile
from ninja.errors import HttpError, ValidationError
from ninja.pagination import PaginationBase, paginate
from ninja.schema import DjangoGetter
from ninja.security import HttpBearer, SessionAuth
from pydantic import ConfigDict, model_validator

from . import access, factors, forms, paging, tokens, workflow
from .adr_files.importer import CollectionError
from .contracts.reader import NothingToRead
from .forms import CommentForm, DecisionForm, ReviewForm
from .log import log_paginator, log_results
from .models import Comment, ContractImport, Decision, DecisionStyle, Flow, Service, Team
from .status import TransitionRefused

logger = logging.getLogger(__name__)
MAX_PAGE_SIZE = 100
# Ids and numbers past what the databases hold are refused with a 422, not sent to them.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
PathId = Annotated[int, Path(ge=1, le=2**63 - 1)]
# Tags as the form keeps them (decisions.tags), in either case.
TAG = r"^[A-Za-z0-9][A-Za-z0-9 ._/+-]{0,39}$"
Tag = Annotated[str, Field(pattern=TAG)]
Username = Annotated[str, Field(min_length=1, max_length=150)]
PAGE = Query("1", description="The page: past the last, the last; anything but a whole number from 1, the first.")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer dl_...`, a token from the API tokens page (a feed key opens no API route)."""

    def authenticate(self, request: HttpRequest, token: str):
        user = tokens.token_user(token)
        if user is not None:
            request.user = user  # so permissions and history see who acted
        return user


def signed_in_or_token(view):
    """The docs and the schema: for people signed in, and for scripts with an API token."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer ") and (user := tokens.token_user(header.removeprefix("Bearer ").strip())):
            request.user = user
        return login_required(view)(request, *args, **kwargs)

    return wrapped


api = NinjaAPI(
    title="Decision Log API",
    version="1",
    description="Read the decision log and catalog; file, edit, review, comment on and move decisions. "
    "Authenticate with a personal token (`Authorization: Bearer <token>`, from “API tokens” in the app) "
    "or, from the browser, with your session and its CSRF token.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    docs_decorator=signed_in_or_token,
    # Without deep links an operation's summary holds no link inside its button (axe: nested-interactive).
    docs=Swagger(settings={"deepLinking": False}),
)


# --- errors: always JSON -------------------------------------------------------------------


# Two kinds of 422: values the schema itself refuses, and values it allows that break a rule it
# cannot say (a reason for each factor picked, a flow that exists...).
NOT_AS_DESCRIBED = "Some values are not valid."
BROKEN_RULE = "Some values break a rule: see each field."


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
        # Field names as the forms give them: "tags", not "tags.1".
        location = [part for part in error.get("loc", ()) if isinstance(part, str)]
        location = [part for part in location if part not in ("body", "query", "path", "payload")]
        errors.setdefault(".".join(location) or "body", []).append(_plain(error))
    return api.create_response(request, {"detail": NOT_AS_DESCRIBED, "errors": errors}, status=422)


def _plain(error: dict) -> str:
    """Pydantic's message, in the words the forms use where they differ."""
    if error.get("type") == "extra_forbidden":
        return "There is no such field; see /api/docs for the fields this takes."
    if error.get("type") == "string_pattern_mismatch":
        return PATTERN_MESSAGES.get(error.get("ctx", {}).get("pattern"), "This value is not in the expected form.")
    return str(error.get("msg", "Invalid value.")).removeprefix("Value error, ")


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
    return Problem(422, BROKEN_RULE, errors)


# --- schemas -------------------------------------------------------------------------------


class ProblemOut(Schema):
    detail: str = Field(..., description="What was refused, in plain words.")
    errors: dict[str, list[str]] | None = Field(None, description="Per field, what is wrong with it.")


ON_A_DECISION = (400, 403, 404, 409)  # unreadable body, role, no such decision, its state forbids it


def answers(success: dict, *problems: int) -> dict:
    """An operation's responses: its success, and the refusals it can give (401 and 422 always)."""
    return success | dict.fromkeys(sorted({401, 422, *problems}), ProblemOut)


def _surrogate_free(value) -> None:
    if isinstance(value, str):
        value.encode("utf-8")  # a lone surrogate ("\ud800") is not a character and cannot be stored
    elif isinstance(value, dict):
        for key, item in value.items():
            _surrogate_free(key)
            _surrogate_free(item)
    elif isinstance(value, list):
        for item in value:
            _surrogate_free(item)


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


class Body(Schema):
    """A request body: a JSON object of UTF-8 text with no field the schema does not name. NUL
    characters, which no text needs and PostgreSQL cannot keep, are dropped."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _an_object_of_text(cls, data):
        data = data._obj if isinstance(data, DjangoGetter) else data  # ninja wraps what it validates
        if not isinstance(data, dict):
            raise ValueError('The body must be a JSON object, such as {"title": "…"}.')
        try:
            _surrogate_free(data)
        except UnicodeEncodeError:
            raise ValueError("The body holds a lone surrogate (such as \\ud800), which is not a character.") from None
        return {key: _without_nul(value) for key, value in data.items()}


# Text that must hold something to read: a character that is not a space or a control character.
VISIBLE = r"[^\s\x00-\x1f\x7f]"


PATTERN_MESSAGES = {
    VISIBLE: "Write something here: it is empty, or only spaces.",
    TAG: "Use letters, digits, spaces and . _ / + -, up to 40 characters, starting with a letter or digit.",
}


def text(limit: int, description: str = "", **constraints) -> Any:
    return Field(None, max_length=limit, description=description or None, **constraints)


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
    repository: str
    contacts: str


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
        return decision.flow_name

    @staticmethod
    def resolve_url(decision: Decision) -> str:
        return decision.get_absolute_url()


class FactorAnswer(Schema):
    level: int | None = Field(description="1, 2 or 3; what each means is in `label`, in the factor's own words.")
    label: str | None
    reason: str


def level_field(key: str):
    """A factor's level, documented in the factor's own words (factors.Level.short)."""
    factor = factors.FACTORS_BY_KEY[key]
    meanings = "; ".join(f"{level.value}: {level.short}" for level in factor.levels)
    return Field(None, ge=1, le=3, description=f"{factor.name}: {meanings}.")


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


class DecisionIn(Body):
    """The decision form's fields. On update, send only what changes. Beyond what this schema
    says, the form's rules apply (a reason for each factor picked, a justification when going
    against the recommendation...); a 422 names the field and the rule."""

    title: str | None = text(200, pattern=VISIBLE)
    flow: Id | None = Field(None, description="The flow's id.")
    caller_needs_result: bool | None = None
    sync_reason: str | None = text(forms.REASON_LIMIT)
    visibility: int | None = level_field("visibility")
    visibility_reason: str | None = text(forms.REASON_LIMIT)
    growth: int | None = level_field("growth")
    growth_reason: str | None = text(forms.REASON_LIMIT)
    coordination: int | None = level_field("coordination")
    coordination_reason: str | None = text(forms.REASON_LIMIT)
    coupling: int | None = level_field("coupling")
    coupling_reason: str | None = text(forms.REASON_LIMIT)
    style: DecisionStyle | None = Field(None, description="sync, command, event, or empty for a general decision.")
    justification: str | None = text(forms.REASON_LIMIT)
    logic_location: str | None = text(forms.REASON_LIMIT)
    context: str | None = text(forms.SECTION_LIMIT)
    decision_text: str | None = text(forms.SECTION_LIMIT)
    consequences: str | None = text(forms.SECTION_LIMIT)
    considered_options: str | None = text(forms.SECTION_LIMIT)
    other_sections: str | None = text(forms.SECTION_LIMIT)
    deciders: str | None = text(500)
    tags: list[Tag] | None = Field(None, max_length=50)
    decided_on: datetime.date | None = None
    revisit_on: datetime.date | None = None
    supersedes: Id | None = Field(None, description="The number of the decision this one supersedes.")
    revision: Id | None = Field(None, description="The revision your change starts from (from a GET).")


class DecisionCreate(DecisionIn):
    title: str = Field(..., min_length=1, max_length=200, pattern=VISIBLE)


class TransitionIn(Body):
    to: Literal["proposed", "draft", "accepted", "rejected", "deprecated"]
    note: str = Field("", max_length=forms.REASON_LIMIT)
    reviewers: list[Username] = Field(default_factory=list, max_length=20, description="Usernames; needed to propose.")


class TransitionOut(Schema):
    number: int
    status: str


class CommentChange(Body):
    body: str = Field(..., max_length=forms.COMMENT_LIMIT, pattern=VISIBLE)


class CommentIn(CommentChange):
    parent: Id | None = Field(None, description="The id of the comment this replies to.")


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


class ReviewIn(Body):
    verdict: Literal["approved", "changes_requested"]
    body: str = Field("", max_length=forms.COMMENT_LIMIT)


class ReviewOut(Schema):
    id: int
    reviewer: str = Field(..., alias="reviewer.username")
    verdict: str
    body: str
    created_at: datetime.datetime
    stale: bool


# --- the log -------------------------------------------------------------------------------


@api.get("/decisions", response=answers({200: DecisionPage}), tags=["decisions"])
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


@api.get("/decisions/{number}", response=answers({200: DecisionOut}, 404), tags=["decisions"])
def get_decision(request: HttpRequest, number: PathId):
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
                raise Problem(422, BROKEN_RULE, {"supersedes": [f"No decision has number {value}."]})
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


@api.post("/decisions", response=answers({201: DecisionOut}, 400, 403), tags=["decisions"])
def create_decision(request: HttpRequest, payload: DecisionCreate):
    """File a draft. The same rules as the form: a reason for every factor, a justification when
    going against the recommendation, and so on."""
    if not access.can_file(request.user):
        raise access.refuse("file")
    form = DecisionForm(data=_form_data(payload.dict(exclude_unset=True), None), instance=Decision())
    if not form.is_valid():
        raise _form_problem(form)
    decision = workflow.decision_create(decision=form.save(commit=False), by=request.user)
    return Status(201, access.decision_for(request.user, decision.number))


@api.patch("/decisions/{number}", response=answers({200: DecisionOut}, *ON_A_DECISION), tags=["decisions"])
def update_decision(request: HttpRequest, number: PathId, payload: DecisionIn):
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


@api.post("/decisions/{number}/transitions", response=answers({200: TransitionOut}, *ON_A_DECISION), tags=["workflow"])
def transition_decision(request: HttpRequest, number: PathId, payload: TransitionIn):
    """Move a decision: propose it (with reviewers), take it back to draft, accept, reject or deprecate it."""
    if payload.to == Decision.Status.PROPOSED:
        decision = access.decision_for(request.user, number, to="propose")
        candidates = {user.get_username(): user for user in access.reviewer_candidates(decision)}
        unknown = [name for name in payload.reviewers if name not in candidates]
        if unknown or not payload.reviewers:
            message = f"Not people who may review this: {', '.join(unknown)}." if unknown else "Name a reviewer."
            raise Problem(422, BROKEN_RULE, {"reviewers": [message]})
        workflow.decision_propose(
            decision=decision, by=request.user, reviewers=[candidates[name] for name in payload.reviewers],
            note=payload.note,
        )  # fmt: skip
    else:
        decision = access.decision_for(request.user, number)
        workflow.decision_transition(decision=decision, to=payload.to, by=request.user, note=payload.note)
    return {"number": decision.number, "status": decision.status}


@api.get("/decisions/{number}/comments", response=answers({200: list[CommentOut]}, 404), tags=["workflow"])
def list_comments(request: HttpRequest, number: PathId):
    return access.decision_for(request.user, number).comments.select_related("author").order_by("created_at", "pk")


@api.post("/decisions/{number}/comments", response=answers({201: CommentOut}, *ON_A_DECISION), tags=["workflow"])
def create_comment(request: HttpRequest, number: PathId, payload: CommentIn):
    decision = access.decision_for(request.user, number, to="comment")
    form = CommentForm(data={"body": payload.body})
    if not form.is_valid():
        raise _form_problem(form)
    parent = None
    if payload.parent is not None:
        parent = Comment.objects.filter(pk=payload.parent, decision=decision).first()
        if parent is None:
            raise Problem(422, BROKEN_RULE, {"parent": ["No such comment on this decision."]})
    comment = workflow.comment_post(decision=decision, by=request.user, body=form.cleaned_data["body"], parent=parent)
    return Status(201, comment)


@api.patch(
    "/decisions/{number}/comments/{comment_id}", response=answers({200: CommentOut}, *ON_A_DECISION), tags=["workflow"]
)
def edit_comment(request: HttpRequest, number: PathId, comment_id: PathId, payload: CommentChange):
    """Change your own comment's text; the old text stays in its history and it shows as edited."""
    comment = access.comment_for(request.user, comment_id, "change_comment", number=number)
    form = CommentForm(data={"body": payload.body})
    if not form.is_valid():
        raise _form_problem(form)
    return workflow.comment_edit(comment=comment, by=request.user, body=form.cleaned_data["body"])


@api.post(
    "/decisions/{number}/comments/{comment_id}/retract",
    response=answers({200: CommentOut}, 403, 404, 409),
    tags=["workflow"],
)
def retract_comment(request: HttpRequest, number: PathId, comment_id: PathId):
    """Withdraw your own comment. Nothing is deleted: its text is kept, and shown as retracted."""
    comment = access.comment_for(request.user, comment_id, "retract_comment", number=number)
    return workflow.comment_retract(comment=comment, by=request.user)


@api.get("/decisions/{number}/reviews", response=answers({200: list[ReviewOut]}, 404), tags=["workflow"])
def list_reviews(request: HttpRequest, number: PathId):
    return access.decision_for(request.user, number).reviews.select_related("reviewer").order_by("created_at", "pk")


@api.post("/decisions/{number}/reviews", response=answers({201: ReviewOut}, *ON_A_DECISION), tags=["workflow"])
def create_review(request: HttpRequest, number: PathId, payload: ReviewIn):
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


@api.get("/teams", response=answers({200: list[TeamOut]}), tags=["catalog"])
@paginate(CatalogPages)
def list_teams(request: HttpRequest):
    return Team.objects.order_by("name")


@api.get("/services", response=answers({200: list[ServiceOut]}), tags=["catalog"])
@paginate(CatalogPages)
def list_services(request: HttpRequest, team: Id | None = None):
    services = Service.objects.select_related("team").order_by("name")
    return services.filter(team_id=team) if team else services


@api.get("/flows", response=answers({200: list[FlowOut]}), tags=["catalog"])
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


@api.get("/flows/{flow_id}", response=answers({200: FlowOut}, 404), tags=["catalog"])
def get_flow(request: HttpRequest, flow_id: PathId):
    queryset = Flow.objects.select_related("producer", "owner_team", "current_decision").prefetch_related("consumers")
    return get_object_or_404(queryset, pk=flow_id)


# --- message contracts --------------------------------------------------------------------


class ContractImportOut(Schema):
    id: int | None = Field(None, description="The import, at /contracts/imports/{id}/ in the app.")
    source: str
    summary: str
    documents: list[dict[str, Any]]
    services_created: list[list[str]]
    services_matched: list[list[str]]
    flows_created: list[str]
    flows_linked: list[list[str]]
    flows_changed: list[str]
    flows_gone: list[str]
    unsent: list[str] = Field(..., description="Messages received but sent by no service: no flow is made for them.")
    drifts: list[dict[str, str]] = Field(..., description="The revisit items this import opened.")


ContractSource = Annotated[str, Form(..., min_length=1, max_length=200, pattern=VISIBLE,
                                     description="Where the contracts come from, such as the team's repository. "
                                     "An import from the same source replaces what it said before.")]  # fmt: skip


@api.post("/contracts", response=answers({201: ContractImportOut}, 400, 403), tags=["contracts"])
def import_contracts(request: HttpRequest, source: ContractSource, files: File[list[UploadedFile]]):
    """Import message contracts, as a team's CI does on every merge: AsyncAPI 2.x or 3.0 documents
    (YAML or JSON) with the files they refer to, or one .zip of documents or of an EventCatalog
    catalog. A document that does not validate refuses the import (422, its reasons per file)."""
    if not access.can_import_contracts(request.user):
        raise access.refuse("contracts")
    form = forms.ContractUploadForm(data={"source": source}, files=MultiValueDict({"files": files}))
    if not form.is_valid():
        raise _form_problem(form)
    try:
        report = workflow.contracts_import(
            form.contract_files(), source=form.cleaned_data["source"], via=ContractImport.Via.API, by=request.user
        )
    except (CollectionError, NothingToRead) as error:
        raise Problem(422, BROKEN_RULE, {"files": [str(error)]}) from None
    if not report.committed:
        raise Problem(422, BROKEN_RULE, {r["path"]: r["reasons"] for r in report.refused})
    return Status(201, report.as_dict() | {"id": report.import_id, "summary": report.summary})
