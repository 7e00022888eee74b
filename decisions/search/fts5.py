"""SQLite FTS5: the capability probe and the schema, shared by the migration and the backend."""

import sqlite3
from functools import cache

TABLE = "decisions_search_fts"

# Written out in full (not formatted from TABLE) so no statement is built from a string.
CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS decisions_search_fts USING fts5(title, body, "
    "content='decisions_searchdocument', content_rowid='decision_id', tokenize='porter unicode61')",
    """CREATE TRIGGER IF NOT EXISTS decisions_search_fts_insert AFTER INSERT ON decisions_searchdocument BEGIN
        INSERT INTO decisions_search_fts(rowid, title, body) VALUES (new.decision_id, new.title, new.body); END""",
    """CREATE TRIGGER IF NOT EXISTS decisions_search_fts_delete AFTER DELETE ON decisions_searchdocument BEGIN
        INSERT INTO decisions_search_fts(decisions_search_fts, rowid, title, body)
        VALUES ('delete', old.decision_id, old.title, old.body); END""",
    # Of the text alone: a document's revision (its digest) is written beside it and changes nothing here.
    """CREATE TRIGGER IF NOT EXISTS decisions_search_fts_update AFTER UPDATE OF title, body ON decisions_searchdocument
        BEGIN
        INSERT INTO decisions_search_fts(decisions_search_fts, rowid, title, body)
        VALUES ('delete', old.decision_id, old.title, old.body);
        INSERT INTO decisions_search_fts(rowid, title, body) VALUES (new.decision_id, new.title, new.body); END""",
]
DROP = [
    "DROP TRIGGER IF EXISTS decisions_search_fts_insert",
    "DROP TRIGGER IF EXISTS decisions_search_fts_delete",
    "DROP TRIGGER IF EXISTS decisions_search_fts_update",
    "DROP TABLE IF EXISTS decisions_search_fts",
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
