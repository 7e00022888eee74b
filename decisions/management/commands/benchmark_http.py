"""The pages over HTTP beside a bare floor, as people get them: gunicorn with the production settings,
driven by wrk at 1 and 16 connections, app and floor interleaved in every round.

Not part of the test run (`make benchmark-http`). Point it at the benchmark's database, built by
`run_benchmark --build-only`. The floor (adr_app/bench_urls.py) renders 25 rows of the decisions
table with a join through a template, behind the same middleware and sign-in as every page.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess  # nosec B404 (runs gunicorn and wrk with this command's own arguments)
import sys
import time
import urllib.request

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from decisions.models import Decision

PAGES = [
    ("floor: 25 rows + join", "/benchmark/floor/"),
    # Repeated, a log page, a search, a decision and the map are kept in the cache (decisions.pagecache) after
    # the first request: what people get between changes. The in-process benchmark times them worked out.
    ("log, first page (kept)", "/"),
    ("log, page 1,000 (kept)", "/?page=1000"),
    ("search, one word (kept)", "/?q=ledger"),
    ("search, common word (kept)", "/?q=billing"),
    ("search, phrase + 2 filters (kept)", "/?q=%22event+backbone%22&style=event&status=accepted"),
    ("decision, 50 comments (kept)", "/decisions/{fifty}/"),
    ("overview (cached)", "/overview/"),
    ("flow map (kept)", "/flows/map/"),
]
CONNECTIONS = (1, 16)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


class Command(BaseCommand):
    help = "Time the main pages over HTTP (gunicorn + wrk) beside a bare 25-row floor, at 1 and 16 connections."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rounds", type=int, default=3, help="Interleaved rounds; each figure is their median.")
        parser.add_argument("--seconds", type=int, default=5, help="Length of each wrk run.")
        parser.add_argument("--port", type=int, default=8790)
        parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (the README's production line).")
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, **options) -> None:
        if shutil.which("wrk") is None:
            raise CommandError("wrk is not installed: apt-get install -y wrk")
        if not Decision.objects.exists():
            raise CommandError("The database is empty: build the data first with run_benchmark --build-only.")
        cookie = self._session_cookie()
        fifty = Decision.objects.order_by("pk").values_list("number", flat=True).first()
        pages = [(name, path.format(fifty=fifty)) for name, path in PAGES]
        server = self._start(options)
        try:
            results = self._measure(pages, cookie, options)
        finally:
            server.terminate()
            server.wait(timeout=30)
        self._print(results, options)

    def _session_cookie(self) -> str:
        reader = User.objects.filter(username="bench-reader").first()
        if reader is None:
            raise CommandError("No bench-reader user: build the data with run_benchmark --build-only.")
        with override_settings(ALLOWED_HOSTS=["testserver"]):
            client = Client()
            client.force_login(reader)
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    def _start(self, options: dict) -> subprocess.Popen:
        command = [
            sys.executable, "-m", "gunicorn", "adr_app.wsgi", "--bind", f"127.0.0.1:{options['port']}",
            "--workers", str(options["workers"]), "--threads", str(options["threads"]), "--timeout", "60",
            "--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning",
        ]  # fmt: skip
        environment = {**os.environ, "DJANGO_DEBUG": "false", "DJANGO_SETTINGS_MODULE": "adr_app.bench_settings",
                       "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SECURE_COOKIES": "false"}  # fmt: skip
        environment.setdefault("DJANGO_SECRET_KEY", "benchmark-only-not-a-secret-0123456789abcdef")
        log = open(f"/tmp/benchmark-http-{options['port']}.log", "w")  # noqa: SIM115, S108 # nosec B108
        server = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 # nosec B603
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{options['port']}/healthz/", timeout=2):  # noqa: S310 # nosec B310
                    return server
            except OSError:
                time.sleep(0.2)
        server.kill()
        raise CommandError(f"gunicorn did not start; see {log.name}.")

    def _measure(self, pages, cookie: str, options: dict) -> dict:
        results: dict[tuple[str, int], list[tuple[float, float, float]]] = {}
        base = f"http://127.0.0.1:{options['port']}"
        for _, path in pages:  # warm every worker's caches once, and check each page answers
            request = urllib.request.Request(base + path, headers={"Cookie": cookie})  # noqa: S310
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 # nosec B310
                if answer.status != 200 or answer.url != base + path:
                    raise CommandError(f"{path} did not answer 200 (signed in): {answer.status} {answer.url}")
        total = options["rounds"] * len(pages) * len(CONNECTIONS)
        done = 0
        for _ in range(options["rounds"]):
            for name, path in pages:
                for connections in CONNECTIONS:
                    results.setdefault((name, connections), []).append(
                        self._wrk(base + path, cookie, connections, options["seconds"])
                    )
                    done += 1
                    self.stdout.write(f"\r[{'#' * (30 * done // total):<30}] {done}/{total} runs", ending="")
                    self.stdout.flush()
        self.stdout.write("")
        return results

    @staticmethod
    def _wrk(url: str, cookie: str, connections: int, seconds: int) -> tuple[float, float, float]:
        threads = min(connections, 2)
        command = [shutil.which("wrk"), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
                   "-H", f"Cookie: {cookie}", url]  # fmt: skip
        output = subprocess.run(  # noqa: S603 # nosec B603
            command,
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        if "Non-2xx" in output:
            raise CommandError(f"{url} answered errors under load:\n{output}")
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
        return rate, _latency(output, "50%"), _latency(output, "99%")

    def _print(self, results: dict, options: dict) -> None:
        vendor = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
        self.stdout.write(
            f"\n{vendor}, {Decision.objects.count():,} decisions; gunicorn {options['workers']}×{options['threads']}, "
            f"wrk {options['seconds']} s × {options['rounds']} interleaved rounds (medians); load {load} after\n"
        )
        self.stdout.write("| page | req/s at 16 | p50 at 1 | p99 at 1 | p99 at 16 | vs floor at 16 | vs floor at 1 |")
        self.stdout.write("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        floor = {c: statistics.median(r[0] for r in results[(PAGES[0][0], c)]) for c in CONNECTIONS}
        for name, _ in PAGES:
            one, many = ([statistics.median(run[i] for run in results[(name, c)]) for i in range(3)]
                         for c in CONNECTIONS)  # fmt: skip
            self.stdout.write(
                f"| {name} | {many[0]:.0f} | {one[1]:.1f} ms | {one[2]:.1f} ms | {many[2]:.1f} ms | "
                f"{many[0] / floor[16]:.2f} | {one[0] / floor[1]:.2f} |"
            )


def _latency(output: str, percentile: str) -> float:
    match = re.search(rf"^\s*{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    return float(match.group(1)) * UNITS[match.group(2)] if match else float("nan")
