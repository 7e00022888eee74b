from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    ApiToken,
    Comment,
    Counter,
    Decision,
    DecisionLink,
    Flow,
    Notification,
    Review,
    ReviewRequest,
    SearchDocument,
    Service,
    Team,
    Transition,
)


class ReadOnly(admin.ModelAdmin):
    """Shown for looking up, never written here: the app's pages and API write these through
    decisions.workflow, which keeps the search index, flows' styles, tallies and history right."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(ReadOnly):
    search_fields = ["name"]


@admin.register(Service)
class ServiceAdmin(ReadOnly):
    list_display = ["name", "team"]
    list_filter = ["team"]
    search_fields = ["name"]


@admin.register(Flow)
class FlowAdmin(ReadOnly):
    list_display = ["name", "producer", "owner_team"]
    list_filter = ["owner_team"]
    search_fields = ["name"]
    autocomplete_fields = ["producer", "consumers", "owner_team"]


@admin.register(Decision)
class DecisionAdmin(ReadOnly, SimpleHistoryAdmin):
    """Decisions are never deleted, not even here: withdraw one through its status."""

    list_display = ["code", "title", "status", "style", "flow", "decided_on"]
    list_filter = ["status", "style"]
    search_fields = ["title", "number"]
    raw_id_fields = ["flow", "supersedes", "author"]
    readonly_fields = [
        "number", "recommendation", "recommendation_strength", "against_recommendation",
        "source_path", "source_format", "source_id", "source_status", "source_text",
    ]  # fmt: skip


@admin.register(DecisionLink)
class DecisionLinkAdmin(ReadOnly):
    list_display = ["source", "kind", "target"]
    list_filter = ["kind"]
    raw_id_fields = ["source", "target"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued on the API tokens page, where their key is shown once; here they can be seen and revoked."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Counter)
class CounterAdmin(ReadOnly):
    list_display = ["name", "value"]


@admin.register(Comment)
class CommentAdmin(ReadOnly, SimpleHistoryAdmin):
    list_display = ["decision", "author", "created_at", "edited_at", "retracted_at"]
    raw_id_fields = ["decision", "author", "parent"]
    readonly_fields = ["body_html"]


@admin.register(Transition)
class TransitionAdmin(ReadOnly):
    list_display = ["decision", "from_status", "to_status", "by", "at"]
    list_filter = ["to_status"]
    raw_id_fields = ["decision", "by"]


@admin.register(ReviewRequest)
class ReviewRequestAdmin(ReadOnly):
    list_display = ["decision", "reviewer", "state", "round"]
    list_filter = ["state"]
    raw_id_fields = ["decision", "reviewer", "requested_by"]


@admin.register(Review)
class ReviewAdmin(ReadOnly):
    list_display = ["decision", "reviewer", "verdict", "stale", "created_at"]
    list_filter = ["verdict", "stale"]
    raw_id_fields = ["decision", "reviewer"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "text", "created_at", "read_at"]
    raw_id_fields = ["recipient", "actor", "decision"]


@admin.register(SearchDocument)
class SearchDocumentAdmin(ReadOnly):
    """Read-only: rebuilt from the decision on every save (or by rebuild_search_index)."""

    list_display = ["decision", "title"]
    raw_id_fields = ["decision"]
    readonly_fields = ["decision", "title", "body"]
