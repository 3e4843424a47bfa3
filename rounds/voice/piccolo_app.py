"""Piccolo app for rounds.voice: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from rounds.voice.tables import Campaign, Concern, VoiceLink

APP_CONFIG = AppConfig(
    app_name="rounds_voice",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[VoiceLink, Campaign, Concern],
    migration_dependencies=["rounds.issues.piccolo_app", "rounds.rounding.piccolo_app"],
    commands=[],
)
