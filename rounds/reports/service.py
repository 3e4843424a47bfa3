"""Is the programme working? Close-the-loop and reach measures per unit (DOMAIN.md "Measures the
product reports"), the units that need help first, and the one-page board report.

A few grouped queries over the visible units; medians are computed in Python from the dates.
No individual league tables: everything is per unit, never per person.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta

from rounds.admin.service import list_units
from rounds.auth.access import Viewer
from rounds.barriers.rules import LEVELS
from rounds.barriers.tables import Barrier
from rounds.core import clock
from rounds.core.defaults import get_setting
from rounds.issues.tables import SafetyIssue
from rounds.rounding import rules as round_rules
from rounds.rounding.tables import SafetyRound
from rounds.web.filters import local, local_today, start_of_day


@dataclass
class UnitReport:
    unit: dict
    rounds: round_rules.RoundStats
    raised: int = 0
    open: int = 0
    resolved: int = 0  # resolved, closed or cannot do
    closed_with_feedback: int = 0
    feedback_given_pct: int | None = None
    median_days_to_feedback: float | None = None
    median_days_to_resolution: float | None = None
    feedback_overdue: int = 0
    fix_overdue: int = 0
    barriers_open: int = 0
    barriers_overdue: int = 0
    barriers_by_level: dict[str, int] = field(default_factory=dict)
    concerns: list[str] = field(default_factory=list)

    @property
    def needs_help(self) -> bool:
        return bool(self.concerns)


def _median(values: list[int]) -> float | None:
    return round(statistics.median(values), 1) if values else None


async def unit_reports(viewer: Viewer, *, start: date, end: date) -> list[UnitReport]:
    """One report per visible active unit for issues identified and rounds due in [start, end]."""
    units = await list_units(viewer, include_inactive=False)
    if not units:
        return []
    ids = [u["id"] for u in units]
    today = local_today()
    start_at = start_of_day(start)
    end_at = start_of_day(end + timedelta(days=1))

    rounds = await SafetyRound.select(
        SafetyRound.unit, SafetyRound.scheduled_at, SafetyRound.status, SafetyRound.staff_count
    ).where(
        SafetyRound.unit.is_in(ids)
        & (SafetyRound.scheduled_at >= start_at)
        & (SafetyRound.scheduled_at < end_at)
    )
    issues = await SafetyIssue.select(
        SafetyIssue.unit,
        SafetyIssue.status,
        SafetyIssue.identified_on,
        SafetyIssue.resolved_on,
        SafetyIssue.closed_on,
        SafetyIssue.feedback_given_on,
        SafetyIssue.feedback_due_on,
        SafetyIssue.due_on,
    ).where(
        SafetyIssue.unit.is_in(ids)
        & (SafetyIssue.identified_on >= start)
        & (SafetyIssue.identified_on <= end)
    )
    barriers = await Barrier.select(Barrier.unit, Barrier.level, Barrier.next_follow_up_on).where(
        Barrier.unit.is_in(ids) & (Barrier.status == "open")
    )
    escalate_after = int(await get_setting("barriers.escalate_after_days", "7") or 7)

    reports = {
        u["id"]: UnitReport(unit=u, rounds=round_rules.RoundStats(0, 0, 0, 0, 0, None, False))
        for u in units
    }
    by_unit_rounds: dict[int, list[dict]] = {}
    for r in rounds:
        r["scheduled_at"] = local(r["scheduled_at"])
        by_unit_rounds.setdefault(r["unit"], []).append(r)
    now = local(clock.now())
    for unit_id, report in reports.items():
        report.rounds = round_rules.round_stats(
            by_unit_rounds.get(unit_id, []),
            now=min(now, end_at),
            since=start_at,
            headcount=report.unit["staff_headcount"],
        )

    feedback_days: dict[int, list[int]] = {}
    resolution_days: dict[int, list[int]] = {}
    for i in issues:
        report = reports[i["unit"]]
        report.raised += 1
        if i["status"] in ("new", "planned", "in_progress"):
            report.open += 1
            if i["due_on"] and i["due_on"] < today:
                report.fix_overdue += 1
        else:
            report.resolved += 1
        if i["feedback_given_on"]:
            feedback_days.setdefault(i["unit"], []).append(
                (i["feedback_given_on"] - i["identified_on"]).days
            )
            if i["status"] == "closed":
                report.closed_with_feedback += 1
        elif i["feedback_due_on"] and i["feedback_due_on"] < today:
            report.feedback_overdue += 1
        if i["resolved_on"]:
            resolution_days.setdefault(i["unit"], []).append(
                (i["resolved_on"] - i["identified_on"]).days
            )
    for unit_id, report in reports.items():
        given = len(feedback_days.get(unit_id, []))
        report.feedback_given_pct = (
            round(100 * given / report.resolved) if report.resolved else None
        )
        if report.feedback_given_pct is not None:
            report.feedback_given_pct = min(100, report.feedback_given_pct)
        report.median_days_to_feedback = _median(feedback_days.get(unit_id, []))
        report.median_days_to_resolution = _median(resolution_days.get(unit_id, []))

    for b in barriers:
        report = reports[b["unit"]]
        report.barriers_open += 1
        report.barriers_by_level[b["level"]] = report.barriers_by_level.get(b["level"], 0) + 1
        if b["next_follow_up_on"] < today - timedelta(days=escalate_after):
            report.barriers_overdue += 1

    for report in reports.values():
        _flag(report)
    # Units that need help first, then by name.
    return sorted(reports.values(), key=lambda r: (-len(r.concerns), r.unit["name"]))


def _flag(report: UnitReport) -> None:
    """Plain-language reasons a unit needs help; the overview lists these units first."""
    stats = report.rounds
    if not stats.scheduled:
        report.concerns.append("no rounds scheduled in this period")
    elif stats.completed < stats.scheduled - stats.cancelled:
        report.concerns.append(f"{stats.missed} round{'s' if stats.missed != 1 else ''} missed")
    if stats.cancelled >= 2:
        report.concerns.append(f"{stats.cancelled} rounds cancelled")
    if stats.reach is not None and stats.reach < round_rules.REACH_MARK:
        report.concerns.append(f"staff reach {stats.reach}% (below {round_rules.REACH_MARK}%)")
    if report.feedback_overdue:
        report.concerns.append(
            f"staff feedback overdue on {report.feedback_overdue} issue{'s' if report.feedback_overdue != 1 else ''}"
        )
    if report.barriers_overdue:
        report.concerns.append(
            f"{report.barriers_overdue} barrier follow-up{'s' if report.barriers_overdue != 1 else ''} overdue for escalation"
        )


@dataclass
class Totals:
    rounds_completed: int
    rounds_scheduled: int
    rounds_cancelled: int
    raised: int
    resolved: int
    closed_with_feedback: int
    feedback_given_pct: int | None
    feedback_overdue: int
    barriers_open: int
    barriers_overdue: int
    units_meeting_reach: int
    units: int


def totals(reports: list[UnitReport]) -> Totals:
    resolved = sum(r.resolved for r in reports)
    given = sum(round((r.feedback_given_pct or 0) * r.resolved / 100) for r in reports)
    return Totals(
        rounds_completed=sum(r.rounds.completed for r in reports),
        rounds_scheduled=sum(r.rounds.scheduled for r in reports),
        rounds_cancelled=sum(r.rounds.cancelled for r in reports),
        raised=sum(r.raised for r in reports),
        resolved=resolved,
        closed_with_feedback=sum(r.closed_with_feedback for r in reports),
        feedback_given_pct=round(100 * given / resolved) if resolved else None,
        feedback_overdue=sum(r.feedback_overdue for r in reports),
        barriers_open=sum(r.barriers_open for r in reports),
        barriers_overdue=sum(r.barriers_overdue for r in reports),
        units_meeting_reach=sum(1 for r in reports if r.rounds.meets_mark),
        units=len(reports),
    )


async def top_barriers(viewer: Viewer, *, limit: int = 5) -> list[dict]:
    """Open barriers that need senior help: C-suite and board level first, then the oldest follow-ups."""
    units = await list_units(viewer, include_inactive=False)
    ids = [u["id"] for u in units]
    if not ids:
        return []
    rows = (
        await Barrier.select(
            Barrier.id,
            Barrier.description,
            Barrier.level,
            Barrier.next_follow_up_on,
            Barrier.created_at,
            Barrier.unit.name.as_alias("unit_name"),
            Barrier.owner.display_name.as_alias("owner_name"),
        )
        .where(
            Barrier.unit.is_in(ids)
            & (Barrier.status == "open")
            & Barrier.level.is_in(["c_suite", "board", "executive"])
        )
        .order_by(Barrier.next_follow_up_on)
        .limit(200)
    )
    order = {"board": 0, "c_suite": 1, "executive": 2}
    rows.sort(key=lambda b: (order.get(b["level"], 9), b["next_follow_up_on"]))
    for row in rows:
        row["level_label"] = LEVELS.get(row["level"], row["level"])
    return rows[:limit]


async def fixed_story(viewer: Viewer, *, start: date, end: date) -> dict | None:
    """One story of a fixed problem: the highest-priority issue closed with feedback in the period."""
    units = await list_units(viewer, include_inactive=False)
    ids = [u["id"] for u in units]
    if not ids:
        return None
    return (
        await SafetyIssue.select(
            SafetyIssue.id,
            SafetyIssue.description,
            SafetyIssue.outcome,
            SafetyIssue.action_plan,
            SafetyIssue.feedback_said,
            SafetyIssue.identified_on,
            SafetyIssue.closed_on,
            SafetyIssue.raised_by,
            SafetyIssue.unit.name.as_alias("unit_name"),
        )
        .where(
            SafetyIssue.unit.is_in(ids)
            & (SafetyIssue.status == "closed")
            & SafetyIssue.feedback_given_on.is_not_null()
            & (SafetyIssue.closed_on >= start)
            & (SafetyIssue.closed_on <= end)
            & (SafetyIssue.outcome != "")
        )
        .order_by(SafetyIssue.priority, ascending=False)
        .order_by(SafetyIssue.closed_on, ascending=False)
        .first()
    )


PERIODS = {
    "12m": ("Last 12 months", 365),
    "quarter": ("Last 3 months", 91),
    "month": ("Last month", 30),
}


def period_bounds(key: str) -> tuple[str, date, date]:
    label, days = PERIODS.get(key, PERIODS["12m"])
    end = local_today()
    return label, end - timedelta(days=days), end
