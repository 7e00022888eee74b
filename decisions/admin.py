from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Counter, Decision, Flow, Service, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "team"]
    list_filter = ["team"]
    search_fields = ["name"]


@admin.register(Flow)
class FlowAdmin(admin.ModelAdmin):
    list_display = ["name", "producer", "owner_team"]
    list_filter = ["owner_team"]
    search_fields = ["name"]
    autocomplete_fields = ["producer", "consumers", "owner_team"]


@admin.register(Decision)
class DecisionAdmin(SimpleHistoryAdmin):
    """Decisions are never deleted, not even here: withdraw one through its status."""

    list_display = ["code", "title", "status", "style", "flow", "decided_on"]
    list_filter = ["status", "style"]
    search_fields = ["title", "number"]
    raw_id_fields = ["flow", "supersedes", "author"]
    readonly_fields = ["number", "recommendation", "recommendation_strength", "against_recommendation"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin):
    list_display = ["name", "value"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
