"""The in-process benchmark at two sizes, side by side: do the pages grow with the log?

Not part of the test run (`make benchmark-scale`). Run it against the benchmark's database (the
100,000-decision one); it builds a tenth as large a log beside it, the first time, in a database of
its own (`bench-10k.sqlite3` beside the SQLite file, or `<name>_10k` on the same PostgreSQL server),
runs run_benchmark on each, and prints one table.
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404 (runs this project's own manage.py)
import sys
import tempfile
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

SMALL = {"--decisions": 10_000, "--flows": 1_000, "--services": 200, "--comments": 50_000}


class Command(BaseCommand):
    help = "Time the main pages at 10,000 and 100,000 decisions and print them side by side."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--runs", type=int, default=30, help="Timed requests per page.")

    def handle(self, *args, **options) -> None:
        large_env, small_env = dict(os.environ), self._small_database()
        with tempfile.TemporaryDirectory() as folder:
            small = self._run(small_env, Path(folder) / "small.json", [*_flags(SMALL), "--runs", str(options["runs"])])
            large = self._run(large_env, Path(folder) / "large.json", ["--runs", str(options["runs"])])
        self._print(small, large)

    def _small_database(self) -> dict:
        """The environment that points manage.py at the 10,000-decision database, made if missing."""
        env = dict(os.environ)
        database = settings.DATABASES["default"]
        if connection.vendor == "postgresql":
            name = f"{database['NAME']}_10k"
            server = {key: database[key] for key in ("HOST", "PORT", "USER", "PASSWORD") if database.get(key)}
            with psycopg.connect(dbname="postgres", autocommit=True, **{k.lower(): v for k, v in server.items()}) as db:
                if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                    db.execute(f'CREATE DATABASE "{name}"')
            url, _, query = os.environ.get("DATABASE_URL", "").partition("?")
            env["DATABASE_URL"] = url.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")
        else:
            env.pop("DATABASE_URL", None)
            env["SQLITE_PATH"] = str(Path(database["NAME"]).with_name("bench-10k.sqlite3"))
        self._manage(env, ["migrate", "-v0"])
        return env

    def _run(self, env: dict, out: Path, flags: list[str]) -> dict:
        self._manage(env, ["run_benchmark", "--json", str(out), *flags])
        return json.loads(out.read_text())

    def _manage(self, env: dict, arguments: list[str]) -> None:
        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *arguments]
        if subprocess.run(command, env=env, check=False).returncode:  # noqa: S603 # nosec B603 (our own manage.py)
            raise CommandError(f"manage.py {' '.join(arguments)} failed")

    def _print(self, small: dict, large: dict) -> None:
        vendor = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
        sizes = f"{small['decisions']:,} and {large['decisions']:,}"
        self.stdout.write(f"\n{vendor}: the same pages at {sizes} decisions (p50 / p95 ms)\n")
        self.stdout.write(f"| {'page':<34} | {'10k p50':>8} | {'10k p95':>8} | {'100k p50':>8} | {'100k p95':>8} "
                          f"| {'× p50':>5} | ranked of matching, 10k → 100k |")  # fmt: skip
        self.stdout.write(f"|{'-' * 36}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 7}|{'-' * 33}|")
        for one, other in zip(small["pages"], large["pages"], strict=True):
            ranked = ""
            if one["matches"]:
                a, b = one["matches"], other["matches"]
                ranked = f"{a['ranked']:,} of {a['matching']:,} → {b['ranked']:,} of {b['matching']:,}"
            self.stdout.write(
                f"| {one['page']:<34} | {one['p50']:8.1f} | {one['p95']:8.1f} | {other['p50']:8.1f} | "
                f"{other['p95']:8.1f} | {other['p50'] / one['p50']:5.2f} | {ranked:<31} |"
            )


def _flags(values: dict) -> list[str]:
    return [part for flag, value in values.items() for part in (flag, str(value))]
