"""Is the programme working? The overview (per unit, the units that need help first) and the
one-page board report. Every figure comes from `rounds.measures` (one definition per measure).

No individual league tables: everything is per unit, never per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rounds.admin.service import list_units
from rounds.auth.access import Viewer
from rounds.barriers.rules import LEVELS
from rounds.barriers.tables import Barrier
from rounds.issues.tables import SafetyIssue
from rounds.measures import charts, needs_help, trends
from rounds.measures.service import Figures, Period, totals, unit_figures
from rounds.voice.service import assessment_summary

PERIODS = {
    "12m": ("Last 12 months", 365),
    "quarter": ("Last 3 months", 91),
    "month": ("Last 30 days", 30),
}


def period_for(key: str, today: date | None = None) -> tuple[str, Period]:
    label, days = PERIODS.get(key, PERIODS["12m"])
    return label, Period.last_days(days, today)


@dataclass
class Overview:
    units: list[Figures]  # ordered: most reasons to need help first
    total: Figures
    limits: dict[str, int]


async def overview(viewer: Viewer, period: Period) -> Overview:
    """Every visible active unit's figures with its "needs help" reasons, and the total."""
    units = await list_units(viewer, include_inactive=False)
    figures = list((await unit_figures(units, period)).values())
    limits = await needs_help.thresholds()
    ordered = needs_help.flag(figures, limits)
    return Overview(ordered, totals(ordered), limits)


async def top_barriers(viewer: Viewer, *, limit: int = 5) -> list[dict]:
    """Open barriers that need senior help: board and C-suite level first, then the executive
    partner's, oldest follow-up first within a level."""
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
    rows.sort(key=lambda b: (order.get(b["level"], 9), b["next_follow_up_on"] or date.min))
    for row in rows:
        row["level_label"] = LEVELS.get(row["level"], row["level"])
    return rows[:limit]


async def fixed_story(viewer: Viewer, period: Period) -> dict | None:
    """One "you said, we did" story: the highest-priority issue closed with feedback in the
    period, latest first."""
    units = await list_units(viewer, include_inactive=False)
    ids = [u["id"] for u in units]
    if not ids:
        return None
    return (
        await SafetyIssue.select(
            SafetyIssue.id,
            SafetyIssue.description,
            SafetyIssue.outcome,
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
            & (SafetyIssue.closed_on >= period.start)
            & (SafetyIssue.closed_on <= period.end)
            & (SafetyIssue.outcome != "")
        )
        .order_by(SafetyIssue.priority, ascending=False)
        .order_by(SafetyIssue.closed_on, ascending=False)
        .first()
    )


async def staff_safety_assessment_summary(viewer: Viewer, period: Period) -> list[dict]:
    """The board report's Staff Safety Assessment summary (CUSP step 2), from rounds.voice:
    the campaigns in the period, shown by `voice/_board_assessments.html`."""
    return await assessment_summary(viewer, since=period.start, until=period.end)


@dataclass
class BoardReport:
    overview: Overview
    previous: Figures
    changes: list[trends.Change]
    charts: list[dict]
    barriers: list[dict]
    story: dict | None
    assessments: list[dict]


async def board_report(viewer: Viewer, period: Period) -> BoardReport:
    now = await overview(viewer, period)
    units = await list_units(viewer, include_inactive=False)
    before = totals(list((await unit_figures(units, trends.previous(period))).values()))
    series = await trends.monthly([u["id"] for u in units], period.today)
    return BoardReport(
        overview=now,
        previous=before,
        changes=trends.comparison(now.total, before),
        charts=[
            {"series": s, "svg": charts.small_multiple(s), "text": charts.text_alternative(s)}
            for s in series
        ],
        barriers=await top_barriers(viewer, limit=3),
        story=await fixed_story(viewer, period),
        assessments=await staff_safety_assessment_summary(viewer, period),
    )
