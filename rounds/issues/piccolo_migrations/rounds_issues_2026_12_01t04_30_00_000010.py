from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from rounds import db

ID = "2026-12-01T04:30:00:000010"
VERSION = "1.38.0"
DESCRIPTION = "Full-text search of the log (SQLite FTS5 kept in step by triggers; PostgreSQL GIN)"

# The searched columns, as rounds.issues.search.SEARCHED_COLUMNS (frozen here: a migration does
# not change when the code does).
COLUMNS = ("description", "action_plan", "outcome", "raised_by", "success_measure")
_cols = ", ".join(COLUMNS)
_new = ", ".join(f"new.{c}" for c in COLUMNS)
_old = ", ".join(f"old.{c}" for c in COLUMNS)

SQLITE = [
    # External content: the text stays in safety_issue; the index holds only the words.
    # remove_diacritics 0: accents matter, as with PostgreSQL's 'simple' configuration.
    f"CREATE VIRTUAL TABLE IF NOT EXISTS safety_issue_fts USING fts5({_cols}, "
    "content='safety_issue', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0', prefix='2 3')",
    "CREATE TRIGGER IF NOT EXISTS safety_issue_fts_insert AFTER INSERT ON safety_issue BEGIN "
    f"INSERT INTO safety_issue_fts(rowid, {_cols}) VALUES (new.id, {_new}); END",
    "CREATE TRIGGER IF NOT EXISTS safety_issue_fts_delete AFTER DELETE ON safety_issue BEGIN "
    f"INSERT INTO safety_issue_fts(safety_issue_fts, rowid, {_cols}) "
    f"VALUES ('delete', old.id, {_old}); END",
    f"CREATE TRIGGER IF NOT EXISTS safety_issue_fts_update AFTER UPDATE OF {_cols} "
    "ON safety_issue BEGIN "
    f"INSERT INTO safety_issue_fts(safety_issue_fts, rowid, {_cols}) "
    f"VALUES ('delete', old.id, {_old}); "
    f"INSERT INTO safety_issue_fts(rowid, {_cols}) VALUES (new.id, {_new}); END",
    # the issues already there
    "INSERT INTO safety_issue_fts(safety_issue_fts) VALUES ('rebuild')",
]

_document = " || ' ' || ".join(f"coalesce({c}, '')" for c in COLUMNS)
POSTGRES = [
    # The query must use this very expression (rounds.issues.search.DOCUMENT_SQL).
    f"CREATE INDEX IF NOT EXISTS safety_issue_search ON safety_issue "
    f"USING GIN (to_tsvector('simple', {_document}))",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rounds_issues", description=DESCRIPTION)

    async def run():
        for statement in SQLITE if db.is_sqlite() else POSTGRES:
            await db.raw(statement)

    manager.add_raw(run)
    return manager
