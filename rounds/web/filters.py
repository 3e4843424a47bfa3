"""Dates as people say them ("Tue 14 Jan", "3 days overdue"), in the hospital's time zone."""

from __future__ import annotations

from datetime import date, datetime

# "now", "today" and the time zone live in core (services use them); re-exported here for
# templates and for the formatting below.
from rounds.core.clock import local, local_today, set_timezone, start_of_day  # noqa: F401

# English names, as strftime would give them in the C locale, without its per-call cost.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day(value: date | datetime | None, today: date | None = None) -> str:
    """'Tue 14 Jan' (with the year when it is not this year). Pass `today` when formatting many."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    text = f"{_WEEKDAYS[value.weekday()]} {value.day} {_MONTHS[value.month - 1]}"
    return text if value.year == (today or local_today()).year else f"{text} {value.year}"


def when(value: datetime | None) -> str:
    """'Tue 14 Jan, 09:30'."""
    if value is None:
        return ""
    value = local(value)
    return f"{day(value)}, {value:%H:%M}"


def time_of_day(value: datetime | None) -> str:
    return "" if value is None else f"{local(value):%H:%M}"


def due(value: date | None, today: date | None = None) -> str:
    """'3 days overdue', 'due today', 'due tomorrow', 'due in 5 days', or 'due Tue 14 Jan'."""
    if value is None:
        return ""
    today = today or local_today()
    delta = (value - today).days
    if delta < -1:
        return f"{-delta} days overdue"
    if delta == -1:
        return "1 day overdue"
    if delta == 0:
        return "due today"
    if delta == 1:
        return "due tomorrow"
    if delta <= 14:
        return f"due in {delta} days"
    return f"due {day(value, today)}"


def is_overdue(value: date | None) -> bool:
    return value is not None and value < local_today()


def days_since(value: date | None) -> int | None:
    return None if value is None else (local_today() - value).days


def iso(value: date | datetime | None) -> str:
    """For <input type=date> values."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local(value).strftime("%Y-%m-%dT%H:%M")
    return value.isoformat()


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def marked(message: str):
    """A field message with the parts that look like identifiers highlighted (<mark>).

    Messages from the identifier screen carry those parts (`.parts`); others pass unchanged."""
    parts = getattr(message, "parts", ())
    if not parts:
        return message
    from markupsafe import Markup, escape

    html = str(escape(message))
    for part in parts:
        quoted = f"“{escape(part)}”"
        html = html.replace(quoted, f'“<mark class="identifier">{escape(part)}</mark>”', 1)
    return Markup(html)


# The features' own filters ("highlight": rounds.issues.search.highlight) are added by the app
# factory: web sits below the features and imports none of them.
FILTERS = {
    "day": day,
    "when": when,
    "time_of_day": time_of_day,
    "due": due,
    "iso": iso,
    "marked": marked,
}
GLOBALS = {
    "is_overdue": is_overdue,
    "days_since": days_since,
    "plural": plural,
    "local_today": local_today,
}
