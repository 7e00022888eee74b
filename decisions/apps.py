from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


class DecisionsConfig(AppConfig):
    name = "decisions"

    def ready(self) -> None:
        post_migrate.connect(refresh_sqlite_statistics, sender=self)


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
