"""The programme measures for a set of units and a period, counted in SQL (a few grouped queries,
whatever the number of units), with the arithmetic from `definitions`.

`unit_figures()` is what every page reads: the overview and board report (all visible units),
the briefing and the meeting agenda (one unit, the same 12 months), so the same words give the
same numbers everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from rounds import db
from rounds.barriers.tables import Barrier
from rounds.core.clock import local_today, start_of_day
from rounds.issues.tables import SafetyIssue
from rounds.measures import definitions as d


@dataclass(frozen=True)
class Period:
    """Issues identified and rounds scheduled from `start` to `end`, both included; `today` is
    the day "overdue" and "due" are judged against."""

    start: date
    end: date
    today: date

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> Period:
        today = today or local_today()
        return cls(today - timedelta(days=days - 1), today, today)


TWELVE_MONTHS = 365


def default_period(today: date | None = None) -> Period:
    """The period the briefing, the agenda and the overview's default share: the last 12 months."""
    return Period.last_days(TWELVE_MONTHS, today)


# --- the same conditions as Piccolo WHERE clauses, for lists (home panels, reminders) ---------


def feedback_pending_where(due_by: date):
    """Issues not fed back whose feedback is due on or before `due_by` (a list "due soon")."""
    return SafetyIssue.feedback_given_on.is_null() & (SafetyIssue.feedback_due_on <= due_by)


def feedback_overdue_where(today: date):
    """*Feedback overdue*: not fed back and feedback due before today."""
    return feedback_pending_where(today - timedelta(days=1))


def fix_due_by_where(due_by: date):
    """Open issues whose fix is due on or before `due_by`."""
    return SafetyIssue.status.is_in(list(d.OPEN_STATUSES)) & (SafetyIssue.due_on <= due_by)


def fix_overdue_where(today: date):
    """*Fix overdue*: open and due before today."""
    return fix_due_by_where(today - timedelta(days=1))


def barrier_follow_up_due_where(due_by: date):
    """Open barriers whose next follow-up is on or before `due_by`."""
    return (Barrier.status == "open") & (Barrier.next_follow_up_on <= due_by)


@dataclass
class Figures:
    """The counts behind the measures, for one unit or for all of them (`totals`)."""

    unit_id: int | None = None
    unit_name: str = ""
    headcount: int = 0
    raised: int = 0
    open: int = 0
    finished: int = 0  # resolved, closed or cannot do
    fed_back: int = 0
    fed_back_on_time: int = 0
    feedback_overdue: int = 0
    fix_overdue: int = 0
    feedback_days: list[int] = field(default_factory=list)
    rounds_due: int = 0
    rounds_done: int = 0
    rounds_cancelled: int = 0
    cancel_reasons: list[str] = field(default_factory=list)
    first_timers: int = 0  # in the trailing 12 months, capped at the headcount for totals
    barriers_open: int = 0
    barriers_overdue: int = 0
    oldest_overdue_days: int = 0  # days the longest-overdue barrier follow-up is late
    barriers_by_level: dict[str, int] = field(default_factory=dict)
    needs_help: list[str] = field(default_factory=list)  # filled by needs_help.flag()

    @property
    def fed_back_pct(self) -> int | None:
        return d.fed_back_pct(self.fed_back, self.feedback_overdue)

    @property
    def fed_back_on_time_pct(self) -> int | None:
        return d.fed_back_on_time_pct(self.fed_back_on_time, self.fed_back, self.feedback_overdue)

    @property
    def median_days_to_feedback(self) -> float | None:
        return d.median_days_to_feedback(self.feedback_days)

    @property
    def rounds_done_pct(self) -> int | None:
        return d.rounds_done_pct(self.rounds_done, self.rounds_due)

    @property
    def reach(self) -> int | None:
        return d.staff_reach_pct(self.first_timers, self.headcount)

    @property
    def meets_reach_mark(self) -> bool:
        return d.meets_reach_mark(self.reach)

    def as_dict(self) -> dict:
        """Plain values for a frozen briefing (JSON) and for tests."""
        return {
            "raised": self.raised,
            "fed_back": self.fed_back,
            "fed_back_pct": self.fed_back_pct,
            "fed_back_on_time_pct": self.fed_back_on_time_pct,
            "median_days_to_feedback": self.median_days_to_feedback,
            "feedback_overdue": self.feedback_overdue,
            "fix_overdue": self.fix_overdue,
            "barriers_open": self.barriers_open,
            "barriers_overdue": self.barriers_overdue,
            "rounds_done": self.rounds_done,
            "rounds_due": self.rounds_due,
            "rounds_cancelled": self.rounds_cancelled,
            "first_timers": self.first_timers,
            "headcount": self.headcount,
            "reach": self.reach,
        }


def _in(ids: list[int]) -> str:
    return ", ".join("{}" for _ in ids)


def _day(value) -> date | None:
    """SQLite may give dates as ISO text, PostgreSQL as dates."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


_ISSUE_COUNTS = (
    "SELECT unit, COUNT(*) AS raised, "
    f"SUM(CASE WHEN {d.sql(d.IS_OPEN)} THEN 1 ELSE 0 END) AS open, "
    f"SUM(CASE WHEN {d.sql(d.FED_BACK)} THEN 1 ELSE 0 END) AS fed_back, "
    f"SUM(CASE WHEN {d.sql(d.FED_BACK_ON_TIME)} THEN 1 ELSE 0 END) AS on_time, "
    f"SUM(CASE WHEN {d.sql(d.FEEDBACK_OVERDUE, today='{today}')} THEN 1 ELSE 0 END) AS fb_overdue, "
    f"SUM(CASE WHEN {d.sql(d.FIX_OVERDUE, today='{today}')} THEN 1 ELSE 0 END) AS fix_overdue "
    "FROM safety_issue WHERE unit IN ({units}) AND identified_on >= {start} AND identified_on <= {end} "
    "GROUP BY unit"
)


async def unit_figures(units: list[dict], period: Period) -> dict[int, Figures]:
    """Figures for each unit (dicts with id, name, staff_headcount), keyed by unit id."""
    out = {u["id"]: Figures(u["id"], u["name"], int(u.get("staff_headcount") or 0)) for u in units}
    if not out:
        return out
    ids = list(out)
    today = period.today
    units_sql = _in(ids)

    # issues identified in the period
    query = _ISSUE_COUNTS.format(
        today="{}", units=units_sql, start="{}", end="{}"
    )  # placeholders in order: today (fb), today (fix), units..., start, end
    for row in await db.raw(query, today, today, *ids, period.start, period.end):
        f = out[row["unit"]]
        f.raised = int(row["raised"])
        f.open = int(row["open"] or 0)
        f.finished = f.raised - f.open
        f.fed_back = int(row["fed_back"] or 0)
        f.fed_back_on_time = int(row["on_time"] or 0)
        f.feedback_overdue = int(row["fb_overdue"] or 0)
        f.fix_overdue = int(row["fix_overdue"] or 0)
    for row in await db.raw(
        f"SELECT unit, identified_on, feedback_given_on FROM safety_issue WHERE unit IN ({units_sql}) "
        f"AND identified_on >= {{}} AND identified_on <= {{}} AND {d.sql(d.FED_BACK)}",
        *ids,
        period.start,
        period.end,
    ):
        given, identified = _day(row["feedback_given_on"]), _day(row["identified_on"])
        assert given is not None and identified is not None  # FED_BACK; identified_on NOT NULL
        days = (given - identified).days
        out[row["unit"]].feedback_days.append(days)

    # rounds scheduled in the period, up to today
    last = min(period.end, today)
    if last >= period.start:
        for row in await db.raw(
            "SELECT unit, status, cancel_reason FROM safety_round "
            f"WHERE unit IN ({units_sql}) AND scheduled_at >= {{}} AND scheduled_at < {{}}",
            *ids,
            start_of_day(period.start),
            start_of_day(last + timedelta(days=1)),
        ):
            f = out[row["unit"]]
            if row["status"] == "cancelled":
                f.rounds_cancelled += 1
                reason = (row["cancel_reason"] or "").strip().rstrip(".")
                if reason and reason not in f.cancel_reasons:
                    f.cancel_reasons.append(reason)
            else:
                f.rounds_due += 1
                f.rounds_done += row["status"] == "completed"

    # staff reach: first-timers at completed rounds in the trailing 12 months
    for row in await db.raw(
        "SELECT unit, SUM(first_timers) AS first_timers FROM safety_round "
        f"WHERE unit IN ({units_sql}) AND status = 'completed' AND scheduled_at >= {{}} "
        "AND scheduled_at < {} GROUP BY unit",
        *ids,
        start_of_day(period.end - timedelta(days=d.REACH_DAYS - 1)),
        start_of_day(period.end + timedelta(days=1)),
    ):
        out[row["unit"]].first_timers = int(row["first_timers"] or 0)

    # barriers open now (a barrier is not "identified in a period": it is open or not)
    for row in await db.raw(
        "SELECT unit, level, COUNT(*) AS open, "
        f"SUM(CASE WHEN {d.sql(d.BARRIER_OVERDUE)} THEN 1 ELSE 0 END) AS overdue, "
        "MIN(next_follow_up_on) AS oldest "
        f"FROM barrier WHERE unit IN ({units_sql}) AND {d.sql(d.BARRIER_OPEN)} GROUP BY unit, level",
        today,
        *ids,
    ):
        f = out[row["unit"]]
        f.barriers_open += int(row["open"])
        f.barriers_overdue += int(row["overdue"] or 0)
        f.barriers_by_level[row["level"]] = int(row["open"])
        oldest = _day(row["oldest"])
        if oldest is not None and oldest < today:
            f.oldest_overdue_days = max(f.oldest_overdue_days, (today - oldest).days)
    return out


def totals(figures: list[Figures]) -> Figures:
    """All units together: counts added up, percentages and the median recomputed from the
    counts (never averaged), reach from first-timers capped at each unit's headcount."""
    t = Figures(unit_name="All units")
    for f in figures:
        for name in (
            "raised",
            "open",
            "finished",
            "fed_back",
            "fed_back_on_time",
            "feedback_overdue",
            "fix_overdue",
            "rounds_due",
            "rounds_done",
            "rounds_cancelled",
            "barriers_open",
            "barriers_overdue",
        ):
            setattr(t, name, getattr(t, name) + getattr(f, name))
        t.feedback_days.extend(f.feedback_days)
        if f.headcount > 0:
            t.headcount += f.headcount
            t.first_timers += min(f.first_timers, f.headcount)
        t.oldest_overdue_days = max(t.oldest_overdue_days, f.oldest_overdue_days)
        for level, n in f.barriers_by_level.items():
            t.barriers_by_level[level] = t.barriers_by_level.get(level, 0) + n
    return t


async def one_unit(unit: dict, period: Period | None = None) -> Figures:
    """The figures of one unit (the briefing and the agenda) for the last 12 months."""
    return (await unit_figures([unit], period or default_period()))[unit["id"]]
