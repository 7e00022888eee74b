"""The database's cache (when no Redis is configured): Django's, with a set in two statements.

Django's DatabaseCache.set counts the table, then, in a transaction, reads the key and updates or
inserts it: five round trips for every page kept and every change's new version. Here the count
and the culling are Django's, and the write is one upsert (SQLite and PostgreSQL alike), so a kept
page costs two.
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
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 # nosec B608 (the configured table)
            entries = cursor.fetchone()[0]
            if entries > self._max_entries:
                self._cull(connection.alias, cursor, now().replace(microsecond=0), entries)
            cursor.execute(
                f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s) "  # noqa: S608 # nosec B608
                "ON CONFLICT (cache_key) DO UPDATE SET value = EXCLUDED.value, expires = EXCLUDED.expires",
                [key, base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1"),
                 connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0))],
            )  # fmt: skip
