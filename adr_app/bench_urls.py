"""The app's URLs and the floor: 25 rows of the 100,000-row decisions table with a join, through a
template, on the same stack (middleware, session, sign-in), as the HTTP benchmark's yardstick."""

from django.shortcuts import render
from django.urls import path

from decisions.models import Decision

from .urls import urlpatterns as app_urlpatterns


def floor(request):
    rows = Decision.objects.select_related("flow").only("number", "title", "status", "created_at", "flow__name")
    return render(request, "benchmark_floor.html", {"rows": rows.order_by("-number")[:25]})


urlpatterns = [path("benchmark/floor/", floor), *app_urlpatterns]
handler500 = "adr_app.views.server_error"
