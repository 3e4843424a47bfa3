"""Piccolo app for rounds.rounding: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from rounds.rounding.tables import Briefing, LastEvent, RoundSeries, SafetyRound, UnitMeasure

APP_CONFIG = AppConfig(
    app_name="rounds_rounding",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[RoundSeries, SafetyRound, Briefing, UnitMeasure, LastEvent],
    migration_dependencies=["rounds.core.piccolo_app"],
    commands=[],
)
