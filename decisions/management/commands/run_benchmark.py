"""Build a large decision log and time the pages people use most.

Not part of the test run. Point it at a database of its own, for example
`SQLITE_PATH=bench.sqlite3 python manage.py run_benchmark` or with DATABASE_URL.
"""

import datetime
import gc
import itertools
import json
import random
import statistics
import time
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import DurationField, ExpressionWrapper, F, Value
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from django.utils.html import escape

from decisions import pagecache, roles, search, workflow
from decisions.log import log_results
from decisions.management.progress import Progress
from decisions.models import Comment, Counter, Decision, Flow, Service, Team
from decisions.overview import overview_forget

BATCH = 5000
STYLES = ["command", "event", "sync", ""]
STATUSES = ["accepted"] * 6 + ["superseded", "deprecated", "proposed", "draft", "rejected"]
DOMAIN_WORDS = [
    "order", "payment", "invoice", "shipping", "inventory", "customer", "refund", "loyalty", "kafka", "queue",
    "schema", "tracing", "ownership", "consumer", "producer", "retry", "outbox", "idempotent", "latency",
    "audit", "ledger", "warehouse", "notification", "checkout", "gateway", "fraud", "return", "stock",
]  # fmt: skip
PHRASES = ["event backbone", "single place to debug", "separate domain", "schema registry"]


def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "zu", "pi", "da", "fe", "go", "hu", "ji", "ba"]
    words = {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(size * 2)}
    return sorted(words)[:size] + DOMAIN_WORDS


class Text:
    """Believable-enough prose: a Zipf-like vocabulary, domain words, and now and then a known phrase."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = _vocabulary(rng)
        weights = [1 / (rank + 1) for rank in range(len(self.words))]
        self.rng.shuffle(weights)
        self.cumulative = list(itertools.accumulate(weights))  # once, not on every call

    def __call__(self, count: int) -> str:
        words = self.rng.choices(self.words, cum_weights=self.cumulative, k=count)
        if self.rng.random() < 0.05:
            words.insert(self.rng.randrange(len(words)), "billing")
        if self.rng.random() < 0.02:
            words.insert(self.rng.randrange(len(words)), self.rng.choice(PHRASES))
        return " ".join(words).capitalize() + "."


class Command(BaseCommand):
    help = "Build a large decision log (if the database is empty), then time the main pages."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--decisions", type=int, default=100_000)
        parser.add_argument("--flows", type=int, default=10_000)
        parser.add_argument("--services", type=int, default=2_000)
        parser.add_argument("--comments", type=int, default=500_000)
        parser.add_argument("--runs", type=int, default=30, help="Timed requests per page.")
        parser.add_argument("--build-only", action="store_true", help="Build the data if needed; time nothing.")
        parser.add_argument("--json", help="Also write the figures to this file (benchmark_scale reads it).")

    def handle(self, *args, **options) -> None:
        if not Decision.objects.exists():
            self.build(options)
        elif Decision.objects.count() < options["decisions"]:
            raise CommandError("The database holds other data. Use an empty database for the benchmark.")
        if not options["build_only"]:
            rows = self.measure(options["runs"])
            if options["json"]:
                Path(options["json"]).write_text(json.dumps({"decisions": Decision.objects.count(), "pages": rows}))

    # --- building ---------------------------------------------------------------------------

    def build(self, options: dict) -> None:
        rng = random.Random(42)  # noqa: S311 (reproducible test data, not secrets) # nosec B311
        text = Text(rng)
        started = time.monotonic()
        reader, _ = User.objects.get_or_create(username="bench-reader")
        reader.groups.add(Group.objects.get(name=roles.VIEWERS))
        commenter, _ = User.objects.get_or_create(username="bench-reviewer")
        commenter.groups.add(Group.objects.get(name=roles.REVIEWERS))
        with transaction.atomic():
            teams = Team.objects.bulk_create(Team(name=f"Team {i:03d}") for i in range(100))
            services = Service.objects.bulk_create(
                (Service(name=f"svc-{i:04d}", team=teams[i % len(teams)]) for i in range(options["services"])),
                batch_size=BATCH,
            )
            flows = []
            for i in range(options["flows"]):
                producer = rng.choice(services)
                flows.append(Flow(name=f"Flow {i:05d}", producer=producer, owner_team_id=producer.team_id))
            flows = Flow.objects.bulk_create(flows, batch_size=BATCH)
            links = []
            for flow in flows:
                for consumer in rng.sample(services, rng.randint(1, 4)):
                    if consumer.pk != flow.producer_id:
                        links.append(Flow.consumers.through(flow_id=flow.pk, service_id=consumer.pk))
            Flow.consumers.through.objects.bulk_create(links, batch_size=BATCH)
        self.stdout.write(f"{len(teams)} teams, {len(services):,} services, {len(flows):,} flows")

        total = options["decisions"]
        progress = Progress(self.stdout, "Decisions", total)
        now = timezone.now()
        for start in range(0, total, BATCH):
            batch = []
            for number in range(start + 1, min(start + BATCH, total) + 1):
                assessed = rng.random() < 0.8
                style = rng.choice(STYLES)
                levels = {
                    k: rng.randint(1, 3) if assessed else None
                    for k in ("visibility", "growth", "coordination", "coupling")
                }
                created = now - datetime.timedelta(minutes=(total - number) * 7)
                decision = Decision(
                    number=number, title=text(rng.randint(4, 9)), status=rng.choice(STATUSES), style=style,
                    flow=rng.choice(flows) if rng.random() < 0.9 else None, created_at=created,
                    decided_on=created.date(), context=text(60), decision_text=text(40), consequences=text(40),
                    caller_needs_result=False if assessed else None, logic_location=text(10) if style else "",
                    tags=",".join(rng.sample(DOMAIN_WORDS, 2)), **levels,
                    **{f"{k}_reason": text(8) for k, v in levels.items() if v},
                )  # fmt: skip
                decision.recommendation = decision.assessment.recommendation or ""
                decision.against_recommendation = bool(
                    decision.recommendation not in ("", "balanced") and style and style != decision.recommendation
                )
                batch.append(decision)
            Decision.objects.bulk_create(batch, batch_size=BATCH)
            progress.advance(len(batch))
        progress.done()
        # bulk_create stamps created_at with now; spread the log over time as a real one is.
        step = ExpressionWrapper(Value(datetime.timedelta(minutes=7)) * (total - F("number")), DurationField())
        Decision.objects.update(created_at=Value(now) - step, status_changed_at=Value(now) - step)
        Counter.objects.update_or_create(name="decision", defaults={"value": total})

        ids = list(Decision.objects.order_by("pk").values_list("pk", flat=True))
        others = ids[1:]  # once: a slice per comment copied 100,000 ids 500,000 times (150 of 185 s)
        progress = Progress(self.stdout, "Comments", options["comments"])
        remaining = options["comments"] - 50
        comments = [self.comment(ids[0], commenter, text(20)) for _ in range(50)]
        while remaining > 0 or comments:
            while remaining > 0 and len(comments) < BATCH:
                comments.append(self.comment(rng.choice(others), commenter, text(20)))
                remaining -= 1
            Comment.objects.bulk_create(comments, batch_size=BATCH)
            progress.advance(len(comments))
            comments = []
        progress.done()

        # bulk_create skips the workflow's after-write step: work out all it derives at once.
        progress = Progress(self.stdout, "Search index", len(ids))
        workflow.derived_rebuild(advance=progress.advance)
        progress.done()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"Built in {time.monotonic() - started:.0f} s."))

    @staticmethod
    def comment(decision_id: int, author: User, body: str) -> Comment:
        # Plain words render to one paragraph; bulk_create skips save(), which would render it.
        return Comment(decision_id=decision_id, author=author, body=body, body_html=f"<p>{escape(body)}</p>")

    # --- measuring --------------------------------------------------------------------------

    # The floor (adr_app/bench_urls.py) is timed first: what this machine takes for a bare page of the
    # same stack, so that tables from machines of other speeds can be read side by side.
    @override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False, ROOT_URLCONF="adr_app.bench_urls")
    def measure(self, runs: int) -> list[dict]:
        gc.collect()
        gc.freeze()  # as adr_app/wsgi.py does when a server process starts
        client = Client()
        client.force_login(User.objects.get(username="bench-reader"))
        fifty = Decision.objects.order_by("pk").first().number
        phrase = '/?q="event backbone"&style=event&status=accepted'
        # (page, address, what to forget before each request: "worked out" pages are timed as after
        # a change elsewhere, their search excerpts still kept by their texts' revisions; the others as
        # people meet them between changes, kept in the cache)
        cases = [
            ("floor: 25 rows + join", "/benchmark/floor/", None),
            ("log, first page (kept)", "/", None),
            ("log, worked out", "/", pagecache.forget),
            ("log, page 1,000 (kept)", "/?page=1000", None),
            ("log, page 1,000, worked out", "/?page=1000", pagecache.forget),
            ("search, one word (8%)", "/?q=ledger", pagecache.forget),
            # Nothing kept at all, not even the excerpts, which outlive changes elsewhere: a first search.
            ("search, one word, nothing kept", "/?q=ledger", cache.clear),
            ("search, common word (48%)", "/?q=billing", pagecache.forget),
            ("search, phrase + 2 filters", phrase, pagecache.forget),
            ("the same search, kept", phrase, None),
            # The three in turn: each evicts the others' pages from a small database cache.
            ("the three searches in turn", ["/?q=ledger", "/?q=billing", phrase], pagecache.forget),
            ("decision, 50 comments, worked out", f"/decisions/{fifty}/", pagecache.forget),
            ("decision, 50 comments (kept)", f"/decisions/{fifty}/", None),
            ("overview (from the cache)", "/overview/", None),
            ("overview, worked out", "/overview/", overview_forget),
            ("flow map, worked out", "/flows/map/", pagecache.forget),
            ("flow map (kept)", "/flows/map/", None),
            ("live recommendation panel", "/decisions/assess/", None),
        ]
        # The panel answers the guided form's htmx POST: an architect's, with a flow and answers.
        flow = Flow.objects.order_by("pk").values_list("pk", flat=True).first()
        panel = {"flow": flow, "caller_needs_result": "false", "visibility": "3", "growth": "1", "coordination": "2",
                 "coupling": "2", "style": "event"}  # fmt: skip
        author, _ = User.objects.get_or_create(username="bench-architect")
        author.groups.add(Group.objects.get(name=roles.ARCHITECTS))
        architect = Client(headers={"HX-Request": "true"})
        architect.force_login(author)
        vendor = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
        count = Decision.objects.count()
        self.stdout.write(f"\n{vendor}, {count:,} decisions, {runs} timed requests each (after 3 warm-ups)\n")
        self.stdout.write(f"| {'page':<34} | {'p50 ms':>7} | {'p95 ms':>7} | {'queries':>7} |")
        self.stdout.write(f"|{'-' * 36}|{'-' * 9}|{'-' * 9}|{'-' * 9}|")
        rows = []
        for name, url, forget in cases:
            turns = itertools.cycle(url if isinstance(url, list) else [url])

            def get(name=name, turns=turns):
                return architect.post(next(turns), panel) if name.startswith("live") else client.get(next(turns))

            for _ in range(3):
                response = get()
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")
            recompute = forget or (lambda: None)
            timings = []
            for _ in range(runs):
                recompute()
                started = time.perf_counter()
                get()
                timings.append((time.perf_counter() - started) * 1000)
            recompute()
            with CaptureQueriesContext(connection) as queries:
                get()
            p50 = statistics.median(timings)
            p95 = statistics.quantiles(timings, n=20)[-1]
            self.stdout.write(f"| {name:<34} | {p50:7.1f} | {p95:7.1f} | {len(queries):7d} |")
            rows.append({"page": name, "p50": p50, "p95": p95, "queries": len(queries), "matches": _matches(url)})
        return rows


def _matches(url: str | list[str]) -> dict | None:
    """For a search: how many decisions match and how many of them are ranked for its page."""
    if isinstance(url, list) or "?q=" not in url:
        return None
    form, sort, decisions = log_results(QueryDict(url.split("?", 1)[1]))
    text = form.criteria()["q"]
    matching = search.search(Decision.objects.for_log(form.criteria()), text).count()
    return {"matching": matching, "ranked": decisions.count()}
