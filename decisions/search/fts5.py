"""SQLite FTS5: the capability probe and the schema, shared by the migration and the backend."""

import sqlite3
from functools import cache

TABLE = "decisions_search_fts"

CREATE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(title, body, content='decisions_searchdocument', "
    "content_rowid='decision_id', tokenize='porter unicode61')",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_insert AFTER INSERT ON decisions_searchdocument BEGIN
        INSERT INTO {TABLE}(rowid, title, body) VALUES (new.decision_id, new.title, new.body); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_delete AFTER DELETE ON decisions_searchdocument BEGIN
        INSERT INTO {TABLE}({TABLE}, rowid, title, body) VALUES ('delete', old.decision_id, old.title, old.body);
        END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_update AFTER UPDATE ON decisions_searchdocument BEGIN
        INSERT INTO {TABLE}({TABLE}, rowid, title, body) VALUES ('delete', old.decision_id, old.title, old.body);
        INSERT INTO {TABLE}(rowid, title, body) VALUES (new.decision_id, new.title, new.body); END""",
]
DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {TABLE}_update",
    f"DROP TABLE IF EXISTS {TABLE}",
]


@cache
def available() -> bool:
    """Whether this Python's SQLite has FTS5. The stdlib error, not Django's, is the one raised here."""
    try:
        with sqlite3.connect(":memory:") as probe:
            probe.execute("CREATE VIRTUAL TABLE probe USING fts5(text)")
    except sqlite3.OperationalError:
        return False
    return True
