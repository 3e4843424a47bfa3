from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from rounds.db import raw

ID = "2026-12-01T07:00:00:000017"
VERSION = "1.38.0"
DESCRIPTION = "Home panels bounded by an index: my escalations, barriers that need an owner"

STATEMENTS = [
    # "escalated by me", latest first: the person's own escalations, not every open barrier
    "CREATE INDEX IF NOT EXISTS barrier_note_author_kind_at ON barrier_note (author, kind, at)",
    # open barriers whose owner left or that have none (the champion's "needs an owner")
    "CREATE INDEX IF NOT EXISTS barrier_unit_status_owner ON barrier (unit, status, owner)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rounds_barriers", description=DESCRIPTION)

    async def run():
        for statement in STATEMENTS:
            await raw(statement)

    manager.add_raw(run)
    return manager
