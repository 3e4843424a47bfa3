"""Starting a round: the warnings first (not today, another round in progress), then the
briefing as it is now frozen and kept with the round. Above both rounding.service and
rounding.briefing (the briefing reads rounds through the service)."""

from __future__ import annotations

from rounds import db
from rounds.audit import service as audit
from rounds.auth.access import Viewer, ensure_can_manage
from rounds.core import clock
from rounds.core.clock import local_today
from rounds.rounding import briefing, rules
from rounds.rounding.service import RoundInputError, get_round
from rounds.rounding.tables import SafetyRound
from rounds.web import filters


class NeedsConfirmation(Exception):
    """Starting this round is probably a mistake: `reasons` in words, to confirm or go back."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


async def start_warnings(row: dict) -> list[str]:
    """Why starting this round now may be a mistake: not scheduled for today, or another round
    on the unit still in progress (one round left open would make the unit's record unclear)."""
    reasons = []
    on = clock.local(row["scheduled_at"]).date()
    if on != local_today():
        reasons.append(
            f"This round is scheduled for {filters.day(on)}, not today. "
            "Start it today anyway, or go back and reschedule it."
        )
    others = await SafetyRound.select(SafetyRound.id, SafetyRound.started_at).where(
        (SafetyRound.unit == row["unit"])
        & (SafetyRound.status == "in_progress")
        & (SafetyRound.id != row["id"])
    )
    for other in others:
        started = filters.when(other["started_at"]) if other["started_at"] else "earlier"
        reasons.append(
            f"Another round on this unit (started {started}) is still in progress. "
            "Finish that one first, or start this one as well."
        )
    return reasons


async def start(viewer: Viewer, round_id: int, *, confirmed: bool = False) -> dict:
    """Start the round: the briefing as it is now is frozen and kept with the round.
    Raises NeedsConfirmation (unless `confirmed`) for a round not scheduled for today or while
    another round on the unit is in progress."""
    row = await get_round(viewer, round_id)
    ensure_can_manage(viewer, row["unit"])
    if problem := rules.can_start(row["status"]):
        raise RoundInputError({"__all__": problem})
    if row["status"] == "in_progress":
        return row
    if not confirmed and (reasons := await start_warnings(row)):
        raise NeedsConfirmation(reasons)
    content = await briefing.assemble(row)
    now = clock.now()
    async with db.write_transaction():
        current = db.found(
            await SafetyRound.select(SafetyRound.status, SafetyRound.version)
            .where(SafetyRound.id == round_id)
            .first()
        )
        if current["status"] == "in_progress":  # a double tap, or someone else started it
            return row
        if problem := rules.can_start(current["status"]):
            raise RoundInputError({"__all__": problem})
        await briefing.freeze(round_id, content, now)
        await SafetyRound.update(
            {"status": "in_progress", "started_at": now, "version": current["version"] + 1}
        ).where(SafetyRound.id == round_id)
        await audit.record(
            viewer.actor,
            "update",
            "safety_round",
            round_id,
            unit_id=row["unit"],
            changes={"status": [current["status"], "in_progress"], "briefing": [None, "frozen"]},
        )
    row.update(status="in_progress", started_at=now, version=current["version"] + 1)
    return row
