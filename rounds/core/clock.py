"""The one source of "now", "today" and the hospital's time zone.

Tests move time by monkeypatching `clock.now`. Dates people see and rules that speak of days
("overdue", "due this week") use `local_today()`: the date in the hospital's time zone, which
`rounds serve` sets once from ROUNDS_TIMEZONE (`set_timezone`). `today()` is the same date;
there is deliberately no UTC "today", because a UTC date is the wrong day for part of every
evening in the Americas.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

_tz: tzinfo = ZoneInfo("UTC")


def set_timezone(name: str) -> None:
    global _tz
    _tz = ZoneInfo(name)


def timezone() -> tzinfo:
    """The hospital's time zone."""
    return _tz


def now() -> datetime:
    return datetime.now(UTC)


def local(value: datetime) -> datetime:
    """`value` (naive values are UTC) in the hospital's time zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(_tz)


def local_today() -> date:
    return local(now()).date()


def today() -> date:
    return local_today()


def start_of_day(value: date) -> datetime:
    """Midnight at the start of `value` in the hospital's time zone."""
    return datetime.combine(value, time.min, tzinfo=_tz)
