"""Pure rules for safety rounds and unit measures: schedules, rates, reach, validation.

No database here, so every rule can be tested with hand-checked numbers.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

# The harm rates, their arithmetic and the reach mark are programme measures, defined once there.
from rounds.measures.definitions import RATES, rate
from rounds.measures.definitions import REACH_MARK as REACH_MARK

STATUS_LABELS = {
    "scheduled": "Scheduled",
    "briefed": "Briefing ready",
    "in_progress": "In progress",
    "completed": "Completed",
    "cancelled": "Cancelled",
}
UPCOMING = ("scheduled", "briefed", "in_progress")
STARTABLE = ("scheduled", "briefed")
HORIZON_DAYS = 182  # a recurring schedule keeps rounds generated this far ahead
MAX_SERIES_ROUNDS = 60


# --- schedules -----------------------------------------------------------------------------


def local_datetime(on: date, at: time, tz: tzinfo) -> datetime:
    """A wall-clock date and time on the unit, as an aware datetime."""
    return datetime.combine(on, at, tzinfo=tz)


def series_dates(
    first: datetime, every_weeks: int, *, after: datetime | None, until: date
) -> list[datetime]:
    """The rounds a recurring schedule generates: `first`, then every N weeks at the same
    wall-clock time (daylight saving changes do not move the round), strictly after `after`
    and on or before `until`. `first` must be aware (in the hospital's zone)."""
    if every_weeks < 1:
        raise ValueError("every_weeks must be at least 1")
    out: list[datetime] = []
    step = 0
    while len(out) < MAX_SERIES_ROUNDS:
        local_day = first.date() + timedelta(weeks=every_weeks * step)
        if local_day > until:
            break
        moment = datetime.combine(
            local_day, first.timetz().replace(tzinfo=None), tzinfo=first.tzinfo
        )
        if after is None or moment > after:
            out.append(moment)
        step += 1
    return out


def can_start(status: str) -> str | None:
    """Why a round cannot start, or None."""
    if status == "cancelled":
        return "This round was cancelled, so it cannot be started. Schedule a new round instead."
    if status == "completed":
        return "This round is already completed."
    if status == "in_progress":
        return None  # re-opening the round screen is fine
    return None


def can_cancel(status: str) -> str | None:
    if status in ("completed", "cancelled"):
        return f"A {STATUS_LABELS[status].lower()} round cannot be cancelled."
    if status == "in_progress":
        return "This round has started; finish it instead."
    return None


# --- unit measures -------------------------------------------------------------------------

COUNT_FIELDS = {
    "patient_days": "Patient days",
    "falls": "Falls",
    "falls_with_injury": "Falls with injury",
    "pressure_injuries": "Pressure injuries stage 2+",
    "central_line_days": "Central-line days",
    "clabsi": "CLABSI",
    "catheter_days": "Urinary catheter days",
    "cauti": "CAUTI",
    "medication_harm": "Medication events with harm",
    "staff_injuries": "Staff injuries",
}
MAX_DAYS = 100_000

# last-event kinds, in the order the briefing shows them
EVENT_KINDS = {
    "fall": "fall",
    "fall_injury": "fall with injury",
    "pressure_injury": "pressure injury",
    "clabsi": "CLABSI",
    "cauti": "CAUTI",
    "medication_harm": "medication harm",
    "staff_injury": "staff injury",
}
# which monthly count records events of each kind
KIND_COUNT = {
    "fall": "falls",
    "fall_injury": "falls_with_injury",
    "pressure_injury": "pressure_injuries",
    "clabsi": "clabsi",
    "cauti": "cauti",
    "medication_harm": "medication_harm",
    "staff_injury": "staff_injuries",
}


def rates_for(month: dict) -> dict[str, float | None]:
    return {
        key: rate(month[num] or 0, month[den] or 0) for key, (_label, num, den) in RATES.items()
    }


def month_start(value: date) -> date:
    return value.replace(day=1)


def previous_month(value: date) -> date:
    return (month_start(value) - timedelta(days=1)).replace(day=1)


def add_months(value: date, months: int) -> date:
    index = value.year * 12 + value.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_label(value: date) -> str:
    return f"{value:%B %Y}"


def measure_problems(values: dict[str, int], month: date, today: date) -> dict[str, str]:
    """{field: message} for a month of figures that cannot be right."""
    errors: dict[str, str] = {}
    if month_start(month) > month_start(today):
        errors["month"] = (
            "This month has not happened yet – enter figures for this month or an earlier one."
        )
    for name, label in COUNT_FIELDS.items():
        value = values.get(name, 0)
        if value < 0:
            errors[name] = f"{label} cannot be negative."
        elif value > MAX_DAYS:
            errors[name] = f"{label} looks too large (at most {MAX_DAYS:,})."
    if errors.keys() & COUNT_FIELDS.keys():
        return errors
    pd = values["patient_days"]
    checks = [
        (
            "falls_with_injury",
            values["falls_with_injury"] > values["falls"],
            "Falls with injury cannot be more than falls.",
        ),
        (
            "falls",
            values["falls"] > 0 and pd == 0,
            "Falls need patient days – enter the patient days for the month.",
        ),
        ("falls", values["falls"] > pd > 0, "More falls than patient days – check both figures."),
        (
            "pressure_injuries",
            values["pressure_injuries"] > 0 and pd == 0,
            "Pressure injuries need patient days – enter the patient days for the month.",
        ),
        (
            "pressure_injuries",
            values["pressure_injuries"] > pd > 0,
            "More pressure injuries than patient days – check both figures.",
        ),
        (
            "medication_harm",
            values["medication_harm"] > 0 and pd == 0,
            "Medication events need patient days – enter the patient days for the month.",
        ),
        (
            "central_line_days",
            values["central_line_days"] > pd,
            "Central-line days cannot be more than patient days.",
        ),
        (
            "catheter_days",
            values["catheter_days"] > pd,
            "Catheter days cannot be more than patient days.",
        ),
        (
            "clabsi",
            values["clabsi"] > 0 and values["central_line_days"] == 0,
            "A CLABSI needs central-line days – enter the line days for the month.",
        ),
        (
            "clabsi",
            values["clabsi"] > values["central_line_days"] > 0,
            "More CLABSI than central-line days – check both figures.",
        ),
        (
            "cauti",
            values["cauti"] > 0 and values["catheter_days"] == 0,
            "A CAUTI needs catheter days – enter the catheter days for the month.",
        ),
        (
            "cauti",
            values["cauti"] > values["catheter_days"] > 0,
            "More CAUTI than catheter days – check both figures.",
        ),
    ]
    for name, broken, message in checks:
        if broken and name not in errors:
            errors[name] = message
    return errors


def last_event_problems(
    dates: dict[str, date | None], today: date, latest_month_with: dict[str, date]
) -> dict[str, str]:
    """{kind: message}: dates in the future, in the wrong order, or older than the monthly figures say.

    `latest_month_with` maps kind -> first day of the latest month whose figures record such an event."""
    errors: dict[str, str] = {}
    for kind, on in dates.items():
        if on is None:
            continue
        label = EVENT_KINDS[kind]
        if on > today:
            errors[kind] = f"The last {label} cannot be in the future."
        elif kind in latest_month_with and on < latest_month_with[kind]:
            errors[kind] = (
                f"The figures for {month_label(latest_month_with[kind])} record a {label}, "
                f"so the last one cannot be before {latest_month_with[kind]:%-d %B %Y}."
            )
    fall, injury = dates.get("fall"), dates.get("fall_injury")
    if fall and injury and injury > fall and "fall_injury" not in errors:
        errors["fall_injury"] = (
            "A fall with injury is also a fall: its date cannot be after the last fall."
        )
    if injury and not fall and "fall" not in errors:
        errors["fall"] = "Enter the last fall too (a fall with injury is also a fall)."
    return errors


def days_since(on: date | None, today: date) -> int | None:
    return None if on is None else max(0, (today - on).days)
