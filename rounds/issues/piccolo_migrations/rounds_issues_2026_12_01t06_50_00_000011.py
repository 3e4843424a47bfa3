from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from rounds import db

ID = "2026-12-01T06:50:00:000011"
VERSION = "1.38.0"
DESCRIPTION = "Search narrowed by unit inside the SQLite full-text index (a unit column)"

# The searched columns, as rounds.issues.search.SEARCHED_COLUMNS, then the unit (frozen here: a
# migration does not change when the code does).
COLUMNS = ("description", "action_plan", "outcome", "raised_by", "success_measure", "unit")
_cols = ", ".join(COLUMNS)
_new = ", ".join(f"new.{c}" for c in COLUMNS)
_old = ", ".join(f"old.{c}" for c in COLUMNS)

# FTS5 cannot add a column to a table: the index is made again, with the unit as a sixth
# column (its number, a single word), so a MATCH on `unit : "7"` narrows the words to one unit's
# issues inside the index. Prefixes of 4 letters are indexed too (a typed word finds the words it
# begins: `pump` is a prefix query). The triggers are named as before (rounds.scale sets the insert
# trigger aside during a bulk load and rebuilds the index at the end).
SQLITE = [
    "DROP TRIGGER IF EXISTS safety_issue_fts_insert",
    "DROP TRIGGER IF EXISTS safety_issue_fts_delete",
    "DROP TRIGGER IF EXISTS safety_issue_fts_update",
    "DROP TABLE IF EXISTS safety_issue_fts",
    f"CREATE VIRTUAL TABLE safety_issue_fts USING fts5({_cols}, "
    "content='safety_issue', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0', prefix='2 3 4')",
    "CREATE TRIGGER safety_issue_fts_insert AFTER INSERT ON safety_issue BEGIN "
    f"INSERT INTO safety_issue_fts(rowid, {_cols}) VALUES (new.id, {_new}); END",
    "CREATE TRIGGER safety_issue_fts_delete AFTER DELETE ON safety_issue BEGIN "
    f"INSERT INTO safety_issue_fts(safety_issue_fts, rowid, {_cols}) "
    f"VALUES ('delete', old.id, {_old}); END",
    f"CREATE TRIGGER safety_issue_fts_update AFTER UPDATE OF {_cols} ON safety_issue BEGIN "
    f"INSERT INTO safety_issue_fts(safety_issue_fts, rowid, {_cols}) "
    f"VALUES ('delete', old.id, {_old}); "
    f"INSERT INTO safety_issue_fts(rowid, {_cols}) VALUES (new.id, {_new}); END",
    "INSERT INTO safety_issue_fts(safety_issue_fts) VALUES ('rebuild')",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rounds_issues", description=DESCRIPTION)

    async def run():
        if db.is_sqlite():
            for statement in SQLITE:
                await db.raw(statement)

    manager.add_raw(run)
    return manager
