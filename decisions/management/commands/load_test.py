"""Drive the app under gunicorn with many clients, optionally stopping PostgreSQL in the middle.

Not part of the test run: point DATABASE_URL at the benchmark database (see the README).
Each client signs in, then reads the log, searches, opens decisions and posts comments;
the command reports throughput, p50/p99 latency and errors per phase, checks that every
comment the app acknowledged was stored, and that every worker answers afterwards.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import shlex
import signal
import statistics
import subprocess  # nosec B404 (runs gunicorn and pg_ctlcluster, both from this command's own arguments)
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from decisions import roles
from decisions.models import Comment, Decision

USERNAME = "load-tester"
PASSWORD = "load-test-password-not-secret"  # noqa: S105 (a throwaway user in a benchmark database) # nosec B105
WORDS = ["order", "payment", "kafka", "billing", "schema registry", "refund", "inventory", "checkout", "audit"]
# The friendly page's heading (templates/503.html), so a 503 is told apart from any other failure.
FRIENDLY_503 = "The decision log is back in a moment"


@dataclass
class Sample:
    at: float
    kind: str
    status: int  # 0 when the connection failed
    seconds: float
    friendly: bool = False


@dataclass
class Results:
    samples: list[Sample] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample, marker: str | None = None) -> None:
        with self.lock:
            self.samples.append(sample)
            if marker:
                self.acknowledged.append(marker)


def _healthy(port: int, *, timeout: float) -> bool:
    """Whether the app answers its health check (and so reaches its database)."""
    try:
        server = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        server.request("GET", "/healthz/")
        return server.getresponse().status == 200
    except OSError:
        return False


class Client:
    """One simulated person: a keep-alive connection, a session and its CSRF token."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str, dict]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-CSRFToken": self.cookies.get("csrftoken", ""),
                "Referer": f"http://{self.host}:{self.port}/",
            }
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (ConnectionError, http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text, dict(response.getheaders())

    def sign_in(self) -> None:
        self.request("GET", "/login/")
        status, _, _ = self.request("POST", "/login/", {"username": USERNAME, "password": PASSWORD})
        if status != 302:
            raise CommandError(f"The load client could not sign in (HTTP {status}).")


class Command(BaseCommand):
    help = "Load-test the app under gunicorn (64 clients for 60 s by default), with a PostgreSQL outage in the middle."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--clients", type=int, default=64)
        parser.add_argument("--duration", type=int, default=60, help="Seconds of load.")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes.")
        parser.add_argument("--threads", type=int, default=8, help="Threads per gunicorn worker.")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--outage-at", type=float, default=25, help="Seconds into the run to stop PostgreSQL.")
        parser.add_argument("--outage", type=float, default=10, help="Seconds PostgreSQL stays down; 0 for none.")
        parser.add_argument(
            "--pg-stop", default="pg_ctlcluster --skip-systemctl-redirect 15 main stop -m fast",
            help="Command that stops PostgreSQL.",
        )  # fmt: skip
        parser.add_argument(
            "--pg-start", default="pg_ctlcluster --skip-systemctl-redirect 15 main start",
            help="Command that starts it again.",
        )  # fmt: skip

    def handle(self, *args, **options) -> None:
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError("Run this against PostgreSQL: set DATABASE_URL to the benchmark database.")
        top = Decision.objects.order_by("-number").values_list("number", flat=True).first()
        if not top:
            raise CommandError("The database holds no decisions: build it with run_benchmark first.")
        self._load_tester()
        connection.close()  # PostgreSQL may restart during the run; reconnect for the checks after it
        server = self._start_gunicorn(options)
        try:
            results = self._drive(options, top)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        self._report(results, options)

    def _load_tester(self) -> None:
        user, _ = User.objects.get_or_create(username=USERNAME)
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=roles.ARCHITECTS))

    def _start_gunicorn(self, options: dict) -> subprocess.Popen:
        command = [
            sys.executable, "-m", "gunicorn", "adr_app.wsgi", "--bind", f"127.0.0.1:{options['port']}",
            "--workers", str(options["workers"]), "--threads", str(options["threads"]), "--timeout", "30",
            "--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning",
        ]  # fmt: skip
        environment = {**os.environ, "DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost"}
        environment.setdefault("DJANGO_SECRET_KEY", "load-test-only-not-a-secret-0123456789abcdef")
        environment["DJANGO_LOGIN_FAILURE_LIMIT"] = "100000"
        self.log = open(f"/tmp/load-test-gunicorn-{options['port']}.log", "w")  # noqa: SIM115, S108 # nosec B108
        server = subprocess.Popen(command, env=environment, stdout=self.log, stderr=subprocess.STDOUT)  # noqa: S603 # nosec B603
        for _ in range(100):
            if _healthy(options["port"], timeout=2):
                return server
            time.sleep(0.2)
        server.kill()
        raise CommandError(f"gunicorn did not start; see {self.log.name}.")

    def _drive(self, options: dict, top: int) -> Results:
        results = Results()
        clients = [Client("127.0.0.1", options["port"]) for _ in range(options["clients"])]
        for client in clients:
            client.sign_in()
        self.stdout.write(f"{len(clients)} clients signed in; driving for {options['duration']} s …")
        start = time.monotonic()
        stop_at = start + options["duration"]
        threads = [
            threading.Thread(target=self._person, args=(client, results, start, stop_at, top, index), daemon=True)
            for index, client in enumerate(clients)
        ]
        for thread in threads:
            thread.start()
        self.outage = None
        if options["outage"] > 0:
            time.sleep(options["outage_at"])
            self.stdout.write(f"  {options['outage_at']:.0f} s: stopping PostgreSQL for {options['outage']:.0f} s")
            down = time.monotonic()
            subprocess.run(shlex.split(options["pg_stop"]), check=True, timeout=60)  # noqa: S603 # nosec B603
            time.sleep(options["outage"])
            subprocess.run(shlex.split(options["pg_start"]), check=True, timeout=60)  # noqa: S603 # nosec B603
            up = time.monotonic()
            self.outage = (down - start, up - start)
            self.stdout.write(f"  {up - start:.0f} s: PostgreSQL is back")
        for thread in threads:
            thread.join(timeout=options["duration"] + 60)
        self.after = self._workers_answer(options)
        return results

    def _person(self, client: Client, results: Results, start, stop_at, top: int, index: int) -> None:
        rng = random.Random(index)  # noqa: S311 (load mix, not secrets) # nosec B311
        while time.monotonic() < stop_at:
            roll = rng.random()
            marker = None
            if roll < 0.35:
                kind, method, path, body = "log", "GET", f"/?page={rng.randint(1, 200)}", None
            elif roll < 0.60:
                words = urllib.parse.quote(rng.choice(WORDS))
                kind, method, path, body = "search", "GET", f"/?q={words}", None
            elif roll < 0.90:
                kind, method, path, body = "decision", "GET", f"/decisions/{rng.randint(1, top)}/", None
            else:
                marker = f"load-{uuid.uuid4().hex}"
                kind, method, path = "comment", "POST", f"/decisions/{rng.randint(1, top)}/comments/"
                body = {"body": f"Load test comment {marker}"}
            began = time.monotonic()
            try:
                status, text, _ = client.request(method, path, body)
            except (OSError, http.client.HTTPException):
                status, text = 0, ""
            seconds = time.monotonic() - began
            acknowledged = marker if kind == "comment" and status == 302 else None
            sample = Sample(began - start, kind, status, seconds, friendly=status == 503 and FRIENDLY_503 in text)
            results.add(sample, acknowledged)
            if status == 503:
                time.sleep(0.5)  # as a person would, before trying again

    def _workers_answer(self, options: dict) -> tuple[int, int]:
        """After the run, many quick requests: every worker thread must answer."""
        attempts = options["workers"] * options["threads"] * 4
        return sum(_healthy(options["port"], timeout=10) for _ in range(attempts)), attempts

    def _report(self, results: Results, options: dict) -> None:
        outage = self.outage
        grace = 5.0  # seconds after PostgreSQL is back for workers to reconnect

        def phase(sample: Sample) -> str:
            # A request still running when PostgreSQL stopped belongs to the outage.
            if outage is None or sample.at + sample.seconds < outage[0]:
                return "before"
            if sample.at < outage[1] + grace:
                return "outage"
            return "after"

        rows = []
        for name in ("before", "outage", "after", "all"):
            samples = [s for s in results.samples if name == "all" or phase(s) == name]
            if not samples:
                continue
            span = max(s.at + s.seconds for s in samples) - min(s.at for s in samples)
            ok = [s.seconds for s in samples if 200 <= s.status < 400]
            friendly = sum(1 for s in samples if s.friendly)
            errors = [s for s in samples if not (200 <= s.status < 400) and not (s.friendly and phase(s) == "outage")]
            rows.append((name, len(samples), len(samples) / max(span, 0.001), ok, friendly, len(errors)))
        self.stdout.write("")
        self.stdout.write(
            f"{'phase':8} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'503 page':>9} {'errors':>7}"
        )
        for name, count, rate, ok, friendly, errors in rows:
            p50 = statistics.median(ok) * 1000 if ok else 0
            p99 = statistics.quantiles(ok, n=100)[98] * 1000 if len(ok) >= 2 else 0
            self.stdout.write(f"{name:8} {count:9d} {rate:9.1f} {p50:9.0f} {p99:9.0f} {friendly:9d} {errors:9d}")
        by_kind = {}
        for sample in results.samples:
            by_kind.setdefault(sample.kind, []).append(sample)
        self.stdout.write("by kind: " + ", ".join(f"{kind} {len(items)}" for kind, items in sorted(by_kind.items())))

        stored = set(Comment.objects.filter(body__startswith="Load test comment load-").values_list("body", flat=True))
        lost = [marker for marker in results.acknowledged if f"Load test comment {marker}" not in stored]
        self.stdout.write(f"comments acknowledged: {len(results.acknowledged)}, lost: {len(lost)}")
        answered, attempts = self.after
        self.stdout.write(f"after the run, health checks answered: {answered}/{attempts}")
        errors = rows[-1][5] if rows else 0
        with open(self.log.name) as log:
            timeouts = len(re.findall(r"WORKER TIMEOUT", log.read()))
        self.stdout.write(f"gunicorn worker timeouts: {timeouts} (log: {self.log.name})")
        if errors or lost or answered < attempts or timeouts:
            raise CommandError("The load test found errors, lost comments or stuck workers (see above).")
        self.stdout.write(self.style.SUCCESS("No errors, no lost comment, every worker answered."))
