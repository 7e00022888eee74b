"""Site-wide responses: the health check, and error pages that tell a database outage apart."""

import sys

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import timezone
from django.views import defaults
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

RETRY_AFTER_SECONDS = "10"
DATABASE_DOWN = "The database is not answering for a moment; nothing was saved. Try again in a few seconds."


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After, as JSON under /api/; rendered without touching the database."""
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": DATABASE_DOWN}, status=503)
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it while handling the exception, so it can see what went wrong."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable(request)
    return defaults.server_error(request)


def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers: 200 when the app can reach its database, 503 when it cannot."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except (OperationalError, InterfaceError):
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


QUEUE_LATE_SECONDS = 120


def healthz_queue(request: HttpRequest) -> HttpResponse:
    """For monitoring the workers: how much work waits and for how long; 503 when the oldest has
    waited over QUEUE_LATE_SECONDS, which means no worker is taking work."""
    waiting = DBTaskResult.objects.ready()
    late = 0.0
    for enqueued, run_after in waiting.values_list("enqueued_at", "run_after").order_by("enqueued_at")[:1]:
        due = enqueued if run_after == get_date_max() else run_after
        late = max((timezone.now() - due).total_seconds(), 0.0)
    body = {
        "waiting": waiting.count(),
        "running": DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count(),
        "oldest_waiting_seconds": round(late, 1),
    }
    return JsonResponse(body, status=503 if late > QUEUE_LATE_SECONDS else 200)
