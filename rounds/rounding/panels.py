"""Home page panel: "Next round" (with its briefing status) and, for champions, the unit
measures still to enter for last month. None hides the panel."""

from __future__ import annotations

from datetime import timedelta

from rounds.auth.access import Viewer
from rounds.core import clock
from rounds.core.clock import local_today
from rounds.core.tables import Unit
from rounds.rounding import rules
from rounds.rounding.service import ROUND_COLUMNS
from rounds.rounding.tables import Briefing, SafetyRound, UnitMeasure

SHOWN = 3


async def home_panel(viewer: Viewer) -> dict | None:
    champion_units = [u for u, role in viewer.unit_roles.items() if role == "champion"]
    managed_units = [
        u for u, role in viewer.unit_roles.items() if role in ("champion", "executive")
    ]
    since = clock.now() - timedelta(hours=12)
    query = SafetyRound.select(*SafetyRound.all_columns(), *ROUND_COLUMNS).where(
        SafetyRound.status.is_in(list(rules.UPCOMING)) & (SafetyRound.scheduled_at >= since)
    )
    mine = (SafetyRound.executive == viewer.id) | (SafetyRound.champion == viewer.id)
    if champion_units:
        mine = mine | SafetyRound.unit.is_in(champion_units)
    # the next round on each unit (a champion does not need the next three on one unit)
    rounds, seen_units = [], set()
    for r in await query.where(mine).order_by(SafetyRound.scheduled_at).limit(4 * SHOWN):
        if r["unit"] not in seen_units and len(rounds) < SHOWN:
            seen_units.add(r["unit"])
            rounds.append(r)
    # Rounds left "in progress" for more than a day: flagged to their executive and champion.
    stale = (
        await SafetyRound.select(*SafetyRound.all_columns(), *ROUND_COLUMNS)
        .where(
            (SafetyRound.status == "in_progress")
            & (SafetyRound.started_at < clock.now() - timedelta(days=1))
            & mine
        )
        .order_by(SafetyRound.started_at)
    )
    missing = []
    if champion_units:
        last_month = rules.previous_month(local_today())
        have = {
            m["unit"]
            for m in await UnitMeasure.select(UnitMeasure.unit).where(
                UnitMeasure.unit.is_in(champion_units) & (UnitMeasure.month == last_month)
            )
        }
        lacking = [u for u in champion_units if u not in have]
        if lacking:
            missing = (
                await Unit.select(Unit.id, Unit.name)
                .where(Unit.id.is_in(lacking) & (Unit.active == True))
                .order_by(Unit.name)
            )  # noqa: E712
    if not rounds and not missing and not managed_units and not stale:
        return None
    ready = {}
    if rounds:
        rows = await Briefing.select(Briefing.round, Briefing.ready_at).where(
            Briefing.round.is_in([r["id"] for r in rounds])
        )
        ready = {b["round"]: b["ready_at"] for b in rows}
    for r in rounds:
        r["briefing_ready"] = ready.get(r["id"]) is not None
        r["i_prepare"] = (
            r["unit"] in champion_units or r["champion"] == viewer.id or viewer.is_admin
        )
        r["i_run"] = r["executive"] == viewer.id
    return {
        "rounds": rounds,
        "stale_rounds": stale,
        "missing_measures": missing,
        "last_month": rules.month_label(rules.previous_month(local_today())),
        "labels": rules.STATUS_LABELS,
    }
