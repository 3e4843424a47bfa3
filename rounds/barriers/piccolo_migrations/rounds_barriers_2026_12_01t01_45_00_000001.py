from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from rounds.db import raw

ID = "2026-12-01T01:45:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "Reminder digests keep their subject and HTML part (issue #15)"

STATEMENTS = [
    "ALTER TABLE reminder_digest ADD COLUMN subject VARCHAR(200) NOT NULL DEFAULT ''",
    "ALTER TABLE reminder_digest ADD COLUMN html TEXT NOT NULL DEFAULT ''",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rounds_barriers", description=DESCRIPTION)

    async def run():
        for statement in STATEMENTS:
            await raw(statement)

    manager.add_raw(run)
    return manager
