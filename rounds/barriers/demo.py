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
from rounds.measures.definitions import default_feedback_due

# unit index, owner e-mail, level, kind, status, days since opened, next follow-up (days from
# today; negative = overdue), description, [(days ago, kind, body, from_level, to_level)]
BARRIERS = [
    (
        0,
        "executive@example.org",
        "executive",
        "budget",
        "open",
        30,
        -10,
        "Bed-exit alarms need a vendor service contract; biomedical engineering cannot fund it from the unit budget.",
        [
            (
                24,
                "note",
                "Asked finance for a quote comparison; waiting on the second vendor.",
                "",
                "",
            )
        ],
    ),
    (
        1,
        "executive@example.org",
        "executive",
        "department",
        "open",
        21,
        -2,
        "Pharmacy restocks the dispensing cabinet during the 07:00 shift change; moving it needs pharmacy's agreement.",
        [
            (
                14,
                "note",
                "Met the pharmacy director; they will trial a 06:00 restock for two weeks.",
                "",
                "",
            )
        ],
    ),
    (
        0,
        "executive@example.org",
        "executive",
        "it",
        "open",
        12,
        0,
        "Barcode scanners lose the wireless connection in the far rooms; IT has not scheduled the coverage survey.",
        [],
    ),
    (
        1,
        "executive@example.org",
        "executive",
        "staffing",
        "open",
        9,
        3,
        "Requests for a safety sitter at night exceed the float pool; two more sitter posts need approval.",
        [],
    ),
    (
        4,
        "executive@example.org",
        "executive",
        "policy",
        "open",
        6,
        5,
        "The infusion pump drug library update needs sign-off from the medication safety committee.",
        [],
    ),
    (
        0,
        "executive@example.org",
        "executive",
        "equipment",
        "open",
        4,
        12,
        "Worn transfer slide sheets need replacing; the order is above the unit's spending limit.",
        [],
    ),
    (
        4,
        "executive@example.org",
        "department",
        "department",
        "open",
        15,
        20,
        "Environmental services cannot turn over a room within an hour at weekends.",
        [(8, "note", "Environmental services manager is reviewing weekend rotas.", "", "")],
    ),
    (
        4,
        "ceo@example.org",
        "c_suite",
        "budget",
        "open",
        45,
        -3,
        "A second obstetric haemorrhage cart needs budget that was not in this year's plan.",
        [
            (
                30,
                "note",
                "Quote received: within the capital threshold for C-suite approval.",
                "",
                "",
            ),
            (
                20,
                "escalated",
                "Not affordable from nursing's budget; needs the CEO's decision.",
                "executive",
                "c_suite",
            ),
        ],
    ),
    (
        0,
        "leader@example.org",
        "board",
        "budget",
        "open",
        60,
        10,
        "Ceiling lifts for the ICU: the capital request is above the hospital's annual threshold.",
        [
            (
                40,
                "escalated",
                "Above the CNO's authority; taken to the C-suite.",
                "executive",
                "c_suite",
            ),
            (
                18,
                "escalated",
                "The C-suite supports it; the amount needs the board's quality committee.",
                "c_suite",
                "board",
            ),
        ],
    ),
    (
        2,
        "cmo@example.org",
        "executive",
        "department",
        "open",
        28,
        -9,
        "Inpatient beds are not released before noon, so admitted patients wait in the department.",
        [(22, "note", "Raised at the bed-management meeting; no owner agreed yet.", "", "")],
    ),
    (
        3,
        "facilities@example.org",
        "department",
        "equipment",
        "open",
        10,
        -1,
        "The nurse call panel in the far corridor needs a replacement part from the vendor.",
        [],
    ),
    (
        5,
        "champion6@example.org",
        "unit",
        "other",
        "open",
        5,
        4,
        "The huddle board was taken down for painting and has no wall mount.",
        [],
    ),
    (
        3,
        "coo@example.org",
        "executive",
        "equipment",
        "open",
        18,
        6,
        "Portable monitors for transfers are shared with radiology and often missing.",
        [(7, "note", "Radiology agreed to a sign-out sheet; checking whether it is used.", "", "")],
    ),
    (
        1,
        "executive@example.org",
        "executive",
        "equipment",
        "removed",
        40,
        None,
        "Glucose meter docking stations were missing, so results did not upload.",
        [
            (25, "note", "Biomedical engineering ordered four docks.", "", ""),
            (
                5,
                "removed",
                "Docks installed and tested; results upload again. Team will tell staff at huddle.",
                "",
                "",
            ),
        ],
    ),
    (
        0,
        "executive@example.org",
        "executive",
        "staffing",
        "cannot_remove",
        50,
        None,
        "A dedicated night IV team was requested.",
        [
            (
                12,
                "cannot_remove",
                "Not funded this year; revisit at the July budget. Float nurses with IV training cover nights meanwhile.",
                "",
                "",
            )
        ],
    ),
    (
        2,
        "cmo@example.org",
        "executive",
        "it",
        "removed",
        35,
        None,
        "Triage computers logged staff out mid-assessment.",
        [
            (
                9,
                "removed",
                "IT lengthened the timeout on triage workstations with badge tap-in.",
                "",
                "",
            )
        ],
    ),
]


def _at(day, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


_STOP = {
    "the",
    "a",
    "an",
    "and",
    "or",
    "to",
    "of",
    "in",
    "on",
    "for",
    "is",
    "are",
    "it",
    "its",
    "at",
    "from",
    "with",
    "not",
    "no",
    "our",
    "we",
    "be",
    "by",
    "this",
    "that",
    "need",
    "needs",
    "has",
    "have",
    "cannot",
    "unit",
    "unit's",
}


def _words(text: str) -> set[str]:
    return {w.strip(".,;:–-()'").lower().rstrip("s") for w in text.split()} - _STOP - {""}


async def _issues_by_unit(ctx: DemoContext) -> dict[int, list[dict]]:
    unit_ids = [u["id"] for u in ctx.units]
    rows = (
        await SafetyIssue.select(
            SafetyIssue.id,
            SafetyIssue.unit,
            SafetyIssue.status,
            SafetyIssue.description,
            SafetyIssue.identified_on,
        )
        .where(SafetyIssue.unit.is_in(unit_ids))
        .order_by(SafetyIssue.id)
    )
    by_unit: dict[int, list[dict]] = {}
    for row in rows:
        row["words"] = _words(row["description"])
        by_unit.setdefault(row["unit"], []).append(row)
    return by_unit


# Which concern of the demo log each barrier stands in the way of (start of the issue's wording).
ISSUE_FOR = {
    "Bed-exit alarms": "Bed exit alarms",
    "Pharmacy restocks": "Automated cabinet override",
    "Barcode scanners": "Barcode scanners",
    "Requests for a safety sitter": "No sitter available",
    "The infusion pump drug library": "IV pump drug library",
    "Worn transfer slide sheets": "Lift slings",
    "Environmental services": "Commodes not cleaned",
    "A second obstetric haemorrhage cart": "Suction regulators missing",
    "Ceiling lifts": "Lift slings",
    "Inpatient beds are not released": "Transfers from the ED",
    "The nurse call panel": "Call bell cords",
    "The huddle board": "Night shift left out",
    "Portable monitors": "Only one bladder scanner",
    "Glucose meter docking": "Glucometer docking station",
    "A dedicated night IV team": "1 to 3 ratio on nights",
    "Triage computers": "Too many alerts in the chart",
}


def _best_issue(issues: list[dict], text: str, opened, taken: set[int]) -> dict:
    """The issue a barrier belongs to: the concern named in ISSUE_FOR (else the one sharing most
    words with it), raised before the barrier was opened, still being worked on if possible."""
    words = _words(text)
    wanted = next(
        (issue_start for start, issue_start in ISSUE_FOR.items() if text.startswith(start)), None
    )
    if wanted:
        words = _words(wanted) | words

    def score(issue):
        named = bool(wanted) and issue["description"].startswith(wanted)
        return (
            issue["id"] not in taken,
            named,
            len(words & issue["words"]),
            issue["identified_on"] <= opened,
            issue["status"] in OPEN_STATUSES,
            -issue["id"],
        )

    return max(issues, key=score)


async def _fallback_issue(ctx: DemoContext, unit_id: int) -> int:
    """Only when the tracking log's demo made no issue for this unit: one plain issue to hang
    the barriers on (no patient details)."""
    now = _at(ctx.today - timedelta(days=60))
    row = await SafetyIssue.insert(
        SafetyIssue(
            unit=unit_id,
            identified_on=ctx.today - timedelta(days=60),
            source="safety_round",
            description="Equipment and supplies are often missing or broken when needed on this unit.",
            raised_by="RN, days",
            status="in_progress",
            status_changed_at=now,
            priority=2,
            needs_executive_help=True,
            feedback_due_on=ctx.today - timedelta(days=46),
            created_at=now,
            updated_at=now,
            version=1,
        )
    ).returning(SafetyIssue.id)
    return row[0]["id"]


async def seed(ctx: DemoContext) -> None:
    if ctx.scale or not ctx.units:
        return
    by_unit = await _issues_by_unit(ctx)
    taken: set[int] = set()
    planned = []
    async with db.write_transaction():
        for (
            unit_index,
            owner_email,
            level,
            kind,
            status,
            opened_ago,
            follow_up_in,
            text,
            log,
        ) in BARRIERS:
            unit_id = ctx.units[unit_index]["id"]
            opened = ctx.today - timedelta(days=opened_ago)
            if not by_unit.get(unit_id):
                fallback = await _fallback_issue(ctx, unit_id)
                by_unit[unit_id] = [
                    {
                        "id": fallback,
                        "status": "in_progress",
                        "words": set(),
                        "identified_on": ctx.today - timedelta(days=60),
                    }
                ]
            issue = _best_issue(by_unit[unit_id], text, opened, taken)
            issue_id = issue["id"]
            taken.add(issue_id)
            if (
                issue["identified_on"] > opened
            ):  # a barrier cannot predate its issue: move the issue back
                raised = opened - timedelta(days=3)
                await SafetyIssue.update(
                    {
                        SafetyIssue.identified_on: raised,
                        SafetyIssue.feedback_due_on: default_feedback_due(raised),
                    }
                ).where(SafetyIssue.id == issue_id)
            owner = ctx.people.get(owner_email)
            created_by = (ctx.team.get(unit_id, {}).get("champion") or [None])[0]
            closed = next(
                (
                    _at(ctx.today - timedelta(days=ago))
                    for ago, k, *_ in log
                    if k in ("removed", "cannot_remove")
                ),
                None,
            )
            last_change = max(
                [_at(opened)] + [_at(ctx.today - timedelta(days=ago)) for ago, *_ in log]
            )
            first_level = next((frm for _, k, _, frm, _ in log if k == "escalated"), level)
            planned.append(
                (
                    Barrier(
                        issue=issue_id,
                        unit=unit_id,
                        description=text,
                        kind=kind,
                        owner=owner["id"] if owner else None,
                        level=level,
                        status=status,
                        next_follow_up_on=closed.date()
                        if follow_up_in is None and closed
                        else ctx.today + timedelta(days=follow_up_in or 0),
                        cannot_remove_reason=log[-1][2] if status == "cannot_remove" else "",
                        closed_at=closed,
                        created_by=created_by,
                        created_at=_at(opened, 9),
                        updated_at=last_change,
                        version=1 + len(log),
                    ),
                    opened,
                    first_level,
                    log,
                    created_by,
                    owner,
                    (ctx.team.get(unit_id, {}).get("executive") or [created_by])[0],
                )
            )
        rows = await Barrier.insert(*[p[0] for p in planned]).returning(Barrier.id)
        notes = []
        for row, (barrier, opened, first_level, log, created_by, owner, partner) in zip(
            rows, planned, strict=True
        ):
            # Ask at every follow-up for the date of the next one; the first was a week after opening.
            notes.append(
                BarrierNote(
                    barrier=row["id"],
                    author=created_by,
                    at=_at(opened, 9),
                    kind="created",
                    body=barrier.description,
                    next_follow_up_on=opened + timedelta(days=7),
                    from_level="",
                    to_level=first_level,
                )
            )
            for i, (ago, kind, body, from_level, to_level) in enumerate(log):
                later = [a for a, *_ in log[i + 1 :]]
                next_on = (
                    (ctx.today - timedelta(days=later[0])) if later else barrier.next_follow_up_on
                )
                author = partner if kind == "escalated" else (owner["id"] if owner else created_by)
                notes.append(
                    BarrierNote(
                        barrier=row["id"],
                        author=author,
                        at=_at(ctx.today - timedelta(days=ago), 14),
                        kind=kind,
                        body=body,
                        next_follow_up_on=None if kind in ("removed", "cannot_remove") else next_on,
                        from_level=from_level,
                        to_level=to_level,
                    )
                )
        await BarrierNote.insert(*notes)
