"""Piccolo app for rounds.meetings: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from rounds.meetings.tables import (
    Meeting,
    MeetingAction,
    MeetingAddendum,
    MeetingAttendee,
    MeetingItem,
)

APP_CONFIG = AppConfig(
    app_name="rounds_meetings",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Meeting, MeetingItem, MeetingAttendee, MeetingAction, MeetingAddendum],
    migration_dependencies=["rounds.barriers.piccolo_app"],
    commands=[],
)
