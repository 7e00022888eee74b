"""Teams, services and flows: plain list, detail, create and edit pages."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from .. import search
from ..forms import FlowForm, ServiceForm, TeamForm
from ..models import Decision, Flow, Service, Team

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
        response = super().form_valid(form)
        messages.success(self.request, f"{self.model._meta.verbose_name.capitalize()} “{self.object}” saved.")
        return response


class TeamList(ListView):
    queryset = Team.objects.annotate(
        service_count=Count("services", distinct=True), flow_count=Count("flows", distinct=True)
    ).order_by("name")
    paginate_by = PAGE_SIZE


class TeamDetail(DetailView):
    queryset = Team.objects.prefetch_related(
        "services", Prefetch("flows", queryset=Flow.objects.select_related("producer", "current_decision"))
    )


class TeamCreate(CatalogFormMixin, CreateView):
    model, form_class, permission_required = Team, TeamForm, "decisions.add_team"


class TeamEdit(CatalogFormMixin, UpdateView):
    model, form_class, permission_required = Team, TeamForm, "decisions.change_team"


class ServiceList(ListView):
    queryset = Service.objects.select_related("team")
    paginate_by = PAGE_SIZE


class ServiceDetail(DetailView):
    queryset = Service.objects.select_related("team").prefetch_related(
        Prefetch("produced_flows", queryset=Flow.objects.select_related("current_decision")),
        Prefetch("consumed_flows", queryset=Flow.objects.select_related("producer", "current_decision")),
    )


class ServiceCreate(CatalogFormMixin, CreateView):
    model, form_class, permission_required = Service, ServiceForm, "decisions.add_service"


class ServiceEdit(CatalogFormMixin, UpdateView):
    model, form_class, permission_required = Service, ServiceForm, "decisions.change_service"

    def form_valid(self, form):
        response = super().form_valid(form)
        service = self.object
        search.index_flow_decisions(
            Flow.objects.filter(Q(producer=service) | Q(consumers=service)).values_list("pk", flat=True)
        )
        return response


class FlowList(ListView):
    queryset = Flow.objects.select_related("producer", "owner_team", "current_decision").prefetch_related("consumers")
    paginate_by = PAGE_SIZE


class FlowDetail(DetailView):
    """A flow and its decisions, oldest first, so a change of style reads as a story."""

    queryset = Flow.objects.select_related("producer", "owner_team", "current_decision").prefetch_related(
        "consumers",
        Prefetch("decisions", queryset=Decision.objects.select_related("supersedes").order_by("number")),
    )


class FlowCreate(CatalogFormMixin, CreateView):
    model, form_class, permission_required = Flow, FlowForm, "decisions.add_flow"


class FlowEdit(CatalogFormMixin, UpdateView):
    model, form_class, permission_required = Flow, FlowForm, "decisions.change_flow"

    def form_valid(self, form):
        response = super().form_valid(form)
        search.index_flow_decisions([self.object.pk])
        return response
