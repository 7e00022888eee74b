import sqlite3

from django.apps import AppConfig
from django.core import checks
from django.db import connections
from django.db.models.signals import post_migrate

# A ranked search on SQLite counts its matches in a MATERIALIZED common table expression
# (search/sqlite.py), and the database cache's write returns the table's count (adr_app/cache.py,
# RETURNING): both came with SQLite 3.35, where Django 5.2 alone accepts 3.31.
SQLITE_NEEDED = (3, 35)


class DecisionsConfig(AppConfig):
    name = "decisions"

    def ready(self) -> None:
        post_migrate.connect(refresh_sqlite_statistics, sender=self)
        checks.register(sqlite_new_enough)


def sqlite_new_enough(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """An error from `manage.py check` (and `migrate`) where the SQLite in use is too old, rather
    than a failing search or cache write later."""
    if all(connections[alias].vendor != "sqlite" for alias in connections) or (
        sqlite3.sqlite_version_info >= SQLITE_NEEDED
    ):
        return []
    needed = ".".join(map(str, SQLITE_NEEDED))
    return [
        checks.Error(
            f"This Python's SQLite is {sqlite3.sqlite_version}; Decision Log needs {needed} or newer.",
            hint="Use a Python built with a newer SQLite (Debian 12 and Ubuntu 22.04 have one), "
            "or PostgreSQL through DATABASE_URL.",
            id="decisions.E001",
        )
    ]


def refresh_sqlite_statistics(using: str, **kwargs) -> None:
    """SQLite forgets a table's statistics when a migration rebuilds it, and without them its
    planner probed the full-text index once per decision: a filtered search took 570 ms, not 35.

    Only the models' tables: figures for the full-text index's own tables, taken while it was
    nearly empty, made every later write to it thirty times slower. Empty tables get none.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table in connection.introspection.django_table_names(only_existing=True):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
