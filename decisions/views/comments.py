"""Comments on a decision, posted and changed in place with htmx, or as plain forms."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import access, workflow
from ..forms import CommentForm
from ..models import Comment
from .decisions import detail_context

COMMENTS_PARTIAL = "decisions/_decision_page.html#comments-section"


def _page_or_section(request: HttpRequest, number: int, status: int = 200, **forms) -> HttpResponse:
    template = COMMENTS_PARTIAL if request.htmx else "decisions/decision_detail.html"
    decision = access.decision_for(request.user, number)
    return render(request, template, detail_context(request, decision, **forms), status=status)


@require_POST
def comment_create(request: HttpRequest, number: int) -> HttpResponse:
    decision = access.decision_for(request.user, number, to="comment")
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _page_or_section(request, number, comment_form=form)
    parent_id = form.cleaned_data["parent"]
    parent = get_object_or_404(Comment, pk=parent_id, decision=decision) if parent_id else None
    comment = workflow.comment_post(decision=decision, by=request.user, body=form.cleaned_data["body"], parent=parent)
    if request.htmx:
        return _page_or_section(request, number)
    return redirect(comment)


@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = access.comment_for(request.user, pk, "change_comment")
    form = CommentForm(request.POST or None, instance=comment)
    if request.method == "POST" and form.is_valid():
        workflow.comment_edit(comment=comment, by=request.user, body=form.cleaned_data["body"])
        if request.htmx:
            return _page_or_section(request, comment.decision.number)
        return redirect(comment)
    template = "decisions/comment_edit.html#comment-edit-form" if request.htmx else "decisions/comment_edit.html"
    return render(request, template, {"comment": comment, "form": form})


@require_POST
def comment_retract(request: HttpRequest, pk: int) -> HttpResponse:
    comment = access.comment_for(request.user, pk, "retract_comment")
    workflow.comment_retract(comment=comment, by=request.user)
    if request.htmx:
        return _page_or_section(request, comment.decision.number)
    return redirect(comment)
