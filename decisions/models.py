from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import URLValidator
from django.db import IntegrityError, models, transaction
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Abs, Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from . import drift, factors, status
from .markdown import render_markdown


def decision_code(number: int) -> str:
    """How a decision is named everywhere: ADR-0042."""
    return f"ADR-{number:04d}"


def person_name(user) -> str:
    """How the app names a person everywhere: their full name, else their username ("" for nobody).
    The API names people by username, their identifier."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True, help_text="Markdown. What the team owns and how to reach it.")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="teams",
        help_text="Told when the contracts of the team's flows drift from their decisions.",
    )  # fmt: skip

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("team_detail", args=[self.pk])


class Service(models.Model):
    name = models.CharField(max_length=100, unique=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="services")
    description = models.TextField(blank=True, help_text="Markdown. What the service does.")
    repository = models.URLField(
        blank=True, max_length=300, validators=[URLValidator(schemes=["http", "https"])],
        help_text="Where its code lives, such as https://git.example.org/payments/billing.",
    )  # fmt: skip
    contacts = models.CharField(
        blank=True, max_length=300, help_text="Who to ask about it: people, a chat channel or an on-call rota."
    )
    # How many flows it produces plus how many it consumes, kept by workflow.flow_save: the flow
    # map draws the busiest services, and counting every flow's ends on each drawing was its slowest part.
    flow_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["-flow_count", "id"], name="service_busiest")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("service_detail", args=[self.pk])


class Flow(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True, help_text="Markdown. What travels between the services, and why.")
    producer = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="produced_flows")
    consumers = models.ManyToManyField(Service, related_name="consumed_flows")
    owner_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="flows")
    # The latest accepted decision about this flow and its style, kept by
    # workflow.flow_refresh_current so catalog, map and overview need no subqueries.
    current_decision = models.ForeignKey(
        "Decision", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    current_style = models.CharField(max_length=10, blank=True, editable=False, db_index=True)
    # The message the contracts describe this flow by (decisions.contracts.facts.Message.key),
    # and their latest snapshot of it; kept by workflow.contracts_import.
    message = models.CharField(max_length=400, blank=True, editable=False)
    latest_snapshot = models.ForeignKey(
        "FlowSnapshot", on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["message"], condition=~models.Q(message=""), name="one_flow_per_message")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("flow_detail", args=[self.pk])


class Counter(models.Model):
    """A named, ever-increasing counter. Decision numbers come from here, so they are never reused."""

    name = models.CharField(max_length=50, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


DECISION_COUNTER = "decision"
# How many decisions there are (nothing is deleted), kept by the workflow's after-write step, so
# the unfiltered log need not count 100,000 rows on every page.
DECISIONS_TOTAL = "decisions total"
# The numbers an imported file may keep as its own; outside them it gets the next free one,
# so no file can push the counter towards the column's limit.
KEPT_NUMBERS = range(1, 100_000)


def decisions_total() -> int:
    total = Counter.objects.filter(name=DECISIONS_TOTAL).values_list("value", flat=True).first()
    return Decision.objects.count() if total is None else total


def next_decision_number() -> int:
    """Take the next decision number. The UPDATE locks the counter row until commit,
    so parallel transactions queue here instead of reading the same value."""
    counter = Counter.objects.filter(name=DECISION_COUNTER)
    with transaction.atomic():
        if not counter.update(value=F("value") + 1):
            # Only when the row is missing (the migration creates it): start after the highest number.
            highest = Decision.objects.aggregate(m=models.Max("number"))["m"] or 0
            try:
                with transaction.atomic():
                    Counter.objects.create(name=DECISION_COUNTER, value=highest)
            except IntegrityError:
                pass  # a parallel transaction created it first
            counter.update(value=F("value") + 1)
        return counter.get().value


class DecisionQuerySet(models.QuerySet):
    def delete(self):
        raise DecisionDeletionError

    def accepted(self) -> DecisionQuerySet:
        return self.filter(status=Decision.Status.ACCEPTED)

    def stamp_status_times_from_transitions(self) -> int:
        """Set since when each decision has its status from its latest transition into it (or its
        filing), for records written after the fact, such as the demo's backdated story."""
        latest = Transition.objects.filter(decision=OuterRef("pk"), to_status=OuterRef("status")).order_by("-at")
        return self.update(status_changed_at=Coalesce(Subquery(latest.values("at")[:1]), F("created_at")))

    def for_log(self, criteria: dict) -> DecisionQuerySet:
        """Narrow the log by the filters a LogFilterForm cleaned (not the search text)."""
        queryset = self
        if criteria.get("style"):
            queryset = queryset.filter(style__in=criteria["style"])
        if criteria.get("status"):
            queryset = queryset.filter(status__in=criteria["status"])
        if team := criteria.get("team"):
            queryset = queryset.filter(flow__owner_team=team)
        if service := criteria.get("service"):
            flows = Flow.objects.filter(models.Q(producer=service) | models.Q(consumers=service)).values("pk")
            queryset = queryset.filter(flow__in=flows)
        if flow := criteria.get("flow"):
            queryset = queryset.filter(flow=flow)
        if tag := criteria.get("tag"):
            queryset = queryset.filter(
                models.Q(tags=tag)
                | models.Q(tags__startswith=f"{tag},")
                | models.Q(tags__endswith=f",{tag}")
                | models.Q(tags__contains=f",{tag},")
            )
        if day := criteria.get("filed_from"):
            queryset = queryset.filter(created_at__date__gte=day)
        if day := criteria.get("filed_to"):
            queryset = queryset.filter(created_at__date__lte=day)
        if criteria.get("against"):
            queryset = queryset.filter(against_recommendation=True)
        for factor in factors.FACTORS:
            if level := criteria.get(factor.key):
                queryset = queryset.filter(**{factor.key: level})
        return queryset

    def precedents(self, *, assessment: factors.Assessment, flow: Flow | None, exclude: int | None) -> Precedents:
        """Accepted decisions closest to an assessment, and earlier decisions on the same flow."""
        fields = ("number", "title", "style", "status", "decided_on", "flow__name")
        others = self.exclude(pk=exclude) if exclude else self.all()
        candidates = others.accepted().select_related("flow").only(*fields)
        # The answer compared as a value: Django writes a boolean's lookup as "caller_needs_result"
        # or "NOT caller_needs_result", which SQLite's planner cannot match to the index's column;
        # it skip-scanned the index and sorted every match (1.9 ms for 509 of 100,000, now 0.02).
        if assessment.recommendation is factors.Recommendation.SYNC:
            similar = candidates.filter(caller_needs_result=Value(True)).order_by("-decided_on", "-number")
        elif assessment.drivers:
            distance = sum(Abs(F(d.factor.key) - d.level.value) for d in assessment.drivers)
            order = ("distance", "-decided_on", "-number")
            alike = candidates.filter(caller_needs_result=Value(False))
            # Decisions answered the same way come first; in a large log there are enough of them, read
            # newest first straight from the index decision_precedents (11 of 22 ms at 100,000 went on
            # working out every accepted decision's distance), and then they are all there is to show.
            same = {d.factor.key: d.level.value for d in assessment.drivers}
            similar = list(alike.filter(**same).order_by("-decided_on", "-number")[:PRECEDENT_LIMIT])
            if len(similar) < PRECEDENT_LIMIT:  # then the nearest, from the covering index alone
                closest = (
                    alike.filter(**{f"{d.factor.key}__isnull": False for d in assessment.drivers})
                    .annotate(distance=distance)
                    .order_by(*order)
                    .values("pk")[:PRECEDENT_LIMIT]
                )
                similar = candidates.filter(pk__in=closest).annotate(distance=distance).order_by(*order)
        else:
            similar = candidates.none()
        on_flow = others.filter(flow=flow).only(*fields).select_related("flow").order_by("number") if flow else []
        return Precedents(similar=list(similar[:PRECEDENT_LIMIT]), on_flow=list(on_flow[: PRECEDENT_LIMIT * 2]))


PRECEDENT_LIMIT = 5


@dataclass(frozen=True)
class Precedents:
    similar: list[Decision]
    on_flow: list[Decision]


class DecisionDeletionError(Exception):
    """Decisions are never deleted: withdraw one through its status instead."""

    def __str__(self) -> str:
        return "Decisions are never deleted. Reject, deprecate or supersede the decision instead."


DecisionStatus = models.TextChoices("DecisionStatus", [(s.name, (s.value, s.label)) for s in status.Status])


class DecisionStyle(models.TextChoices):
    NONE = "", "None (general ADR)"
    SYNC = "sync", "Sync"
    COMMAND = "command", "Command"
    EVENT = "event", "Event"


class Decision(models.Model):
    Status = DecisionStatus
    Style = DecisionStyle

    number = models.PositiveIntegerField(unique=True, editable=False)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    flow = models.ForeignKey(Flow, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions")
    style = models.CharField("chosen style", max_length=10, choices=Style.choices, blank=True)
    logic_location = models.TextField(
        "where the logic lives", blank=True, help_text="Which service holds the flow's logic after this decision."
    )

    context = models.TextField(blank=True, help_text="Markdown. The forces at play and why a decision is needed.")
    decision_text = models.TextField("decision", blank=True, help_text="Markdown. What we decided to do.")
    consequences = models.TextField(blank=True, help_text="Markdown. What becomes easier or harder.")
    considered_options = models.TextField(blank=True, help_text="Markdown. The options weighed, with pros and cons.")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="authored_decisions"
    )
    deciders = models.CharField(
        max_length=500, blank=True, help_text="Names of the people who decide, comma separated."
    )
    tags = models.CharField(max_length=500, blank=True, help_text="Comma separated, for example: payments, kafka.")

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When the decision took its current status: how long a proposal has waited for review.
    status_changed_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_on = models.DateField(null=True, blank=True)
    revisit_on = models.DateField(null=True, blank=True, help_text="When to look at this decision again.")
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by", db_index=False
    )

    # The sync gate and the four factors (see decisions/factors.py).
    caller_needs_result = models.BooleanField(factors.SYNC_GATE_QUESTION, null=True, blank=True)
    sync_reason = models.TextField("why the caller cannot wait", blank=True)
    visibility = models.PositiveSmallIntegerField(
        factors.VISIBILITY.name, choices=factors.VISIBILITY.choices, null=True, blank=True
    )
    visibility_reason = models.TextField("reason for flow visibility", blank=True)
    growth = models.PositiveSmallIntegerField(
        factors.GROWTH.name, choices=factors.GROWTH.choices, null=True, blank=True
    )
    growth_reason = models.TextField("reason for expected growth", blank=True)
    coordination = models.PositiveSmallIntegerField(
        factors.COORDINATION.name, choices=factors.COORDINATION.choices, null=True, blank=True
    )
    coordination_reason = models.TextField("reason for coordination cost", blank=True)
    coupling = models.PositiveSmallIntegerField(
        factors.COUPLING.name, choices=factors.COUPLING.choices, null=True, blank=True
    )
    coupling_reason = models.TextField("reason for cost of coupling", blank=True)
    # Derived from the answers above on every save, stored so the log can filter on them.
    recommendation = models.CharField(max_length=10, blank=True, editable=False)
    recommendation_strength = models.CharField(max_length=10, blank=True, editable=False)
    against_recommendation = models.BooleanField(default=False, editable=False)
    justification = models.TextField(blank=True, help_text="What matters more here, visibility or decoupling, and why.")
    # How many consumers the flow had when this was accepted, to spot flows that grew since.
    consumers_when_decided = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # What the contracts said of the flow when the decision was accepted (none before any import).
    facts_snapshot = models.ForeignKey(
        "FlowSnapshot", on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )

    other_sections = models.TextField(
        "more sections", blank=True, help_text="Markdown. Sections beyond the ones above, each under its own heading."
    )
    # Where an imported decision came from (see decisions/adr_files): kept so a second
    # import of the same file updates it, and so nobody loses the original.
    source_path = models.CharField(max_length=500, blank=True, editable=False)
    source_format = models.CharField(max_length=20, blank=True, editable=False)
    source_id = models.CharField("original id", max_length=200, blank=True, editable=False)
    source_status = models.CharField("original status", max_length=200, blank=True, editable=False)
    source_text = models.TextField(blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["updated_at", "status_changed_at"])
    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        permissions = [
            ("decide_decision", "Can accept, reject or deprecate proposals"),
            ("review_decision", "Can review proposals"),
        ]
        indexes = [
            # The log's filters and sort orders.
            models.Index(fields=["status", "-number"], name="decision_status_number"),
            models.Index(fields=["style", "-number"], name="decision_style_number"),
            models.Index(fields=["-created_at", "-number"], name="decision_created"),
            models.Index(fields=["flow", "decided_on"], name="decision_flow_decided"),
            models.Index(fields=["revisit_on"], name="decision_revisit", condition=models.Q(revisit_on__isnull=False)),
            # The guided form's precedents (Decision.precedents): every column the closest are found by.
            models.Index(
                fields=[
                    "status",
                    "caller_needs_result",
                    *(f.key for f in factors.FACTORS),
                    "decided_on",
                    "number",
                    "id",
                ],
                name="decision_precedents",
            ),
            # Partial: nearly every decision supersedes nothing, and an index full of NULLs
            # made SQLite's planner scan the table instead.
            models.Index(
                fields=["supersedes"], name="decision_supersedes", condition=models.Q(supersedes__isnull=False)
            ),
            # Cover the overview's counts, so they read an index instead of the wide rows.
            models.Index(fields=["flow", "style", "status"], name="decision_flow_style"),
            models.Index(
                fields=["status", "style", "decided_on", "flow", "recommendation", "against_recommendation"],
                name="decision_overview",
            ),
            models.Index(fields=["-number"], name="decision_against", condition=models.Q(against_recommendation=True)),
            models.Index(fields=["status", "status_changed_at"], name="decision_status_since"),
            # SQLite alone also has decision_search_join (id, status, style, number), made by migration
            # 0034: its searches find each match's decision there rather than in the wide row.
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=DecisionStatus.values), name="decision_status_valid"),
            models.CheckConstraint(condition=models.Q(style__in=DecisionStyle.values), name="decision_style_valid"),
            models.UniqueConstraint(
                fields=["source_path"], name="decision_source_path", condition=~models.Q(source_path="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"

    def save(self, *args, **kwargs) -> None:
        """Save with the derived fields worked out again, refusing a status move no door may make."""
        stored = getattr(self, "_stored", {})
        if stored.get("status"):
            status.check_status_change(stored["status"], self.status)
        if "status" in stored and stored["status"] != self.status:
            self.status_changed_at = timezone.now()
        assessment = self.assessment
        self.recommendation = assessment.recommendation.value if assessment.complete else ""
        self.recommendation_strength = assessment.strength.value if assessment.complete else ""
        self.against_recommendation = bool(
            assessment.complete
            and assessment.recommendation is not factors.Recommendation.BALANCED
            and self.style
            and not assessment.agrees_with(self.style)
        )
        if self.number is None:
            self.number = next_decision_number()
        super().save(*args, **kwargs)
        self._stored = {"status": self.status}

    def get_absolute_url(self) -> str:
        return reverse("decision_detail", args=[self.number])

    def delete(self, *args, **kwargs):
        raise DecisionDeletionError

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # As loaded: what a status change is checked against.
        instance._stored = {"status": instance.__dict__["status"]} if "status" in instance.__dict__ else {}
        return instance

    @property
    def code(self) -> str:
        return decision_code(self.number) if self.number is not None else "ADR-(new)"

    @property
    def flow_name(self) -> str | None:
        """As the log's rows have it (log.LogRow), for what shows a decision either way (the API's summary)."""
        return self.flow.name if self.flow_id else None

    def latest_revision_id(self) -> int | None:
        return self.history.order_by("-history_id").values_list("history_id", flat=True).first()

    @property
    def factor_levels(self) -> dict[str, int | None]:
        return {factor.key: getattr(self, factor.key) for factor in factors.FACTORS}

    @property
    def assessment(self) -> factors.Assessment:
        return factors.recommend(self.caller_needs_result, self.factor_levels)

    @property
    def factor_answers(self) -> list[dict]:
        """Each answered factor with its level, reason and pull, in the order they are asked."""
        answers = []
        for factor in factors.FACTORS:
            value = getattr(self, factor.key)
            if value is not None:
                answers.append(
                    {
                        "factor": factor,
                        "level": factor.level(value),
                        "reason": getattr(self, f"{factor.key}_reason"),
                        "driver": factors.Driver(factor, factor.level(value), factor.pull(value)),
                    }
                )
        return answers

    @property
    def has_assessment(self) -> bool:
        return self.caller_needs_result is not None

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]

    @cached_property
    def image_urls(self) -> dict[str, str]:
        """The names its Markdown links images with, and where the app serves each (no query when
        no field links an image, nor when the attachments are prefetched)."""
        texts = (self.context, self.decision_text, self.consequences, self.considered_options, self.other_sections)
        if not any("![" in text or "<img" in text for text in texts):
            return {}
        return {a.name: reverse("decision_attachment", args=[self.number, a.name]) for a in self.attachments.all()}


class DecisionLink(models.Model):
    """A typed link between two decisions beyond `Decision.supersedes`, as ADR files write them."""

    class Kind(models.TextChoices):
        SUPERSEDES = "supersedes", "Supersedes"
        AMENDS = "amends", "Amends"
        RELATES = "relates", "Relates to"

    source = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="links")
    target = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="linked_from")
    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["kind", "target__number"]
        constraints = [models.UniqueConstraint(fields=["source", "target", "kind"], name="one_link_per_kind")]

    def __str__(self) -> str:
        return f"{self.source.code} {self.get_kind_display().lower()} {self.target.code}"


class Attachment(models.Model):
    """An image a decision shows, kept in the database (so backups and both databases hold it),
    named by the path its Markdown links it with ("images/flow.png"). Replacing one is a revision."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="attachments")
    name = models.CharField(max_length=300)
    content_type = models.CharField(max_length=40)
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    added_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords(excluded_fields=["data"])

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["decision", "name"], name="one_attachment_per_name")]

    def __str__(self) -> str:
        return f"{self.decision.code}: {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("decision_attachment", args=[self.decision.number, self.name])


class ApiToken(models.Model):
    """A personal token for scripts that use the API. Only its hash is stored; the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, such as “CI export job”.")
    prefix = models.CharField(max_length=12, editable=False)  # shown, so people can tell their tokens apart
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A feed key opens the feeds only: it goes in feed addresses, which end up in readers and logs.
    feed_only = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ImportJob(models.Model):
    """An upload of ADR files imported by a worker, not in the web request that brought it:
    its progress while it runs, then its report. The upload's bytes go once it has run."""

    class State(models.TextChoices):
        QUEUED = "queued", "waiting for a worker"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    collection = models.CharField(max_length=100)
    skip_broken = models.BooleanField(default=False)
    upload = models.BinaryField(editable=False)  # a zip; emptied when the job has run
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    phase = models.CharField(max_length=100, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    report = models.JSONField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Import of {self.filename} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("import_job", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


class SignInIdentity(models.Model):
    """Who a person is at the sign-in provider: its issuer and subject, which never change when
    an e-mail address does."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_identity")
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="sign_in_identity_unique")]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class WebhookSubscription(models.Model):
    """Another tool told of what happens to decisions: which events, where, signed with what."""

    class Format(models.TextChoices):
        CLOUDEVENTS = "cloudevents", "CloudEvents 1.0 (JSON), for services and catalogs"
        SLACK = "slack", "Slack incoming webhook, for a team channel"

    name = models.CharField(max_length=100)
    url = models.URLField("address", max_length=500)
    events = models.JSONField(default=list)
    format = models.CharField(max_length=20, choices=Format.choices, default=Format.CLOUDEVENTS)
    secret = models.CharField(max_length=100, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("webhook_detail", args=[self.pk])


class WebhookDelivery(models.Model):
    """One event for one subscription. Its id goes with every try, so a receiver can tell a
    second delivery of the same event from a new one."""

    class State(models.TextChoices):
        PENDING = "pending", "sending"
        DELIVERED = "delivered", "delivered"
        FAILED = "failed", "gave up"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.PROTECT, related_name="deliveries")
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=100)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["subscription", "-created_at"], name="delivery_subscription_at")]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.subscription}"


class WebhookAttempt(models.Model):
    """One try of a delivery: when, what came back, how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.PROTECT, related_name="attempts")
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.status_code or 'no answer'} at {self.at:%Y-%m-%d %H:%M:%S}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Transition(models.Model):
    """One status change of a decision: who, when, from, to, and why."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=DecisionStatus.choices)
    to_status = models.CharField(max_length=20, choices=DecisionStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    note = models.TextField(blank=True)
    # For a move an import recorded: the file (collection/path) whose status it took.
    imported_from = models.CharField(max_length=500, blank=True, editable=False)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["decision", "at"], name="transition_decision_at")]

    def __str__(self) -> str:
        return f"{self.decision.code}: {self.from_status} → {self.to_status}"


class ReviewRequest(models.Model):
    """A reviewer asked to review a proposal, and where their review stands now."""

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting"
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="review_requests")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    state = models.CharField(max_length=20, choices=State.choices, default=State.WAITING)
    # Counts how often the reviewer was asked; a new round after edits makes approvals stale.
    round = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["decision", "reviewer"], name="one_request_per_reviewer")]
        indexes = [models.Index(fields=["reviewer", "state"], name="review_request_waiting")]

    def __str__(self) -> str:
        return f"{self.reviewer} on {self.decision.code}: {self.state}"


class Review(models.Model):
    """A reviewer's verdict with its comment. Kept for ever; later edits make approvals stale."""

    class Verdict(models.TextChoices):
        APPROVE = "approved", "Approved"
        REQUEST_CHANGES = "changes_requested", "Changes requested"

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    body = models.TextField("comment", blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    stale = models.BooleanField(default=False, help_text="The proposal changed after this review.")

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.reviewer} {self.verdict} {self.decision.code}"


class Comment(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies")
    body = models.TextField()
    # The body rendered and sanitised on save: a decision page shows many comments.
    body_html = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["decision", "created_at"], name="comment_decision_created")]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.decision.code}"

    def save(self, *args, **kwargs) -> None:
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"{self.decision.get_absolute_url()}#comment-{self.pk}"

    def delete(self, *args, **kwargs):
        raise DecisionDeletionError


class Notification(models.Model):
    """Something that happened to a decision a person takes part in. `key` names the event,
    so one event never notifies (or mails) the same person twice."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=100)
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="one_notification_per_event")]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient"),
            models.Index(fields=["recipient"], name="notification_unread", condition=models.Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.text


class SearchDocument(models.Model):
    """The text a decision is found by: its own fields plus its flow, services and comments.

    Kept current by decisions.search.index_decisions. On SQLite an FTS5 table mirrors this
    table through triggers; on PostgreSQL SearchTerms holds its weighted tsvector.
    """

    decision = models.OneToOneField(
        Decision, on_delete=models.PROTECT, primary_key=True, related_name="search_document"
    )
    title = models.TextField()
    body = models.TextField()
    # A digest of the title and body: what a search's excerpts of this text are kept by (search.snippets).
    revision = models.CharField(max_length=16, blank=True, default="")

    def __str__(self) -> str:
        return self.title


class SearchTerms(models.Model):
    """PostgreSQL only: a search document's weighted tsvector, with a GIN index (migration 0017),
    and the decision's number, so a search without filters is ranked from this table alone.

    In a narrow table of its own whose rows keep the vector inline rather than in TOAST:
    matching a phrase and ranking read the vector of every candidate, and an inline one costs
    a page read, not an index lookup and two chunk reads (three to four times faster).
    """

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, primary_key=True, related_name="search_terms")
    vector = SearchVectorField()
    number = models.PositiveIntegerField()
    # The decision's status and style, the log's main filters, copied with the vector: indexed
    # here, PostgreSQL ANDs them with the full-text index, so a filtered search reads only the
    # rows that pass both (a phrase with a status and a style read 6,351 rows to keep 900).
    status = models.CharField(max_length=20, default="")
    style = models.CharField(max_length=10, default="", blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "style"], name="searchterms_facets")]

    def __str__(self) -> str:
        return f"Search terms of decision {self.decision_id}"


class StyleTally(models.Model):
    """How many decisions were accepted with each style, per quarter and per team.

    The overview's charts and its against-the-recommendation share, counted ahead so the
    page need not aggregate the whole log; decisions.overview keeps them current.
    """

    class Kind(models.TextChoices):
        QUARTER = "quarter"
        TEAM = "team"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # A quarter ("2026 Q3", or blank for decisions without a date) or a team's id.
    key = models.CharField(max_length=20, blank=True)
    style = models.CharField(max_length=10, choices=DecisionStyle.choices)
    decided = models.PositiveIntegerField(default=0)
    assessed = models.PositiveIntegerField(default=0)
    against = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key", "style"], name="one_tally_per_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key or '-'} {self.style}: {self.decided}"


# --- message contracts ---------------------------------------------------------------------


class ContractImport(models.Model):
    """One import of message contracts: AsyncAPI documents or an EventCatalog catalog, from the
    command line, the upload page, a team's CI through the API, or one change notice."""

    class Via(models.TextChoices):
        COMMAND = "command", "the command line"
        UPLOAD = "upload", "the upload page"
        API = "api", "the API"
        NOTICE = "notice", "a change notice"

    # Where the facts come from, such as a team's repository: an import from the same source
    # replaces what it said before; sources add up.
    source = models.CharField(max_length=200)
    via = models.CharField(max_length=10, choices=Via.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    notice_id = models.CharField(max_length=200, blank=True)  # a change notice's own id: each is taken once
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "notice_id"], condition=~models.Q(notice_id=""), name="one_import_per_notice"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} at {self.at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("contract_import", args=[self.pk])


class SourceFacts(models.Model):
    """What one source says now about one message: who sends and receives it, its kind, version,
    channel and fields. A flow's facts are every source's put together."""

    source = models.CharField(max_length=200)
    message = models.CharField(max_length=400)
    facts = models.JSONField(default=dict)  # empty once the source no longer describes the message
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "message"], name="one_fact_per_source_message")]
        indexes = [models.Index(fields=["message"], name="sourcefacts_message")]

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


class FlowSnapshot(models.Model):
    """A flow's facts as the contracts told them at one import, kept whenever they changed."""

    flow = models.ForeignKey(Flow, on_delete=models.PROTECT, related_name="snapshots")
    contract_import = models.ForeignKey(ContractImport, on_delete=models.PROTECT, related_name="snapshots")
    taken_at = models.DateTimeField(default=timezone.now)
    facts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-taken_at", "-pk"]
        indexes = [models.Index(fields=["flow", "-taken_at"], name="snapshot_flow_taken")]

    def __str__(self) -> str:
        return f"{self.flow} at {self.taken_at:%Y-%m-%d %H:%M}"

    @property
    def consumers(self) -> list[str]:
        return self.facts.get("consumers") or []


class Drift(models.Model):
    """A revisit item opened by a drift rule (decisions.drift): the contracts stopped agreeing with
    an accepted decision. Acknowledged with a note, or resolved by a decision that supersedes it."""

    class State(models.TextChoices):
        OPEN = "open", "open"
        ACKNOWLEDGED = "acknowledged", "acknowledged"
        RESOLVED = "resolved", "resolved"

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="drifts")
    flow = models.ForeignKey(Flow, on_delete=models.PROTECT, related_name="drifts")
    snapshot = models.ForeignKey(FlowSnapshot, on_delete=models.PROTECT, related_name="drifts")
    rule = models.CharField(max_length=30)
    before = models.CharField(max_length=500)
    after = models.CharField(max_length=1000)
    found_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=15, choices=State.choices, default=State.OPEN)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-found_at", "-pk"]
        indexes = [
            models.Index(fields=["decision", "state"], name="drift_decision_state"),
            models.Index(fields=["-found_at"], name="drift_open", condition=models.Q(state="open")),
        ]

    def __str__(self) -> str:
        return f"{self.rule} on {self.decision.code}"

    def delete(self, *args, **kwargs):
        raise DecisionDeletionError

    @property
    def title(self) -> str:
        return drift.RULES[self.rule].title if self.rule in drift.RULES else self.rule

    @property
    def evidence(self) -> str:
        return f"{self.before} → {self.after}"
