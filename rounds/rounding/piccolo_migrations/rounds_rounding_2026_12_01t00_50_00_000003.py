from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T00:50:00:000003"
VERSION = "1.38.0"
DESCRIPTION = "Staff taking part for the first time in 12 months, per round (staff reach)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rounds_rounding", description=DESCRIPTION)
    manager.add_column(
        table_class_name="SafetyRound",
        tablename="safety_round",
        column_name="first_timers",
        db_column_name="first_timers",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
