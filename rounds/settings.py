"""Settings read once from ROUNDS_* environment variables and validated at start."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE = "sqlite:///var/rounds.sqlite3"


class SettingsError(Exception):
    """Raised with a readable explanation when the environment is wrong."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROUNDS_", extra="ignore")

    database_url: str = DEFAULT_SQLITE
    secret_key: str | None = Field(default=None, min_length=32)
    # "dev" generates a local secret key into var/; "production" demands ROUNDS_SECRET_KEY.
    mode: Literal["dev", "production"] = "dev"
    idle_timeout_minutes: int = Field(default=15, ge=2, le=240)
    absolute_timeout_hours: float = Field(default=12, gt=0, le=72)
    cookie_secure: bool = True
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=64 * 1024)
    pg_pool_size: int = Field(default=10, ge=1, le=200)
    sqlite_busy_timeout_ms: int = Field(default=10_000, ge=0)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1, le=1440)
    var_dir: Path = Path("var")
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "rounds@localhost"
    base_url: str = "http://127.0.0.1:8000"
    timezone: str = "America/New_York"
    feedback_window_days: int = Field(default=14, ge=1, le=365)
    # Rendered fragments kept per worker (rows of the tracking log, ~1 KB each); 0 turns it off.
    fragment_cache_size: int = Field(default=5000, ge=0, le=1_000_000)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except Exception:
            raise ValueError(
                f"unknown time zone {value!r} (use a name like Europe/London)"
            ) from None
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not (
            value.startswith("sqlite:///") or value.startswith(("postgresql://", "postgres://"))
        ):
            raise ValueError("must start with sqlite:/// or postgresql://")
        if "sslmode=" in value:
            from urllib.parse import parse_qs, urlparse

            mode = parse_qs(urlparse(value).query).get("sslmode", [""])[0]
            if mode not in ("disable", "allow", "prefer", "require", "verify-ca", "verify-full"):
                raise ValueError(
                    "sslmode must be disable, allow, prefer, require, verify-ca or verify-full"
                )
        return value

    @model_validator(mode="after")
    def _secret_for_production(self) -> Settings:
        if self.mode == "production" and not self.secret_key:
            raise ValueError(
                "ROUNDS_SECRET_KEY (32+ characters) is required when ROUNDS_MODE=production"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:///")

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def idle_timeout_seconds(self) -> int:
        return self.idle_timeout_minutes * 60

    @property
    def absolute_timeout_seconds(self) -> int:
        return int(self.absolute_timeout_hours * 3600)

    def resolved_secret_key(self) -> str:
        """The configured key, or (dev only) one generated once into var/secret_key."""
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        write_private(path, key)
        return key


def write_private(path: Path, text: str) -> None:
    """Create a file only its owner can read, with no window where others could."""
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def load_settings(**overrides) -> Settings:
    """Read the environment; turn pydantic's errors into one readable message."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = (
                "ROUNDS_" + "_".join(str(p) for p in err["loc"]).upper()
                if err["loc"]
                else "settings"
            )
            lines.append(f"  {name}: {err['msg']}")
        raise SettingsError("Invalid settings:\n" + "\n".join(lines)) from None
