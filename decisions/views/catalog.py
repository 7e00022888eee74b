"""Teams, services and flows: plain list, detail, create and edit pages."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Count, Prefetch
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from .. import workflow
from ..contracts import facts as contract_facts
from ..forms import FlowForm, ServiceForm, TeamForm
from ..models import Decision, Drift, Flow, Service, Team
from ..paging import LenientPages

PAGE_SIZE = 50
SNAPSHOTS_SHOWN = 20


class CatalogFormMixin(PermissionRequiredMixin):
    raise_exception = True
    template_name = "decisions/catalog_form.html"

    def get_context_data(self, **kwargs):
        meta = self.model._meta
        return super().get_context_data(
            verbose_name=meta.verbose_name, list_url=reverse(f"{meta.model_name}_list"), **kwargs
        )

    def form_valid(self, form):
        self.object = self.save(form)
        messages.success(self.request, f"{self.model._meta.verbose_name.capitalize()} “{self.object}” saved.")
        return redirect(self.get_success_url())

    def save(self, form):
        """Write through the workflow's door for this kind of object."""
        raise NotImplementedError


class TeamList(LenientPages, ListView):
    queryset = Team.objects.annotate(
        service_count=Count("services", distinct=True), flow_count=Count("flows", distinct=True)
    ).order_by("name")
    paginate_by = PAGE_SIZE


class TeamDetail(DetailView):
    queryset = Team.objects.prefetch_related(
        "services", "members", Prefetch("flows", queryset=Flow.objects.select_related("producer", "current_decision"))
    )


class TeamFormMixin(CatalogFormMixin):
    model, form_class = Team, TeamForm

    def save(self, form):
        return workflow.team_save(team=form.save(commit=False), members=form.cleaned_data["members"])


class TeamCreate(TeamFormMixin, CreateView):
    permission_required = "decisions.add_team"


class TeamEdit(TeamFormMixin, UpdateView):
    permission_required = "decisions.change_team"


class ServiceList(LenientPages, ListView):
    queryset = Service.objects.select_related("team")
    paginate_by = PAGE_SIZE


class ServiceDetail(DetailView):
    queryset = Service.objects.select_related("team").prefetch_related(
        Prefetch("produced_flows", queryset=Flow.objects.select_related("current_decision")),
        Prefetch("consumed_flows", queryset=Flow.objects.select_related("producer", "current_decision")),
    )


class ServiceFormMixin(CatalogFormMixin):
    model, form_class = Service, ServiceForm

    def save(self, form):
        return workflow.service_save(service=form.save(commit=False))


class ServiceCreate(ServiceFormMixin, CreateView):
    permission_required = "decisions.add_service"


class ServiceEdit(ServiceFormMixin, UpdateView):
    permission_required = "decisions.change_service"


class FlowList(LenientPages, ListView):
    queryset = Flow.objects.select_related("producer", "owner_team", "current_decision").prefetch_related("consumers")
    paginate_by = PAGE_SIZE


class FlowDetail(DetailView):
    """A flow and its decisions, oldest first, so a change of style reads as a story; beside them,
    what the contracts said of it over time, and the drift they revealed."""

    queryset = Flow.objects.select_related(
        "producer", "owner_team", "current_decision", "latest_snapshot__contract_import"
    ).prefetch_related(
        "consumers",
        Prefetch("decisions", queryset=Decision.objects.select_related("supersedes").order_by("number")),
    )

    def get_context_data(self, **kwargs):
        snapshots = list(self.object.snapshots.select_related("contract_import").order_by("-taken_at", "-pk")[
            : SNAPSHOTS_SHOWN + 1
        ])  # fmt: skip
        for index, snapshot in enumerate(snapshots):
            older = snapshots[index + 1].facts if index + 1 < len(snapshots) else None
            snapshot.changes = contract_facts.changes(older, snapshot.facts)
        drifts = self.object.drifts.select_related("decision", "acknowledged_by", "snapshot__contract_import").exclude(
            state=Drift.State.RESOLVED
        )
        latest = self.object.latest_snapshot
        return super().get_context_data(
            snapshots=snapshots[:SNAPSHOTS_SHOWN], facts=latest.facts if latest else None, drifts=drifts[:20], **kwargs
        )


class FlowFormMixin(CatalogFormMixin):
    model, form_class = Flow, FlowForm

    def save(self, form):
        return workflow.flow_save(flow=form.save(commit=False), consumers=form.cleaned_data["consumers"])


class FlowCreate(FlowFormMixin, CreateView):
    permission_required = "decisions.add_flow"


class FlowEdit(FlowFormMixin, UpdateView):
    permission_required = "decisions.change_flow"
