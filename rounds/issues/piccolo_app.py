"""Piccolo app for rounds.issues: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from rounds.issues.tables import Category, DefectLearning, IssueUpdate, SafetyIssue

APP_CONFIG = AppConfig(
    app_name="rounds_issues",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Category, SafetyIssue, IssueUpdate, DefectLearning],
    migration_dependencies=["rounds.rounding.piccolo_app"],
    commands=[],
)
