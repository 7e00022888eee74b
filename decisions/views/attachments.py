"""A decision's images: served as files (never inline in a page), and attached by its editors."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from .. import access, workflow
from ..forms import AttachmentForm
from ..models import Attachment

# An SVG opened on its own runs in a sandbox with no script; every image is sent as what its bytes are.
IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@require_GET
def decision_attachment(request: HttpRequest, number: int, name: str) -> HttpResponse:
    decision = access.decision_for(request.user, number)
    attachment = get_object_or_404(Attachment, decision=decision, name=name)
    if request.headers.get("If-None-Match") == f'"{attachment.sha256}"':
        return HttpResponse(status=304)
    response = HttpResponse(bytes(attachment.data), content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(False, name.rsplit("/", 1)[-1])
    response["Content-Security-Policy"] = IMAGE_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["ETag"] = f'"{attachment.sha256}"'
    return response


@require_POST
def attachment_add(request: HttpRequest, number: int) -> HttpResponse:
    decision = access.decision_for(request.user, number, to="edit")
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        name = form.cleaned_data["name"]
        workflow.attachment_save(decision=decision, name=name, data=form.cleaned_data["data"], by=request.user)
        messages.success(request, f"Attached {name}. Show it in any field with ![what it shows]({name}).")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    back = request.POST.get("next", "")
    if back != reverse("decision_edit", args=[decision.number]):  # the edit form, or else the decision page
        back = decision.get_absolute_url()
    return redirect(f"{back}#images")
