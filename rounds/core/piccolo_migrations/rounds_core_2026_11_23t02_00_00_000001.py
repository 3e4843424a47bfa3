from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from rounds.db import raw

ID = "2026-11-23T02:00:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "Composite unique constraints and seed rows"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS membership_person_unit ON membership (person, unit)",
    "CREATE INDEX IF NOT EXISTS audit_entry_at ON audit_entry (at)",
    "INSERT INTO audit_head (seq, last_hash) SELECT 0, '' WHERE NOT EXISTS (SELECT 1 FROM audit_head)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rounds_core", description=DESCRIPTION)

    async def run():
        for statement in STATEMENTS:
            await raw(statement)

    manager.add_raw(run)
    return manager
