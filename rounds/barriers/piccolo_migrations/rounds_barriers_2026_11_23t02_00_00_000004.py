from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from rounds.db import raw

ID = "2026-11-23T02:00:00:000004"
VERSION = "1.38.0"
DESCRIPTION = "One digest per person per day"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS reminder_digest_person_day ON reminder_digest (person, digest_on)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rounds_barriers", description=DESCRIPTION)

    async def run():
        for statement in STATEMENTS:
            await raw(statement)

    manager.add_raw(run)
    return manager
