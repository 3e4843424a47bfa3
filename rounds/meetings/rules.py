"""The monthly CUSP team meeting's vocabulary and pure rules: agenda sections, the monthly
schedule, what counts as held, and the upward summary draft. No database here."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

# Agenda sections, in the order the meeting runs (DOMAIN.md, "Monthly CUSP team meeting").
SECTIONS = {
    "data": "Unit data and days since harm",
    "new_issues": "New safety issues since the last meeting",
    "commitments": "Overdue issues and open barriers",
    "case": "Learning from defects: case of the month",
    "priorities": "Prioritising the top issues",
    "wins": "Wins and recognition",
    "upward": "What to report upward",
}
SECTION_ORDER = list(SECTIONS)

SECTION_HINTS = {
    "data": "Review the month's measures and the days since each kind of harm.",
    "new_issues": "Safety issues added to the tracking log since the last meeting.",
    "commitments": "Issues past their due date and barriers the executive partner is removing, with their follow-up history.",
    "case": "Pick one issue to learn from this month: what happened, why, what will reduce the risk.",
    "priorities": "Put the top issues in order and give each an owner and a due date.",
    "wins": "Issues resolved since the last meeting – tell staff: “you said, we did”.",
    "upward": "Barriers that need senior help, and the summary for senior leadership.",
}

STATUSES = {"scheduled": "Scheduled", "finalised": "Minutes final"}
ACTION_KINDS = {"new": "A new safety issue", "update": "An update on an existing issue"}

MAX_MEETINGS_AT_ONCE = 12
MAX_TEXT = 20_000
FIRST_MEETING_LOOKBACK_DAYS = 31


def add_months(value: datetime, months: int) -> datetime:
    """The same day and time `months` later; the 31st becomes the month's last day."""
    month_index = value.month - 1 + months
    year, month = value.year + month_index // 12, month_index % 12 + 1
    day = min(value.day, calendar.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)


def monthly_schedule(first: datetime, count: int) -> list[datetime]:
    """`count` meetings a month apart, starting at `first`."""
    return [add_months(first, n) for n in range(count)]


# How monthly meetings repeat: the same weekday of the month ("second Tuesday"), or the same date.
REPEATS = {
    "weekday": "The same weekday each month (for example the second Tuesday)",
    "date": "The same date each month (for example the 14th)",
}
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "last"}


def week_of_month(day: date) -> int:
    """1-4 for the first to fourth such weekday of its month; 5 for a fifth ("last")."""
    return (day.day - 1) // 7 + 1


def nth_weekday(year: int, month: int, n: int, weekday: int) -> date:
    """The n-th `weekday` (Monday 0) of the month; n = 5 is the last one."""
    if n >= 5:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def weekday_schedule(first: datetime, count: int) -> list[datetime]:
    """`count` meetings on the same weekday of the month as `first` ("second Tuesday")."""
    n, weekday = week_of_month(first.date()), first.weekday()
    out = []
    for months in range(count):
        month_start = add_months(first.replace(day=1), months)
        day = nth_weekday(month_start.year, month_start.month, n, weekday)
        out.append(first.replace(year=day.year, month=day.month, day=day.day))
    return out


def repeat_words(first_on: date, repeat: str) -> str:
    """ "the second Tuesday of each month" or "the 14th of each month"."""
    if repeat == "weekday":
        return f"the {_ORDINALS[week_of_month(first_on)]} {calendar.day_name[first_on.weekday()]} of each month"
    suffix = (
        "th"
        if 10 <= first_on.day % 100 <= 20
        else {1: "st", 2: "nd", 3: "rd"}.get(first_on.day % 10, "th")
    )
    return f"the {first_on.day}{suffix} of each month"


def day_off(day: date, holidays: set[date] | frozenset[date]) -> str | None:
    """Why a meeting day is a poor choice ("a Saturday", "a holiday"), or None."""
    if day in holidays:
        return "a holiday"
    if day.weekday() >= 5:
        return f"a {calendar.day_name[day.weekday()]}"
    return None


def months_between(start: date, end: date) -> int:
    """Whole calendar months from start's month to end's month, both included (0 if end < start)."""
    if end < start:
        return 0
    return (end.year - start.year) * 12 + end.month - start.month + 1


def expected_meetings(first_meeting: date | None, today: date, window_months: int = 12) -> int:
    """Monthly meetings expected in the last `window_months` months up to today: one a month
    since the unit's first meeting, at most one per month of the window."""
    if first_meeting is None:
        return 0
    window_start = date(today.year, today.month, 1)
    for _ in range(window_months - 1):
        window_start = (window_start - timedelta(days=1)).replace(day=1)
    start = max(first_meeting, window_start)
    return min(window_months, months_between(start, today))


def since_date(previous_meeting_day: date | None, meeting_day: date) -> date:
    """The agenda covers the unit's data since the last meeting (the month before for the first)."""
    if previous_meeting_day is not None and previous_meeting_day < meeting_day:
        return previous_meeting_day
    return meeting_day - timedelta(days=FIRST_MEETING_LOOKBACK_DAYS)


def action_done_on_time(status: str, resolved_on: date | None, due_on: date | None) -> bool:
    """An action counts as done by its due date when its issue was resolved (or closed) by then."""
    return (
        status in ("resolved", "closed")
        and resolved_on is not None
        and due_on is not None
        and resolved_on <= due_on
    )


def draft_upward_summary(
    unit_name: str,
    meeting_day: str,
    decisions: list[str],
    barriers: list[str],
    actions: int,
    wins: int,
) -> str:
    """One paragraph for senior leadership, drafted from the decisions and the barriers that
    need help. The team edits it before the minutes are finalised."""
    parts = [f"{unit_name} CUSP team met with its executive partner on {meeting_day}."]
    if wins:
        parts.append(
            f"Since the last meeting the team resolved {wins} safety issue{'s' if wins != 1 else ''}."
        )
    if decisions:
        cleaned = [_sentence(d) for d in decisions if d.strip()]
        parts.append("Decisions: " + " ".join(cleaned))
    if actions:
        parts.append(
            f"{actions} action item{'s' if actions != 1 else ''} went onto the tracking log, each with an owner and a due date."
        )
    if barriers:
        listed = "; ".join(b.strip().rstrip(".") for b in barriers[:5])
        more = f" (and {len(barriers) - 5} more)" if len(barriers) > 5 else ""
        parts.append(f"Barriers that need senior help: {listed}{more}.")
    else:
        parts.append("No barriers currently need senior help.")
    return " ".join(parts)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > 300:
        text = text[:297].rstrip() + "..."
    return text if text.endswith((".", "!", "?")) else text + "."


def move(ids: list[int], item_id: int, direction: str) -> list[int]:
    """The list with item_id moved one place up or down (unchanged at the ends)."""
    if item_id not in ids:
        return ids
    order = list(ids)
    index = order.index(item_id)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
    return order
