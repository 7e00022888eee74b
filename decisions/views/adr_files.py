"""Import ADR files from an upload, and export the log (or a search) as a zip of ADR files."""

import datetime
import tempfile

from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from .. import workflow
from ..adr_files import export, importer
from ..forms import ImportForm
from ..log import log_results
from ..models import ImportJob

DEFAULT_COLLECTION = "uploads"


# Uploads past either of these are imported by a worker, so no request waits on them.
JOB_FROM_FILES, JOB_FROM_BYTES = 200, 2_000_000


@permission_required("decisions.add_decision", raise_exception=True)
@require_http_methods(["GET", "POST"])
def adr_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    report = None
    if request.method == "POST" and form.is_valid():
        uploads = form.cleaned_data["files"]
        collection, skip_broken = form.cleaned_data["collection"], form.cleaned_data["skip_broken"]
        if _for_a_worker(uploads):
            zipped = uploads[0].name.lower().endswith(".zip")
            job = workflow.import_job_queue(
                upload=uploads[0].read() if zipped else importer.pack_zip([(u.name, u.read()) for u in uploads]),
                filename=uploads[0].name if zipped else f"{len(uploads)} Markdown files",
                collection=collection or (importer.collection_name(uploads[0].name) if zipped else DEFAULT_COLLECTION),
                skip_broken=skip_broken, by=request.user,
            )  # fmt: skip
            return redirect(job)
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
            report = workflow.adrs_import(files, collection=collection or default, by=request.user,
                                          skip_broken=skip_broken)  # fmt: skip
    jobs = ImportJob.objects.filter(created_by=request.user).defer("upload", "report")[:5]
    return render(request, "decisions/adr_import.html", {"form": form, "report": report, "jobs": jobs})


def _for_a_worker(uploads) -> bool:
    if sum(upload.size for upload in uploads) > JOB_FROM_BYTES or len(uploads) > JOB_FROM_FILES:
        return True
    return uploads[0].name.lower().endswith(".zip") and importer.member_count(uploads[0]) > JOB_FROM_FILES


@permission_required("decisions.add_decision", raise_exception=True)
@require_GET
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """An import job's progress while a worker runs it (the page asks again each second), then its report."""
    job = get_object_or_404(ImportJob.objects.defer("upload"), pk=pk, created_by=request.user)
    context = {
        "job": job,
        "report": importer.ImportReport.from_dict(job.report) if job.report else None,
        "waiting_long": job.state == ImportJob.State.QUEUED and timezone.now() - job.created_at > WORKER_EXPECTED,
    }
    if request.htmx:
        return render(request, "decisions/import_job.html#job-status", context)
    return render(request, "decisions/import_job.html", context)


WORKER_EXPECTED = datetime.timedelta(seconds=20)


@require_GET
def adr_export(request: HttpRequest) -> FileResponse:
    """A zip of the decisions the log's current filters and search find."""
    fmt = request.GET.get("format", "")
    fmt = fmt if fmt in export.FORMATS else "madr"
    decisions = log_results(request.GET)[2].order_by("number")
    archive = tempfile.SpooledTemporaryFile(max_size=10_000_000)  # noqa: SIM115 (FileResponse closes it)
    export.write_zip(archive, export.for_export(decisions).iterator(chunk_size=500), fmt)
    archive.seek(0)
    name = f"decisions-{fmt}-{timezone.localdate():%Y%m%d}.zip"
    return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")
