"""Atom feeds: newly accepted decisions, and any search of the log (same URL parameters)."""

import datetime
import re

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from .log import log_results
from .markdown import render_markdown
from .models import Decision

FEED_SIZE = 50
# XML 1.0 cannot carry these, whatever escaping is done.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    return NOT_XML.sub("", text)


class DecisionFeed(Feed):
    feed_type = Atom1Feed

    def item_title(self, decision: Decision) -> str:
        return xml_text(str(decision))

    def item_description(self, decision: Decision) -> str:
        summary = f"<p>{decision.get_status_display()}"
        if decision.style:
            summary += f", {decision.get_style_display()}"
        return xml_text(summary + "</p>" + render_markdown(decision.decision_text))

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
        return Decision.objects.accepted().select_related("flow").order_by("-decided_on", "-number")[:FEED_SIZE]


class SearchFeed(DecisionFeed):
    def get_object(self, request: HttpRequest) -> QueryDict:
        return request.GET

    def title(self, params: QueryDict) -> str:
        text = xml_text(params.get("q", "")).strip()
        return f"Decision Log: “{text[:100]}”" if text else "Decision Log: filtered decisions"

    def link(self, params: QueryDict) -> str:
        return reverse("decision_list") + (f"?{params.urlencode()}" if params else "")

    def items(self, params: QueryDict):
        return log_results(params)[2][:FEED_SIZE]
