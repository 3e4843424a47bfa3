"""Demo barriers (called by rounds.demo after the issues are seeded): every level and state, some
overdue, some due for escalation, follow-up logs, and the demo executive (executive@example.org)
owning more open barriers than the limit so their home page shows the flag."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from rounds import db
from rounds.barriers.tables import Barrier, BarrierNote
from rounds.demo_context import DemoContext
from rounds.issues.rules import OPEN_STATUSES
from rounds.issues.tables import SafetyIssue

# unit index, owner e-mail, level, kind, status, days since opened, next follow-up (days from
# today; negative = overdue), description, [(days ago, kind, body, from_level, to_level)]
BARRIERS = [
    (0, "executive@example.org", "executive", "budget", "open", 30, -10,
     "Bed-exit alarms need a vendor service contract; biomedical engineering cannot fund it from the unit budget.",
     [(24, "note", "Asked finance for a quote comparison; waiting on the second vendor.", "", "")]),
    (1, "executive@example.org", "executive", "department", "open", 21, -2,
     "Pharmacy restocks the dispensing cabinet during the 07:00 shift change; moving it needs pharmacy's agreement.",
     [(14, "note", "Met the pharmacy director; they will trial a 06:00 restock for two weeks.", "", "")]),
    (0, "executive@example.org", "executive", "it", "open", 12, 0,
     "Barcode scanners lose the wireless connection in the far rooms; IT has not scheduled the coverage survey.", []),
    (1, "executive@example.org", "executive", "staffing", "open", 9, 3,
     "Requests for a safety sitter at night exceed the float pool; two more sitter posts need approval.", []),
    (4, "executive@example.org", "executive", "policy", "open", 6, 5,
     "The infusion pump drug library update needs sign-off from the medication safety committee.", []),
    (0, "executive@example.org", "executive", "equipment", "open", 4, 12,
     "Worn transfer slide sheets need replacing; the order is above the unit's spending limit.", []),
    (4, "executive@example.org", "department", "department", "open", 15, 20,
     "Environmental services cannot turn over a room within an hour at weekends.",
     [(8, "note", "Environmental services manager is reviewing weekend rotas.", "", "")]),
    (4, "ceo@example.org", "c_suite", "budget", "open", 45, -3,
     "A second obstetric haemorrhage cart needs budget that was not in this year's plan.",
     [(30, "note", "Quote received: within the capital threshold for C-suite approval.", "", ""),
      (20, "escalated", "Not affordable from nursing's budget; needs the CEO's decision.", "executive", "c_suite")]),
    (0, "leader@example.org", "board", "budget", "open", 60, 10,
     "Ceiling lifts for the ICU: the capital request is above the hospital's annual threshold.",
     [(40, "escalated", "Above the CNO's authority; taken to the C-suite.", "executive", "c_suite"),
      (18, "escalated", "The C-suite supports it; the amount needs the board's quality committee.", "c_suite", "board")]),
    (2, "cmo@example.org", "executive", "department", "open", 28, -9,
     "Inpatient beds are not released before noon, so admitted patients wait in the department.",
     [(22, "note", "Raised at the bed-management meeting; no owner agreed yet.", "", "")]),
    (3, "facilities@example.org", "department", "equipment", "open", 10, -1,
     "The nurse call panel in the far corridor needs a replacement part from the vendor.", []),
    (5, "champion6@example.org", "unit", "other", "open", 5, 4,
     "The huddle board was taken down for painting and has no wall mount.", []),
    (3, "coo@example.org", "executive", "equipment", "open", 18, 6,
     "Portable monitors for transfers are shared with radiology and often missing.",
     [(7, "note", "Radiology agreed to a sign-out sheet; checking whether it is used.", "", "")]),
    (1, "executive@example.org", "executive", "equipment", "removed", 40, None,
     "Glucose meter docking stations were missing, so results did not upload.",
     [(25, "note", "Biomedical engineering ordered four docks.", "", ""),
      (5, "removed", "Docks installed and tested; results upload again. Team will tell staff at huddle.", "", "")]),
    (0, "executive@example.org", "executive", "staffing", "cannot_remove", 50, None,
     "A dedicated night IV team was requested.",
     [(12, "cannot_remove", "Not funded this year; revisit at the July budget. Float nurses with IV training cover nights meanwhile.", "", "")]),
    (2, "cmo@example.org", "executive", "it", "removed", 35, None,
     "Triage computers logged staff out mid-assessment.",
     [(9, "removed", "IT lengthened the timeout on triage workstations with badge tap-in.", "", "")]),
]


def _at(day, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


async def _issues_by_unit(ctx: DemoContext) -> dict[int, list[int]]:
    unit_ids = [u["id"] for u in ctx.units]
    rows = await SafetyIssue.select(SafetyIssue.id, SafetyIssue.unit, SafetyIssue.status).where(
        SafetyIssue.unit.is_in(unit_ids)).order_by(SafetyIssue.id)
    by_unit: dict[int, list[int]] = {}
    # Issues still being worked on first: barriers stand in the way of open fixes.
    for row in sorted(rows, key=lambda r: (r["status"] not in OPEN_STATUSES, r["id"])):
        by_unit.setdefault(row["unit"], []).append(row["id"])
    return by_unit


async def _fallback_issue(ctx: DemoContext, unit_id: int) -> int:
    """Only when the tracking log's demo made no issue for this unit: one plain issue to hang
    the barriers on (no patient details)."""
    now = _at(ctx.today - timedelta(days=60))
    row = await SafetyIssue.insert(SafetyIssue(
        unit=unit_id, identified_on=ctx.today - timedelta(days=60), source="safety_round", description=
        "Equipment and supplies are often missing or broken when needed on this unit.", raised_by="RN, days",
        status="in_progress", status_changed_at=now, priority=2, needs_executive_help=True,
        feedback_due_on=ctx.today - timedelta(days=46), created_at=now, updated_at=now, version=1,
    )).returning(SafetyIssue.id)
    return row[0]["id"]


async def seed(ctx: DemoContext) -> None:
    if ctx.scale or not ctx.units:
        return
    by_unit = await _issues_by_unit(ctx)
    used: dict[int, int] = {}
    planned = []
    async with db.write_transaction():
        for unit_index, owner_email, level, kind, status, opened_ago, follow_up_in, text, log in BARRIERS:
            unit_id = ctx.units[unit_index]["id"]
            if not by_unit.get(unit_id):
                by_unit[unit_id] = [await _fallback_issue(ctx, unit_id)]
            issues = by_unit[unit_id]
            issue_id = issues[used.get(unit_id, 0) % len(issues)]
            used[unit_id] = used.get(unit_id, 0) + 1
            owner = ctx.people.get(owner_email)
            created_by = (ctx.team.get(unit_id, {}).get("champion") or [None])[0]
            opened = ctx.today - timedelta(days=opened_ago)
            closed = next((_at(ctx.today - timedelta(days=ago)) for ago, k, *_ in log if k in ("removed", "cannot_remove")), None)
            last_change = max([_at(opened)] + [_at(ctx.today - timedelta(days=ago)) for ago, *_ in log])
            first_level = next((frm for _, k, _, frm, _ in log if k == "escalated"), level)
            planned.append((Barrier(
                issue=issue_id, unit=unit_id, description=text, kind=kind, owner=owner["id"] if owner else None,
                level=level, status=status,
                next_follow_up_on=closed.date() if follow_up_in is None and closed else ctx.today + timedelta(days=follow_up_in or 0),
                cannot_remove_reason=log[-1][2] if status == "cannot_remove" else "", closed_at=closed,
                created_by=created_by, created_at=_at(opened, 9), updated_at=last_change, version=1 + len(log),
            ), opened, first_level, log, created_by, owner, (ctx.team.get(unit_id, {}).get("executive") or [created_by])[0]))
        rows = await Barrier.insert(*[p[0] for p in planned]).returning(Barrier.id)
        notes = []
        for row, (barrier, opened, first_level, log, created_by, owner, partner) in zip(rows, planned, strict=True):
            # Ask at every follow-up for the date of the next one; the first was a week after opening.
            notes.append(BarrierNote(barrier=row["id"], author=created_by, at=_at(opened, 9), kind="created",
                                     body=barrier.description, next_follow_up_on=opened + timedelta(days=7),
                                     from_level="", to_level=first_level))
            for i, (ago, kind, body, from_level, to_level) in enumerate(log):
                later = [a for a, *_ in log[i + 1:]]
                next_on = (ctx.today - timedelta(days=later[0])) if later else barrier.next_follow_up_on
                author = partner if kind == "escalated" else (owner["id"] if owner else created_by)
                notes.append(BarrierNote(barrier=row["id"], author=author, at=_at(ctx.today - timedelta(days=ago), 14), kind=kind,
                                         body=body, next_follow_up_on=None if kind in ("removed", "cannot_remove") else next_on,
                                         from_level=from_level, to_level=to_level))
        await BarrierNote.insert(*notes)
