"""Comments on a decision, posted and changed in place with htmx, or as plain forms."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import workflow
from ..forms import CommentForm
from ..models import Comment
from .decisions import detail_context, get_decision

COMMENTS_PARTIAL = "decisions/decision_detail.html#comments-section"


def _page_or_section(request: HttpRequest, decision, status: int = 200, **forms) -> HttpResponse:
    template = COMMENTS_PARTIAL if request.htmx else "decisions/decision_detail.html"
    return render(request, template, detail_context(request, decision, **forms), status=status)


@require_POST
def comment_create(request: HttpRequest, number: int) -> HttpResponse:
    decision = get_decision(number)
    if not workflow.can_comment(request.user):
        raise PermissionDenied("Your role does not allow comments.")
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _page_or_section(request, decision, comment_form=form)
    parent_id = form.cleaned_data["parent"]
    parent = get_object_or_404(Comment, pk=parent_id, decision=decision) if parent_id else None
    comment = workflow.comment_post(decision=decision, by=request.user, body=form.cleaned_data["body"], parent=parent)
    if request.htmx:
        return _page_or_section(request, decision)
    return redirect(comment)


def _own_comment(request: HttpRequest, pk: int) -> Comment:
    comment = get_object_or_404(Comment.objects.select_related("decision"), pk=pk)
    if comment.author_id != request.user.pk:
        raise PermissionDenied("Only its author may change a comment.")
    return comment


@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _own_comment(request, pk)
    if comment.retracted_at:
        raise PermissionDenied("A retracted comment cannot be edited.")
    form = CommentForm(request.POST or None, instance=comment)
    if request.method == "POST" and form.is_valid():
        workflow.comment_edit(comment=Comment.objects.get(pk=pk), by=request.user, body=form.cleaned_data["body"])
        if request.htmx:
            return _page_or_section(request, get_decision(comment.decision.number))
        return redirect(comment)
    template = "decisions/comment_edit.html#comment-edit-form" if request.htmx else "decisions/comment_edit.html"
    return render(request, template, {"comment": comment, "form": form})


@require_POST
def comment_retract(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _own_comment(request, pk)
    workflow.comment_retract(comment=comment, by=request.user)
    if request.htmx:
        return _page_or_section(request, get_decision(comment.decision.number))
    return redirect(comment)
