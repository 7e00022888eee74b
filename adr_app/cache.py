"""The database's cache (when no Redis is configured): Django's, with a set in one statement.

Django's DatabaseCache.set counts the table, then, in a transaction, reads the key and updates or
inserts it: five round trips for every page kept and every change's new version. Here the write is
one upsert (SQLite and PostgreSQL alike) that returns the table's count as well, and the culling is
Django's, after the write rather than before it: a kept page costs one round trip.
"""

import base64
import pickle  # nosec B403 (Django's own cache format: only this app writes the table)
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router
from django.utils.timezone import now


class DatabaseCache(DjangoDatabaseCache):
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        zone = UTC if settings.USE_TZ else None
        expires = datetime.max if timeout is None else datetime.fromtimestamp(timeout, tz=zone)
        connection = connections[router.db_for_write(self.cache_model_class)]
        table = connection.ops.quote_name(self._table)
        with connection.cursor() as cursor:
            # The count is the table's before the write on PostgreSQL and after it on SQLite (the
            # statement's snapshot, or the row as written): one entry apart, where a cull removes a
            # third of the table.
            cursor.execute(
                f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s) "  # noqa: S608 # nosec B608
                "ON CONFLICT (cache_key) DO UPDATE SET value = EXCLUDED.value, expires = EXCLUDED.expires "
                f"RETURNING (SELECT COUNT(*) FROM {table})",
                [key, base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1"),
                 connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0))],
            )  # fmt: skip
            entries = cursor.fetchone()[0]
            if entries > self._max_entries:
                self._cull(connection.alias, cursor, now().replace(microsecond=0), entries)
