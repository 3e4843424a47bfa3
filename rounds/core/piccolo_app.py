"""Piccolo app for rounds.core: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from rounds.core.tables import (
    AuditEntry,
    AuditHead,
    LoginThrottle,
    Membership,
    Person,
    Setting,
    Unit,
    WebSession,
)

APP_CONFIG = AppConfig(
    app_name="rounds_core",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[
        Person,
        Unit,
        Membership,
        WebSession,
        LoginThrottle,
        AuditEntry,
        AuditHead,
        Setting,
    ],
    migration_dependencies=[],
    commands=[],
)
