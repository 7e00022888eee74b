"""Message contracts: the import page, an import's report, drift items, and catalog tools' change notices."""

import hmac

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import access, webhooks, workflow
from ..adr_files import importer
from ..contracts import documents, reader
from ..contracts.report import ContractReport
from ..forms import ContractUploadForm, DriftAcknowledgeForm
from ..models import ContractImport, Drift, Flow
from ..status import TransitionRefused

LIST_LIMIT = 100
NOTICE_MAX_BYTES = 1_000_000


@require_http_methods(["GET", "POST"])
def contracts(request: HttpRequest) -> HttpResponse:
    """What the teams' contracts say: recent imports, flows no decision covers yet, and (for
    architects) the form to import more."""
    may_import = access.can_import_contracts(request.user)
    form = ContractUploadForm(request.POST, request.FILES) if request.method == "POST" else ContractUploadForm()
    if request.method == "POST":
        if not may_import:
            raise access.refuse("contracts")
        if form.is_valid():
            try:
                report = workflow.contracts_import(
                    form.contract_files(), source=form.cleaned_data["source"],
                    via=ContractImport.Via.UPLOAD, by=request.user,
                )  # fmt: skip
            except (importer.CollectionError, reader.NothingToRead) as error:
                form.add_error("files", str(error))
            else:
                if report.committed:
                    messages.success(request, f"Imported “{report.source}”: {report.summary}")
                    return redirect("contract_import", report.import_id)
                return render(request, "decisions/contracts.html", _context(request, form, may_import, report))
    return render(request, "decisions/contracts.html", _context(request, form, may_import, None))


def _context(request, form, may_import: bool, report: ContractReport | None) -> dict:
    undecided = (
        Flow.objects.exclude(message="")
        .filter(current_decision__isnull=True)
        .select_related("producer", "latest_snapshot")
        .order_by("name")
    )
    return {
        "form": form,
        "may_import": may_import,
        "report": report,
        "imports": ContractImport.objects.select_related("by").defer("report")[:20],
        "undecided": undecided[:LIST_LIMIT],
        "undecided_count": undecided.count(),
        "open_drifts": Drift.objects.filter(state=Drift.State.OPEN).count(),
    }


@require_GET
def contract_import(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ContractImport.objects.select_related("by"), pk=pk)
    return render(
        request, "decisions/contract_import.html", {"run": run, "report": ContractReport.from_dict(run.report)}
    )


@require_POST
def drift_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Drift.objects.select_related("decision"), pk=pk)
    form = DriftAcknowledgeForm(request.POST)
    back = request.POST.get("next", "")
    back = back if back.startswith("/") and not back.startswith("//") else item.decision.get_absolute_url()
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["note"]))
        return redirect(back)
    try:
        workflow.drift_acknowledge(drift_item=item, by=request.user, note=form.cleaned_data["note"])
    except TransitionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"Acknowledged on {item.decision.code}: {item.title.lower()}.")
    return redirect(back)


# --- change notices from catalog tools: CloudEvents, structured JSON, signed with a shared secret ----

NOTICE_HEADER = webhooks.SIGNATURE_HEADER
CLOUDEVENTS_REQUIRED = ("specversion", "id", "source", "type")


@csrf_exempt  # a machine's POST, authenticated by its signature instead
@login_not_required
@require_POST
def contract_notice(request: HttpRequest) -> JsonResponse:
    """`POST /contracts/notices`: one CloudEvent (structured mode) whose body is signed like the app's own
    webhooks (`X-Decision-Log-Signature: sha256=<HMAC-SHA256 of the body>`) with
    DECISION_CONTRACT_NOTICE_SECRET. Answers 202 with what changed, 200 for a notice seen before."""
    secret = settings.DECISION_CONTRACT_NOTICE_SECRET
    if not secret:
        return _refuse(404, "Change notices are off: set DECISION_CONTRACT_NOTICE_SECRET to turn them on.")
    body = request.body[: NOTICE_MAX_BYTES + 1]
    if len(body) > NOTICE_MAX_BYTES:
        return _refuse(413, f"A notice is at most {NOTICE_MAX_BYTES // 1_000_000} MB.")
    given = request.headers.get(NOTICE_HEADER, "")
    if not hmac.compare_digest(given.encode(), webhooks.signature(secret, body).encode()):
        return _refuse(401, f"The {NOTICE_HEADER} header is not the body's HMAC-SHA256 with the shared secret.")
    if request.content_type not in ("application/cloudevents+json", "application/json"):
        return _refuse(415, "Send one CloudEvent in structured mode: Content-Type: application/cloudevents+json.")
    try:
        notice = documents.load("notice.json", body)
    except documents.Unreadable as reason:
        return _refuse(400, f"The body cannot be read: {reason}.")
    if not isinstance(notice, dict):
        return _refuse(422, "The body must be one CloudEvent: a JSON object.")
    missing = [name for name in CLOUDEVENTS_REQUIRED if not isinstance(notice.get(name), str) or not notice[name]]
    if missing:
        return _refuse(422, f"A CloudEvent needs {', '.join(missing)}: non-empty strings.")
    if notice["specversion"] != "1.0":
        return _refuse(422, "Only CloudEvents 1.0 is read.")
    try:
        report = workflow.contracts_notice(notice=notice)
    except workflow.NoticeRefused as refusal:
        return _refuse(422, str(refusal))
    if report is None:
        return JsonResponse({"detail": "This notice was taken before; nothing changed."}, status=200)
    return JsonResponse({"detail": report.summary, "drifts": report.drifts}, status=202)


def _refuse(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)
