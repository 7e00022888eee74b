"""Scale out and lose parts: two app servers and two workers on one PostgreSQL (and Redis when
REDIS_URL is set), load spread over both servers, then one server and one worker killed with SIGKILL.

Not part of the test run: point DATABASE_URL at a database with decisions (the benchmark's, or
load_demo's). Clients post comments, so each one makes a notification (mailed by a worker) and
a webhook delivery to a receiver this command runs (slow on purpose, so a worker is killed in
the middle of one). A third worker starts after the kill, as a supervisor would start one. The
command reports errors outside the killed server's requests in flight, comments, e-mails and
deliveries lost or repeated, and whether both servers show the same overview after a change.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import signal
import subprocess  # nosec B404 (runs gunicorn and this project's own worker)
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.contrib.auth.models import Group, Permission, User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from decisions import roles, workflow
from decisions.management.commands.load_test import PASSWORD, USERNAME, Client, _healthy
from decisions.models import Comment, Decision, Notification, WebhookDelivery, WebhookSubscription

RECEIVER_DELAY = 0.3  # seconds the receiver takes per delivery, so deliveries are often in flight
HOOK_NAME = "scale-test receiver"


class Receiver:
    """A webhook receiver: counts every delivery id it is sent."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the standard library's name)
                self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(RECEIVER_DELAY)
                receiver.received[self.headers["X-Decision-Log-Delivery"]] += 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@dataclass
class Tally:
    by_server: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    in_flight_at_kill: int = 0
    acknowledged: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Balancer:
    """Round robin over the servers still up, as a load balancer with health checks would."""

    def __init__(self, ports: list[int]) -> None:
        self.up, self.turn, self.lock = list(ports), 0, threading.Lock()
        self.killed: int | None = None
        self.killed_at = float("inf")

    def pick(self) -> int:
        with self.lock:
            self.turn += 1
            return self.up[self.turn % len(self.up)]

    def down(self, port: int) -> None:
        with self.lock:
            if port in self.up and len(self.up) > 1:
                self.up.remove(port)


class Command(BaseCommand):
    help = "Two app servers and two workers under load; kill one of each; count what was lost."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--clients", type=int, default=16)
        parser.add_argument("--duration", type=int, default=40, help="Seconds of load.")
        parser.add_argument("--port", type=int, default=8771, help="The first app server's port; the next is +1.")

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Run this against PostgreSQL: set DATABASE_URL.")
        numbers = list(Decision.objects.exclude(author=None).values_list("number", flat=True)[:500])
        if not numbers:
            raise CommandError("The database holds no decisions with an author: run load_demo or run_benchmark first.")
        self._tester()
        receiver = Receiver()
        hook = workflow.webhook_save(
            subscription=WebhookSubscription(name=HOOK_NAME, url=receiver.url, events=["commented"]),
            by=User.objects.get(username=USERNAME),
        )
        started_at = timezone.now()
        ports = [options["port"], options["port"] + 1]
        env = self._environment()
        servers = {port: self._spawn(self._gunicorn(port), env, f"server-{port}") for port in ports}
        workers = [self._spawn(self._worker(), env, f"worker-{n}") for n in (1, 2)]
        try:
            for port in ports:
                self._wait_healthy(port)
            tally = self._drive(options, servers, workers, numbers, env)
            self.stdout.write("load over; waiting for the workers to finish what is queued …")
            drained = self._drain(hook, timeout=180)
            servers[ports[0]] = self._spawn(self._gunicorn(ports[0]), env, f"server-{ports[0]}-again")
            self._wait_healthy(ports[0])
            self._overviews_agree(ports)  # both cache the overview as it is
            self._change()
            same = self._overviews_agree(ports)
        finally:
            for process in [*servers.values(), *workers, *getattr(self, "extra", [])]:
                self._stop(process)
            workflow.webhook_save(subscription=_off(hook), by=User.objects.get(username=USERNAME))
        self._report(tally, receiver, hook, started_at, drained, same)

    # --- the parts ---------------------------------------------------------------------------

    def _tester(self) -> None:
        roles.sync_roles(Group, Permission)
        user, _ = User.objects.get_or_create(username=USERNAME, defaults={"email": "load-tester@example.org"})
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=roles.ARCHITECTS))

    def _environment(self) -> dict:
        env = {**os.environ, "DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost"}
        env.setdefault("DJANGO_SECRET_KEY", "scale-test-only-not-a-secret-0123456789abcdef")
        env |= {"DJANGO_LOGIN_FAILURE_LIMIT": "100000", "DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT": "100000",
                "DECISION_WEBHOOKS_ALLOW_PRIVATE": "true", "DECISION_OVERVIEW_CACHE_SECONDS": "60",
                "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}  # fmt: skip
        return env

    def _gunicorn(self, port: int) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "adr_app.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                "--threads", "4", "--access-logfile", "/dev/null", "--log-level", "warning"]  # fmt: skip

    def _worker(self) -> list[str]:
        return [sys.executable, "manage.py", "worker", "--no-reload", "--no-startup-delay", "--interval", "0.2",
                "--stalled-after", "5"]  # fmt: skip

    def _spawn(self, command: list[str], env: dict, name: str) -> subprocess.Popen:
        log = open(f"/tmp/scale-test-{name}.log", "w")  # noqa: SIM115, S108 # nosec B108
        # A session of its own, so SIGKILL reaches the whole process group (gunicorn's workers too).
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603 # nosec B603

    def _kill(self, process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def _stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._kill(process)

    def _wait_healthy(self, port: int) -> None:
        for _ in range(150):
            if _healthy(port, timeout=2):
                return
            time.sleep(0.2)
        raise CommandError(f"The app server on port {port} did not start; see /tmp/scale-test-server-{port}.log.")

    def _drive(self, options, servers, workers, numbers, env) -> Tally:
        tally, balancer = Tally(), Balancer(list(servers))
        clients = []
        for index in range(options["clients"]):
            client = _Person(balancer, index)
            client.sign_in()
            clients.append(client)
        self.stdout.write(f"{len(clients)} clients over 2 app servers for {options['duration']} s …")
        start = time.monotonic()
        stop_at = start + options["duration"]
        threads = [threading.Thread(target=c.run, args=(tally, stop_at, numbers), daemon=True) for c in clients]
        for thread in threads:
            thread.start()
        time.sleep(options["duration"] * 0.4)
        killed = min(servers)
        balancer.killed, balancer.killed_at = killed, time.monotonic()
        self._kill(servers[killed])
        self.stdout.write(f"  {time.monotonic() - start:4.0f} s: app server {killed} killed (SIGKILL)")
        time.sleep(options["duration"] * 0.2)
        self._kill(workers[0])
        self.stdout.write(f"  {time.monotonic() - start:4.0f} s: worker 1 killed (SIGKILL), mid-delivery")
        time.sleep(6)  # past --stalled-after, then a supervisor starts a new worker
        self.extra = [self._spawn(self._worker(), env, "worker-3")]
        self.stdout.write(f"  {time.monotonic() - start:4.0f} s: worker 3 started")
        for thread in threads:
            thread.join(timeout=options["duration"] + 60)
        return tally

    def _drain(self, hook: WebhookSubscription, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).exists()
            pending = hook.deliveries.filter(state=WebhookDelivery.State.PENDING).exists()
            if not busy and not pending:
                return True
            time.sleep(1)
        return False

    def _change(self) -> None:
        """A proposal, made here: the overview's "waiting for review" list changes on every server."""
        author = User.objects.get(username=USERNAME)
        reviewer, _ = User.objects.get_or_create(username="scale-test-reviewer")
        reviewer.groups.add(Group.objects.get(name=roles.REVIEWERS))
        title = f"Scale test change {uuid.uuid4().hex[:6]}"
        draft = workflow.decision_create(decision=Decision(title=title), by=author)
        workflow.decision_propose(decision=draft, by=author, reviewers=[reviewer])
        self.changed_title = draft.title

    def _overviews_agree(self, ports: list[int]) -> bool:
        """After a change made on one server, both servers show the same overview."""
        pages = []
        for port in ports:
            client = Client("127.0.0.1", port)
            client.sign_in()
            status, text, _ = client.request("GET", "/overview/")
            main = re.search(r"<main.*?</main>", text, re.S)
            pages.append(re.sub(r'(nonce|value)="[^"]*"', "", main.group(0)) if status == 200 and main else "")
        return bool(pages[0]) and pages[0] == pages[1] and getattr(self, "changed_title", "") in pages[0]

    def _report(self, tally: Tally, receiver: Receiver, hook, started_at, drained: bool, same: bool) -> None:
        stored = set(Comment.objects.filter(body__startswith="Scale test comment ").values_list("body", flat=True))
        lost_comments = [m for m in tally.acknowledged if f"Scale test comment {m}" not in stored]
        notices = Notification.objects.filter(key__startswith="comment:", actor__username=USERNAME,
                                              recipient__email__gt="", created_at__gte=started_at)  # fmt: skip
        unmailed = notices.filter(mailed_at=None).count()
        deliveries = {str(pk) for pk in hook.deliveries.values_list("pk", flat=True)}
        received = receiver.received
        lost = deliveries - set(received)
        repeated = sum(count - 1 for count in received.values() if count > 1)
        strangers = set(received) - deliveries
        rows = [
            ("requests, by app server", ", ".join(f"{p}: {n}" for p, n in sorted(tally.by_server.items()))),
            ("requests in flight on the killed server", tally.in_flight_at_kill),
            ("errors outside those (target 0)", len(tally.errors)),
            ("comments acknowledged / lost", f"{len(tally.acknowledged)} / {len(lost_comments)}"),
            ("notification e-mails / not sent (target 0)", f"{notices.count()} / {unmailed}"),
            ("webhook deliveries / lost (target 0)", f"{len(deliveries)} / {len(lost)}"),
            ("deliveries received twice (same delivery id)", repeated),
            ("deliveries received with an unknown id (target 0)", len(strangers)),
            ("queue drained", "yes" if drained else "no"),
            ("both servers show the same overview", "yes" if same else "no"),
        ]
        self.stdout.write("")
        for name, value in rows:
            self.stdout.write(f"{name:50} {value}")
        for error in tally.errors[:10]:
            self.stdout.write(f"  error: {error}")
        if tally.errors or lost_comments or unmailed or lost or strangers or not drained or not same:
            raise CommandError("The scale-out test lost work or showed errors (see above).")
        self.stdout.write(self.style.SUCCESS("Nothing lost; no error outside the killed server's requests in flight."))


def _off(hook: WebhookSubscription) -> WebhookSubscription:
    hook.refresh_from_db()
    hook.active = False
    return hook


class _Person:
    """One person behind the load balancer: one session, good on either server."""

    def __init__(self, balancer: Balancer, index: int) -> None:
        self.balancer, self.rng = balancer, random.Random(index)  # noqa: S311 # nosec B311 (a load mix)
        self.clients = {port: Client("127.0.0.1", port) for port in balancer.up}

    def sign_in(self) -> None:
        first = self.clients[self.balancer.up[0]]
        first.sign_in()
        for client in self.clients.values():
            client.cookies = first.cookies  # sessions live in the database: any server knows them

    def run(self, tally: Tally, stop_at: float, numbers: list[int]) -> None:
        while time.monotonic() < stop_at:
            roll, number = self.rng.random(), self.rng.choice(numbers)
            marker, body = None, None
            if roll < 0.45:
                method, path = "GET", f"/?page={self.rng.randint(1, 20)}"
            elif roll < 0.65:
                method, path = "GET", f"/decisions/{number}/"
            elif roll < 0.80:
                method, path = "GET", "/overview/"
            else:
                marker = uuid.uuid4().hex
                method, path, body = "POST", f"/decisions/{number}/comments/", {"body": f"Scale test comment {marker}"}
            self._send(tally, method, path, body, marker)

    def _send(self, tally: Tally, method: str, path: str, body: dict | None, marker: str | None) -> None:
        for _ in range(3):
            port = self.balancer.pick()
            began = time.monotonic()
            try:
                status, _, _ = self.clients[port].request(method, path, body)
            except (OSError, http.client.HTTPException) as error:
                if port == self.balancer.killed:
                    self.balancer.down(port)
                    with tally.lock:
                        if began <= self.balancer.killed_at:
                            tally.in_flight_at_kill += 1
                    if began <= self.balancer.killed_at and method == "POST":
                        return  # in flight when its server died: the person does not know if it was saved
                    continue  # the balancer sends the next try to the other server
                with tally.lock:
                    tally.errors.append(f"{method} {path} on {port}: {error}")
                return
            with tally.lock:
                tally.by_server[port] += 1
                if status >= 500 or status == 0:
                    tally.errors.append(f"{method} {path} on {port}: HTTP {status}")
                elif marker and status == 302:
                    tally.acknowledged.append(marker)
            return
        with tally.lock:
            tally.errors.append(f"{method} {path}: no server answered")
