"""Import ADR files from an upload, and export the log (or a search) as a zip of ADR files."""

import tempfile

from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from .. import workflow
from ..adr_files import export, importer
from ..forms import ImportForm
from ..log import log_results

DEFAULT_COLLECTION = "uploads"


@permission_required("decisions.add_decision", raise_exception=True)
@require_http_methods(["GET", "POST"])
def adr_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    report = None
    if request.method == "POST" and form.is_valid():
        uploads = form.cleaned_data["files"]
        try:
            if uploads[0].name.lower().endswith(".zip"):
                files = importer.read_zip(uploads[0])
                default = importer.collection_name(uploads[0].name)
            else:
                files = [(upload.name, upload.read()) for upload in uploads]
                default = DEFAULT_COLLECTION
        except importer.CollectionError as error:
            form.add_error("files", str(error))
        else:
            report = workflow.adrs_import(
                files,
                collection=form.cleaned_data["collection"] or default,
                by=request.user,
                skip_broken=form.cleaned_data["skip_broken"],
            )
    return render(request, "decisions/adr_import.html", {"form": form, "report": report})


@require_GET
def adr_export(request: HttpRequest) -> FileResponse:
    """A zip of the decisions the log's current filters and search find."""
    fmt = request.GET.get("format", "")
    fmt = fmt if fmt in export.FORMATS else "madr"
    decisions = log_results(request.GET)[2].defer(None).order_by("number")
    archive = tempfile.SpooledTemporaryFile(max_size=10_000_000)  # noqa: SIM115 (FileResponse closes it)
    export.write_zip(archive, export.for_export(decisions).iterator(chunk_size=500), fmt)
    archive.seek(0)
    name = f"decisions-{fmt}-{timezone.localdate():%Y%m%d}.zip"
    return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")
