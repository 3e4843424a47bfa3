"""Piccolo app for rounds.auth: second factors."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from rounds.auth.tables import PersonFactor, RecoveryCode

APP_CONFIG = AppConfig(
    app_name="rounds_auth",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[PersonFactor, RecoveryCode],
    migration_dependencies=["rounds.core.piccolo_app"],
    commands=[],
)
