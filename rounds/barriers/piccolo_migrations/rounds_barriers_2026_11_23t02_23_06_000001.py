from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from rounds.db import raw

ID = "2026-11-23T02:23:06:000001"
VERSION = "1.38.0"
DESCRIPTION = "Unique barrier idempotency key; index for My follow-ups"

# SQLite cannot ADD a UNIQUE column, so uniqueness is a separate index (on both databases).
STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS barrier_idempotency_key ON barrier (idempotency_key)",
    "CREATE INDEX IF NOT EXISTS barrier_owner_status_follow_up ON barrier (owner, status, next_follow_up_on)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rounds_barriers", description=DESCRIPTION)

    async def run():
        for statement in STATEMENTS:
            await raw(statement)

    manager.add_raw(run)
    return manager
