"""Piccolo app for rounds.barriers: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from rounds.barriers.tables import Barrier, BarrierNote, ReminderDigest

APP_CONFIG = AppConfig(
    app_name="rounds_barriers",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Barrier, BarrierNote, ReminderDigest],
    migration_dependencies=["rounds.issues.piccolo_app"],
    commands=[],
)
