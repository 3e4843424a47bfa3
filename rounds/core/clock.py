"""The one source of "now", so tests can move time (monkeypatch `clock.now`)."""

from datetime import UTC, date, datetime


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().date()
