from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T04:20:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "person.home_viewed_at, person.home_since: 'since I last looked' on home (issue 20)"


def _nullable_timestamp(manager, column):
    manager.add_column(
        table_class_name="Person",
        tablename="person",
        column_name=column,
        db_column_name=column,
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
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


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="rounds_core", description=DESCRIPTION
    )
    _nullable_timestamp(manager, "home_viewed_at")
    _nullable_timestamp(manager, "home_since")
    return manager
