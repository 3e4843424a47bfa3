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
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "rounds@localhost"
    # Links in e-mails and calendar feeds; unset: the address each request came to (behind a
    # proxy: the proxy's, from X-Forwarded-Proto and Host), and for `rounds reminders` the
    # address `rounds serve` listens on by default.
    base_url: str = ""
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: IPs or networks, or "*".
    forwarded_allow_ips: str = "127.0.0.1"
    # The audit chain's own key (32+ characters); unset: derived from ROUNDS_SECRET_KEY. Earlier
    # keys (comma-separated) verify the entries written with them (docs/DEPLOY.md, rotation).
    audit_key: str | None = Field(default=None, min_length=32)
    audit_previous_keys: str = ""
    # One line per request on standard output: "text" or "json"; ROUNDS_ACCESS_LOG=false: none.
    log_format: Literal["text", "json"] = "text"
    access_log: bool = True
    timezone: str = "America/New_York"
    feedback_window_days: int = Field(default=14, ge=1, le=365)
    # The hospital's holidays (ISO dates, comma-separated): meetings scheduled on one are flagged.
    holidays: str = ""
    # Rendered fragments kept per worker (rows of the tracking log, ~1 KB each); 0 turns it off.
    fragment_cache_size: int = Field(default=5000, ge=0, le=1_000_000)
    # Two-step sign-in (authenticator app) for password accounts: always for admins in
    # production; this makes it required for everyone.
    mfa_for_everyone: bool = False
    # OpenID Connect single sign-on: all three to switch it on.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_button_label: str = Field(default="Sign in with your hospital account", max_length=80)

    @field_validator("holidays")
    @classmethod
    def _iso_dates(cls, value: str) -> str:
        from datetime import date

        for part in value.replace(";", ",").split(","):
            if part.strip():
                try:
                    date.fromisoformat(part.strip())
                except ValueError:
                    raise ValueError(f"{part.strip()!r} is not a date like 2026-12-25") from None
        return value

    def holiday_dates(self) -> frozenset:
        from datetime import date

        parts = self.holidays.replace(";", ",").split(",")
        return frozenset(date.fromisoformat(p.strip()) for p in parts if p.strip())

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

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        from urllib.parse import urlparse

        if not value:
            return value
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(
                "must be an http:// or https:// address like https://rounds.example.org"
            )
        if parsed.query or parsed.fragment:
            raise ValueError("must not have a query string or fragment")
        return value.rstrip("/")

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _ip_list(cls, value: str) -> str:
        import ipaddress

        items = [item.strip() for item in value.split(",") if item.strip()]
        if not items:
            raise ValueError('must list proxy addresses (e.g. 127.0.0.1) or be "*"')
        for item in items:
            if item == "*" or item.startswith("unix:"):
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network") from None
        return ",".join(items)

    @field_validator("mail_from")
    @classmethod
    def _mail_address(cls, value: str) -> str:
        if "@" not in value or any(c in value for c in "\r\n"):
            raise ValueError("must be an e-mail address like rounds@hospital.example")
        return value

    @field_validator("audit_previous_keys")
    @classmethod
    def _previous_keys(cls, value: str) -> str:
        if any(len(k.strip()) < 32 for k in value.split(",") if k.strip()):
            raise ValueError("each earlier key has 32+ characters (comma-separated)")
        return value

    @model_validator(mode="after")
    def _secret_for_production(self) -> Settings:
        if self.mode == "production" and not self.secret_key:
            raise ValueError(
                "ROUNDS_SECRET_KEY (32+ characters) is required when ROUNDS_MODE=production"
            )
        return self

    @model_validator(mode="after")
    def _oidc_complete(self) -> Settings:
        given = [self.oidc_issuer, self.oidc_client_id, self.oidc_client_secret]
        if any(given) and not all(given):
            raise ValueError(
                "single sign-on needs ROUNDS_OIDC_ISSUER, ROUNDS_OIDC_CLIENT_ID and ROUNDS_OIDC_CLIENT_SECRET together"
            )
        if self.oidc_issuer:
            from urllib.parse import urlparse

            url = urlparse(self.oidc_issuer)
            loopback = url.hostname in ("127.0.0.1", "localhost", "::1")
            if url.scheme != "https" and not (url.scheme == "http" and loopback):
                raise ValueError("ROUNDS_OIDC_ISSUER must be an https:// URL")
        return self

    @property
    def sso_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

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

    def audit_keys(self) -> tuple[str, list[str]]:
        """The key new audit entries are written with, and the earlier ones still verified."""
        current = self.audit_key or self.resolved_secret_key()
        previous = [k.strip() for k in self.audit_previous_keys.split(",") if k.strip()]
        return current, previous

    def link_base(self, request_base: str | None = None) -> str:
        """Where links in e-mails and feeds point: ROUNDS_BASE_URL, else where we were reached."""
        return (self.base_url or request_base or "http://127.0.0.1:8000").rstrip("/")

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


# ROUNDS_* variables read by the tests and tools rather than by the app.
TOOL_VARIABLES = {
    "ROUNDS_TEST_DATABASE_URL", "ROUNDS_REQUIRE_BROWSER", "ROUNDS_COUNT_QUERIES", "ROUNDS_CHROMIUM",
    "ROUNDS_SCREENSHOTS", "ROUNDS_DEMO_PASSWORD", "ROUNDS_DEPLOY_TESTS", "ROUNDS_DEPLOY_PG_URL",
    "ROUNDS_CI_VENV", "ROUNDS_BENCH_PG_URL", "ROUNDS_CEILING_UNIT",
}  # fmt: skip


def unknown_variables(environ=None) -> list[str]:
    """ROUNDS_* variables that are no setting (a typo would otherwise be silently ignored)."""
    import os

    known = {"ROUNDS_" + name.upper() for name in Settings.model_fields}
    environ = os.environ if environ is None else environ
    return sorted(
        name
        for name in environ
        if name.startswith("ROUNDS_") and name not in known and name not in TOOL_VARIABLES
    )


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
