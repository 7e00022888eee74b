"""Teams, services and flows: plain list, detail, create and edit pages."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Count, Prefetch
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from .. import workflow
from ..forms import FlowForm, ServiceForm, TeamForm
from ..models import Decision, Flow, Service, Team
from ..paging import LenientPages

PAGE_SIZE = 50


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
        "services", Prefetch("flows", queryset=Flow.objects.select_related("producer", "current_decision"))
    )


class TeamFormMixin(CatalogFormMixin):
    model, form_class = Team, TeamForm

    def save(self, form):
        return workflow.team_save(team=form.save(commit=False))


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
    """A flow and its decisions, oldest first, so a change of style reads as a story."""

    queryset = Flow.objects.select_related("producer", "owner_team", "current_decision").prefetch_related(
        "consumers",
        Prefetch("decisions", queryset=Decision.objects.select_related("supersedes").order_by("number")),
    )


class FlowFormMixin(CatalogFormMixin):
    model, form_class = Flow, FlowForm

    def save(self, form):
        return workflow.flow_save(flow=form.save(commit=False), consumers=form.cleaned_data["consumers"])


class FlowCreate(FlowFormMixin, CreateView):
    permission_required = "decisions.add_flow"


class FlowEdit(FlowFormMixin, UpdateView):
    permission_required = "decisions.change_flow"
