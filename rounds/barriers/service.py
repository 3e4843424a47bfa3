"""Barriers: what stands in the way of an issue's fix, and who removes it."""

from __future__ import annotations

from datetime import date, timedelta

from litestar.exceptions import NotFoundException

from rounds import db
from rounds.audit import service as audit
from rounds.auth.access import Viewer, ensure_can_contribute
from rounds.barriers import rules
from rounds.barriers.tables import Barrier, BarrierNote
from rounds.core import clock
from rounds.core.tables import Membership
from rounds.issues.service import IssueInputError, screen
from rounds.issues.tables import SafetyIssue
from rounds.web.filters import local_today


async def unit_executive(unit_id: int) -> int | None:
    row = await Membership.select(Membership.person).where((Membership.unit == unit_id) & (Membership.unit_role == "executive")).first()
    return row["person"] if row else None


async def open_barrier(
    viewer: Viewer,
    issue_id: int,
    *,
    description: str,
    kind: str = "other",
    owner_id: int | None = None,
    level: str = "executive",
    next_follow_up_on: date | None = None,
) -> int:
    """Open a barrier on an issue. The owner defaults to the unit's executive partner; the first
    follow-up defaults to a week from today. Raises IssueInputError with field messages."""
    issue = await SafetyIssue.select(SafetyIssue.id, SafetyIssue.unit).where(SafetyIssue.id == issue_id).first()
    if issue is None:
        raise NotFoundException()
    unit_id = issue["unit"]
    ensure_can_contribute(viewer, unit_id)
    description = (description or "").strip()
    today = local_today()
    follow_up = next_follow_up_on or today + timedelta(days=7)
    errors: dict[str, str] = {}
    if not description:
        errors["description"] = "Say what stands in the way."
    elif len(description) > 2000:
        errors["description"] = "Keep it under 2,000 characters."
    if kind not in rules.KINDS:
        errors["kind"] = "Choose a kind from the list."
    if level not in rules.LEVELS:
        errors["level"] = "Choose a level from the list."
    if follow_up < today:
        errors["next_follow_up_on"] = "The next follow-up cannot be in the past."
    errors.update({k: v for k, v in screen({"description": description}).items() if k not in errors})
    if errors:
        raise IssueInputError(errors)
    owner = owner_id or await unit_executive(unit_id)
    now = clock.now()
    values = {"issue": issue_id, "unit": unit_id, "description": description, "kind": kind, "owner": owner,
              "level": level, "next_follow_up_on": follow_up, "status": "open"}
    async with db.write_transaction():
        row = (await Barrier.insert(Barrier(**values, created_by=viewer.id, created_at=now, updated_at=now, version=1)).returning(Barrier.id))[0]
        await BarrierNote.insert(BarrierNote(barrier=row["id"], author=viewer.id, at=now, kind="created", body=description,
                                             next_follow_up_on=follow_up, to_level=level))
        await audit.record(viewer.actor, "create", "barrier", row["id"], unit_id=unit_id, changes=audit.created(values))
    return row["id"]


async def barriers_for_issue(viewer: Viewer, issue_id: int, unit_id: int) -> list[dict]:
    """Barriers on one issue with their follow-up notes (newest note first), for the issue page.

    The caller has already checked that the viewer can see the issue's unit."""
    from rounds.auth.access import ensure_can_see

    ensure_can_see(viewer, unit_id)
    barriers = await Barrier.select(
        *Barrier.all_columns(), Barrier.owner.display_name.as_alias("owner_name")
    ).where(Barrier.issue == issue_id).order_by(Barrier.created_at)
    if not barriers:
        return []
    notes = await BarrierNote.select(
        *BarrierNote.all_columns(), BarrierNote.author.display_name.as_alias("author_name")
    ).where(BarrierNote.barrier.is_in([b["id"] for b in barriers])).order_by(BarrierNote.at, ascending=False)
    by_barrier: dict[int, list[dict]] = {}
    for note in notes:
        by_barrier.setdefault(note["barrier"], []).append(note)
    for barrier in barriers:
        barrier["notes"] = by_barrier.get(barrier["id"], [])
    return barriers
