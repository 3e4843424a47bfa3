from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from rounds.db import raw

ID = "2026-11-23T02:00:00:000003"
VERSION = "1.38.0"
DESCRIPTION = "Indexes for the log's default order and filters"

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS safety_issue_unit_status ON safety_issue (unit, status)",
    "CREATE INDEX IF NOT EXISTS safety_issue_open_order ON safety_issue (priority, identified_on)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rounds_issues", description=DESCRIPTION)

    async def run():
        for statement in STATEMENTS:
            await raw(statement)

    manager.add_raw(run)
    return manager
