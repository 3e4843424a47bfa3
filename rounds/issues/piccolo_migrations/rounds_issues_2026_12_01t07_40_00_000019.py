from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from rounds.db import raw

ID = "2026-12-01T07:40:00:000019"
VERSION = "1.38.0"
DESCRIPTION = (
    "Index for the whole hospital's log in its default order, open issues first: a leader's or "
    "an administrator's first page is its first 51 entries (1M issues, SQLite: 15 ms merging "
    "60 units -> 0.6 ms)"
)

# The same expression as safety_issue_unit_open_order (000008) without the unit; matches
# rounds.issues.log.ORDER_BY["priority"].
STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS safety_issue_open_order_all ON safety_issue ("
    "(CASE WHEN status IN ('new', 'planned', 'in_progress') THEN 0 ELSE 1 END), "
    "priority DESC, identified_on DESC, id DESC)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rounds_issues", description=DESCRIPTION)

    async def run():
        for statement in STATEMENTS:
            await raw(statement)

    manager.add_raw(run)
    return manager
