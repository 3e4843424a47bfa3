from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from rounds.db import raw

ID = "2026-11-23T02:00:00:000002"
VERSION = "1.38.0"
DESCRIPTION = "One measure row per unit and month; one last-event per kind"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS unit_measure_unit_month ON unit_measure (unit, month)",
    "CREATE UNIQUE INDEX IF NOT EXISTS unit_last_event_unit_kind ON unit_last_event (unit, kind)",
    "CREATE INDEX IF NOT EXISTS safety_round_unit_time ON safety_round (unit, scheduled_at)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rounds_rounding", description=DESCRIPTION)

    async def run():
        for statement in STATEMENTS:
            await raw(statement)

    manager.add_raw(run)
    return manager
