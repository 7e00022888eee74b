"""Atom feeds: newly accepted decisions, and any search of the log (same URL parameters)."""

import datetime
import re

from django.contrib.auth.views import redirect_to_login
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from . import tokens
from .forms import LogFilterForm
from .log import log_results
from .markdown import render_markdown
from .models import Decision, person_name

FEED_SIZE = 50
FEED_KEY = "key"
# XML 1.0 cannot carry these, whatever escaping is done.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    return NOT_XML.sub("", text)


class DecisionFeed(Feed):
    """Readable with the browser's session, or by a feed reader with a read-only feed key
    (`?key=`, from the API page, good for feeds only); anyone else is sent to sign in."""

    feed_type = Atom1Feed

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            user = tokens.token_user(request.GET.get(FEED_KEY, ""), feed=True)
            if user is None:
                return redirect_to_login(request.get_full_path())
            request.user = user
        return super().__call__(request, *args, **kwargs)

    def item_title(self, decision: Decision) -> str:
        return xml_text(str(decision))

    def item_description(self, decision: Decision) -> str:
        summary = f"<p>{decision.get_status_display()}"
        if decision.style:
            summary += f", {decision.get_style_display()}"
        return summary + "</p>" + render_markdown(decision.decision_text)  # render_markdown is XML-safe

    def item_author_name(self, decision: Decision) -> str | None:
        author = decision.author
        return xml_text(person_name(author)) if author else None

    def item_link(self, decision: Decision) -> str:
        return decision.get_absolute_url()

    def item_pubdate(self, decision: Decision) -> datetime.datetime:
        if decision.decided_on:
            return timezone.make_aware(datetime.datetime.combine(decision.decided_on, datetime.time()))
        return decision.created_at

    def item_updateddate(self, decision: Decision) -> datetime.datetime:
        return decision.updated_at


class AcceptedFeed(DecisionFeed):
    title = "Decision Log: newly accepted decisions"
    subtitle = "Architecture decisions as they are accepted."

    def link(self) -> str:
        return reverse("decision_list") + "?status=accepted"

    def items(self):
        return (
            Decision.objects.accepted().select_related("flow", "author").order_by("-decided_on", "-number")[:FEED_SIZE]
        )


class SearchFeed(DecisionFeed):
    def get_object(self, request: HttpRequest) -> QueryDict:
        return request.GET

    def title(self, params: QueryDict) -> str:
        form = LogFilterForm(params)
        text = xml_text(form.criteria().get("q", "")).strip()
        parts = [f"“{text[:100]}”"] if text else []
        parts += [f"{label}: {shown}" for _, label, shown in form.filters_described()]
        return "Decision Log: " + (" · ".join(parts) if parts else "all decisions")[:300]

    def link(self, params: QueryDict) -> str:
        search = params.copy()
        search.pop(FEED_KEY, None)  # the reader's key stays out of the links it shows
        return reverse("decision_list") + (f"?{search.urlencode()}" if search else "")

    def items(self, params: QueryDict):
        return log_results(params)[2].select_related("author")[:FEED_SIZE]
