import datetime
import functools
import html

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import dateformat
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timezone import localtime

from .. import access, factors
from ..charts import BarChart
from ..markdown import render_markdown
from ..models import DecisionStatus, DecisionStyle, person_name

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return render_markdown(text)


@register.filter
def person(user) -> str:
    """{{ comment.author|person }}: a person's full name, else their username."""
    return person_name(user)


@register.filter
def markdown_in(text: str, decision) -> SafeString:
    """{{ decision.context|markdown_in:decision }}: Markdown that shows the decision's own images."""
    return render_markdown(text, decision.image_urls)


@register.filter
def changeable_by(comment, user) -> bool:
    """{% if comment|changeable_by:user %}: the access rule, not a copy of it in the template."""
    return access.can_change_comment(user, comment)


@register.simple_tag
def chart_bars(chart: BarChart) -> SafeString:
    """The bars of a stacked bar chart, as SVG elements.

    Written here rather than in a template: a chart of 100 teams holds some 4,000 numbers,
    and writing each through the template engine took 40 ms. Only the labels are text
    from users, and they are escaped; the rest are our numbers and style names.
    """
    parts = []
    for bar in chart.bars:
        label, y, text_y = escape(bar.label), _number(bar.y), _number(bar.text_y)
        short = escape(Truncator(bar.label).chars(22))
        parts.append(
            f'<text x="{chart.label_width - 8}" y="{text_y}" text-anchor="end" class="chart-label">{short}</text>'
        )
        for s in bar.segments:
            parts.append(
                f'<rect x="{_number(s.x)}" y="{y}" width="{_number(s.width)}" height="{chart.bar_height}" '
                f'fill="url(#fill-{s.style})" stroke="#333" stroke-width=".5">'
                f"<title>{label}: {s.count} {s.style}</title></rect>"
            )
            if s.shows_count:
                # On a white plate, so the number reads on any of the styles' patterns.
                plate = 7 * len(str(s.count)) + 6
                parts.append(
                    f'<rect x="{_number(s.label_x - plate / 2)}" y="{_number(bar.y + 4)}" width="{plate}" '
                    f'height="{chart.bar_height - 8}" rx="3" class="chart-count-plate"/>'
                    f'<text x="{_number(s.label_x)}" y="{text_y}" text-anchor="middle" class="chart-count">'
                    f"{s.count}</text>"
                )
        parts.append(f'<text x="{_number(bar.end_x)}" y="{text_y}" class="chart-total">{bar.total}</text>')
    return mark_safe("".join(parts))  # noqa: S308 (labels escaped above) # nosec B308 B703


def _number(value: float) -> str:
    """A coordinate as SVG wants it: a dot for decimals whatever the language, and one decimal at most."""
    return f"{round(value, 1):g}"


@register.simple_tag
def decision_rows(decisions) -> SafeString:
    """The log's rows (log.LogRow), one `<li>` per decision.

    Written here rather than in a template: through the template engine the 25 rows took some
    4 ms of each log page, about as much as the rest of the page. What rows share is worked out
    once a page (the address's shape, each day's date) or once a process (badges and chips):
    escaping, reversing and formatting them for every row took 2.4 ms of 25 rows, now 0.4. Every text from users
    (title, flow name, excerpt's words) is escaped; the excerpt comes marked up by search.snippets.
    """
    before, after = escape(reverse("decision_detail", args=[_NUMBER])).split(str(_NUMBER))
    days: dict[datetime.date, str] = {}
    rows = []
    for d in decisions:
        moment = localtime(d.created_at)
        if moment.date() not in days:
            days[moment.date()] = dateformat.format(moment, "j M Y")
        rows.append(_decision_row(d, f"{before}{d.number}{after}", days[moment.date()]))
    return mark_safe("".join(rows))  # noqa: S308 # nosec B308 B703


_NUMBER = 987654321  # stands for a decision's number in its reversed address


@functools.cache
def _row_parts() -> tuple[dict, dict, dict]:
    """The rows' fixed markup, escaped once: status and style badges, and each factor level's chip."""
    statuses = {
        value: f'<span class="badge status-{value}">{escape(label)}</span>' for value, label in DecisionStatus.choices
    }
    styles = {
        value: f'<span class="badge style-{value}">{escape(label)}</span> '
        for value, label in DecisionStyle.choices
        if value
    }
    chips = {(factor.key, level.value): f'<li class="chip">{escape(factor.name)}: {escape(level.short.lower())}</li>'
             for factor in factors.FACTORS for level in factor.levels}  # fmt: skip
    return statuses, styles, chips


def _decision_row(d, url: str, day: str) -> str:
    statuses, styles, chips = _row_parts()
    flow = '<span class="muted">General</span>'
    if d.flow_id:
        flow = f'<span class="flow-name">{escape(d.flow_name)}</span>'
    parts = [
        f'<li class="decision-row"><a class="code" href="{url}">{d.code}</a><div class="row-main">'
        f'<a class="title" href="{url}">{escape(d.title)}</a>'
        f'<div class="row-meta">{flow} · {day}</div>'
    ]
    if getattr(d, "excerpt", None):
        parts.append(f'<p class="excerpt">{conditional_escape(d.excerpt)}</p>')
    if d.recommendation:
        badges = "".join(chips[factor.key, value] for factor in factors.FACTORS
                         if (value := getattr(d, factor.key)) is not None)  # fmt: skip
        badges += f'<li class="chip rec-{d.recommendation}">Recommended: {escape(d.recommendation.capitalize())}</li>'
        if d.against_recommendation:
            badges += '<li class="chip against">Went against it</li>'
        parts.append(f'<ul class="assessment-badges" aria-label="Assessment">{badges}</ul>')
    parts.append(f'</div><div class="row-badges">{styles.get(d.style, "")}{statuses[d.status]}</div></li>\n')
    return "".join(parts)


@register.simple_tag
def flow_rows(flows) -> SafeString:
    """The flow map's table rows (producer → consumers, style, deciding decision), or its empty row.

    Written here rather than in a template, as the log's rows are: a dense map lists hundreds of
    flows. The flow and service names are escaped; the rest are our URLs and style names."""
    if not flows:
        return mark_safe(  # noqa: S308 (no user text) # nosec B308 B703
            f'<tr><td colspan="4" class="muted">These services have no flows between them yet. '
            f'<a href="{reverse("flow_create")}">Add a flow</a>.</td></tr>'
        )
    rows = []
    for row in flows:
        decision = '<span class="muted">none yet</span>'
        if row["decision"]:
            decision = f'<a href="{row["decision_url"]}">{row["decision"]}</a>'

        consumers = escape(", ".join(row["consumers"]))
        rows.append(
            f'<tr><td><a href="{row["url"]}">{escape(row["name"])}</a></td>'
            f"<td>{escape(row['producer'])} → {consumers}</td>"
            f'<td><span class="badge style-{row["style"]}">{escape(row["style"].capitalize())}</span></td>'
            f"<td>{decision}</td></tr>\n"
        )
    return mark_safe("".join(rows))  # noqa: S308 (names escaped) # nosec B308 B703


@register.simple_tag
def select_options(options, chosen) -> SafeString:
    """`<option>`s for (value, label) pairs, `chosen` selected: a hundred teams through the template
    engine cost more than the log's results. Escaped by the standard library's function, which
    Django's wraps (the same text; a hundred teams took 0.29 ms through Django's, 0.04 through it)."""
    return mark_safe("".join(  # noqa: S308 (values and labels escaped) # nosec B308 B703
        f'<option value="{html.escape(str(value))}"{" selected" if value == chosen else ""}>'
        f"{html.escape(str(label))}</option>"
        for value, label in options
    ))  # fmt: skip


@register.simple_tag(takes_context=True)
def comment_article(context, comment) -> SafeString:
    """One comment as an `<article>`, with its author's edit and retract controls.

    Written here rather than in a template, as the log's rows are: fifty comments through the
    template engine took about half of a decision page. The body was rendered and sanitised
    when saved (Comment.body_html); the author's name is escaped.
    """
    pk = comment.pk
    edited = '<span class="muted">· edited</span>' if comment.edited_at and not comment.retracted_at else ""
    when = localtime(comment.created_at)
    parts = [
        f'<article class="comment{" retracted" if comment.retracted_at else ""}" id="comment-{pk}">\n'
        f'  <p class="comment-meta"><strong>{escape(person_name(comment.author))}</strong>\n'
        f'    <time datetime="{when.isoformat()}">{dateformat.format(when, "j M Y H:i")}</time>\n    {edited}</p>\n'
    ]
    if comment.retracted_at:
        parts.append('  <p class="muted">This comment was retracted by its author.</p>\n')
    else:
        parts.append(f'  <div class="comment-body">{comment.body_html}</div>\n')
        if access.can_change_comment(context["user"], comment):
            edit_url, retract_url = reverse("comment_edit", args=[pk]), reverse("comment_retract", args=[pk])
            token = escape(get_token(context["request"]))
            parts.append(
                f'  <div class="comment-actions">\n'
                f'    <a href="{edit_url}" hx-get="{edit_url}" hx-target="#comment-{pk}" hx-swap="outerHTML" '
                f'aria-label="Edit your comment">Edit</a>\n'
                f'    <form method="post" action="{retract_url}" hx-post="{retract_url}" hx-target="#comments-section" '
                f'hx-swap="outerHTML" hx-confirm="Retract this comment? It will show as retracted.">\n'
                f'      <input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
                f'<button type="submit" class="link" aria-label="Retract your comment">Retract</button>\n'
                f"    </form>\n  </div>\n"
            )
    parts.append("</article>")
    return mark_safe("".join(parts))  # noqa: S308 (body_html sanitised on save, the rest escaped) # nosec B308 B703


@register.simple_tag
def timeline_entries(entries, show_decision=False) -> SafeString:
    """A timeline's `<li>`s (timeline.Entry): a decision's fifty comments make fifty entries, which
    through the template engine cost more than the rest of its timeline section."""
    parts = []
    for entry in entries:
        when = localtime(entry.at)
        anchor = f"#{escape(entry.anchor)}" if entry.anchor else ""
        if show_decision:
            url = reverse("decision_detail", args=[entry.number])
            where = f' on <a href="{url}{anchor}">{entry.code}: {escape(entry.title)}</a>'
        else:
            where = f' <a href="{anchor}" aria-label="Show it">↓</a>' if anchor else ""
        parts.append(
            f'  <li class="activity-item kind-{entry.kind}">\n'
            f'    <time datetime="{when.isoformat()}">{dateformat.format(when, "j M Y H:i")}</time>\n'
            f"    <span><strong>{escape(entry.actor)}</strong> {escape(entry.summary)}{where}</span>\n  </li>\n"
        )
    return mark_safe("".join(parts))  # noqa: S308 (every text escaped) # nosec B308 B703
