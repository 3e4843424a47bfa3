"""The programme measures, each defined once (README "Programme measures" has the same words).

Every page that shows a measure (home panels, briefing, meeting agenda, overview, board report,
reminders) takes it from here: the pure functions below for the arithmetic, and the SQL
conditions for the counts, so "feedback overdue" is the same count wherever it is read.
`tests/measures/test_single_definition.py` greps the templates and services for second copies.
"""

from __future__ import annotations

import statistics
from datetime import date

REACH_MARK = 60  # % of unit staff reached in 12 months (Schwendimann 2013)
REACH_DAYS = 365  # "the trailing 12 months": the 365 days up to and including the last day
OPEN_STATUSES = ("new", "planned", "in_progress")

# --- conditions on one row, in SQL (the `{today}` is filled with a placeholder) --------------
# Issues: columns of safety_issue, optionally qualified (see `sql()`).
FED_BACK = "{t}feedback_given_on IS NOT NULL"
FED_BACK_ON_TIME = (
    "({t}feedback_given_on IS NOT NULL AND "
    "({t}feedback_due_on IS NULL OR {t}feedback_given_on <= {t}feedback_due_on))"
)
FEEDBACK_OVERDUE = "({t}feedback_given_on IS NULL AND {t}feedback_due_on < {today})"
IS_OPEN = "{t}status IN ('new', 'planned', 'in_progress')"
FIX_OVERDUE = "({t}status IN ('new', 'planned', 'in_progress') AND {t}due_on < {today})"
# The same "fix overdue", spelled as equalities on the expressions of the (unit, open first, no
# date last, due_on) index, so that a count reads only the overdue range of the index.
FIX_OVERDUE_INDEXED = (
    "(CASE WHEN {t}status IN ('new', 'planned', 'in_progress') THEN 0 ELSE 1 END) = 0 "
    "AND (CASE WHEN {t}due_on IS NULL THEN 1 ELSE 0 END) = 0 AND {t}due_on < {today}"
)
# Lists of what is due by a day (the home panels' "due within a week"): feedback not given and
# due on or before `{today}` - "feedback overdue" is this with the day before today.
FEEDBACK_PENDING_BY = "({t}feedback_given_on IS NULL AND {t}feedback_due_on <= {today})"
# Barriers: columns of barrier. A follow-up never dated is overdue too (the barrier board agrees).
BARRIER_OPEN = "{t}status = 'open'"
BARRIER_OVERDUE = (
    "({t}status = 'open' AND ({t}next_follow_up_on IS NULL OR {t}next_follow_up_on < {today}))"
)


# Harm rates on the unit measures: rate key -> (label, numerator, denominator); monthly counts
# are rounding.rules.COUNT_FIELDS.
RATES = {
    "falls": ("Falls per 1,000 patient-days", "falls", "patient_days"),
    "falls_with_injury": (
        "Falls with injury per 1,000 patient-days",
        "falls_with_injury",
        "patient_days",
    ),
    "pressure_injuries": (
        "Pressure injuries per 1,000 patient-days",
        "pressure_injuries",
        "patient_days",
    ),
    "clabsi": ("CLABSI per 1,000 central-line days", "clabsi", "central_line_days"),
    "cauti": ("CAUTI per 1,000 catheter days", "cauti", "catheter_days"),
    "medication_harm": (
        "Medication harm per 1,000 patient-days",
        "medication_harm",
        "patient_days",
    ),
}


def rate(numerator: int, denominator: int) -> float | None:
    """Events per 1,000 exposure days, to one decimal; None when there was no exposure."""
    if not denominator:
        return None
    return round(1000 * numerator / denominator, 1)


def sql(condition: str, *, table: str = "", today: str = "{}") -> str:
    """A condition above as SQL text: `table` qualifies the columns ("i" -> "i.status"), and
    `today` is what stands for today's date (a `{}` placeholder by default)."""
    return condition.replace("{t}", f"{table}." if table else "").replace("{today}", today)


# --- the same conditions for one issue or barrier in Python (lists, reminders, the issue page) --


def is_fed_back(issue: dict) -> bool:
    """*Fed back*: the issue's staff feedback "given on" date is set."""
    return issue.get("feedback_given_on") is not None


def is_feedback_overdue(issue: dict, today: date) -> bool:
    """*Feedback overdue*: not fed back, and the feedback due date is before today."""
    due = issue.get("feedback_due_on")
    return not is_fed_back(issue) and due is not None and due < today


def is_fix_overdue(issue: dict, today: date) -> bool:
    """*Fix overdue*: the issue is open (new, planned or in progress) and its due date is before
    today."""
    due = issue.get("due_on")
    return issue.get("status") in OPEN_STATUSES and due is not None and due < today


def is_barrier_overdue(barrier: dict, today: date) -> bool:
    """*Barrier overdue*: the barrier is open and its next follow-up is before today (or was never
    set)."""
    follow = barrier.get("next_follow_up_on")
    return barrier.get("status", "open") == "open" and (follow is None or follow < today)


# --- the measures ---------------------------------------------------------------------------


def percent(part: int, whole: int) -> int | None:
    """part / whole as a whole percentage (half rounds up); None when there is nothing to count."""
    if whole <= 0:
        return None
    return int(100 * part / whole + 0.5)


def fed_back_pct(fed_back: int, feedback_overdue: int) -> int | None:
    """*Fed back %*: of the issues identified in the period, those fed back divided by those fed
    back plus those whose feedback due date has passed without feedback (feedback overdue).
    Issues not yet due and not yet fed back are left out: staff cannot be late hearing back
    before the date they were promised. None (shown as "–") when nothing counts yet."""
    return percent(fed_back, fed_back + feedback_overdue)


def fed_back_on_time_pct(on_time: int, fed_back: int, feedback_overdue: int) -> int | None:
    """*Fed back on time %*: of the same issues as fed back %, those whose feedback was given on
    or before the feedback due date (an issue without a due date counts as on time), divided by
    those fed back plus those with feedback overdue."""
    return percent(on_time, fed_back + feedback_overdue)


def median_days_to_feedback(days: list[int]) -> float | None:
    """*Median days to feedback*: the median of (feedback given on - identified on), in days,
    over the issues identified in the period that were fed back. None when none were."""
    if not days:
        return None
    return float(statistics.median(days))


def rounds_done_pct(done: int, due: int) -> int | None:
    """*Rounds done / due*: safety rounds completed, out of rounds scheduled in the period on or
    before today that were not cancelled. Cancelled rounds are counted apart, with their
    reasons (rounds should not be cancelled)."""
    return percent(done, due)


def staff_reach_pct(first_timers: int, headcount: int) -> int | None:
    """*Staff reach*: staff taking part in a completed safety round for the first time in 12
    months (the round screen's second count), added up over the trailing 12 months (the 365
    days to the end of the period), divided by the unit's staff headcount; never above 100%.
    Rounds never records staff names, so this is the only way to count different people.
    None when the unit has no headcount. The mark is 60%."""
    if headcount <= 0:
        return None
    return min(100, percent(first_timers, headcount) or 0)


def meets_reach_mark(reach: int | None) -> bool:
    """Staff reach at or above the 60% mark."""
    return reach is not None and reach >= REACH_MARK


def harm_rate(events: int, exposure_days: int) -> float | None:
    """*Harm rate*: events per 1,000 patient-days (falls, pressure injuries, medication harm) or
    device-days (CLABSI per central-line day, CAUTI per catheter day), from the unit's monthly
    measures, to one decimal. None for a month without exposure days."""
    return rate(events, exposure_days)


_feedback_window_days = 14  # set from ROUNDS_FEEDBACK_WINDOW_DAYS by create_app()


def set_feedback_window_days(days: int) -> None:
    global _feedback_window_days
    _feedback_window_days = days


def feedback_window_days() -> int:
    return _feedback_window_days


def default_feedback_due(identified_on: date, window_days: int | None = None) -> date:
    """*Feedback due date* (default): identified on + ROUNDS_FEEDBACK_WINDOW_DAYS days (14 unless
    set); the team can change an issue's due date afterwards."""
    from datetime import timedelta

    return identified_on + timedelta(days=window_days or _feedback_window_days)


# The measures, in the order the README table lists them (a test checks the table).
MEASURES = (
    is_fed_back,
    fed_back_pct,
    fed_back_on_time_pct,
    median_days_to_feedback,
    is_feedback_overdue,
    is_fix_overdue,
    is_barrier_overdue,
    rounds_done_pct,
    staff_reach_pct,
    harm_rate,
    default_feedback_due,
)
