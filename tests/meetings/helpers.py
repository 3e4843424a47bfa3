"""Seeding a unit with meetings, issues, barriers and measures for the meeting tests."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from rounds.barriers.tables import Barrier, BarrierNote
from rounds.core import clock
from rounds.core.clock import local_today
from rounds.issues.tables import SafetyIssue
from rounds.meetings import service
from rounds.meetings.tables import Meeting, MeetingItem
from rounds.rounding.tables import LastEvent, UnitMeasure


async def add_issue(
    unit_id: int,
    description: str,
    *,
    identified_on: date,
    status: str = "new",
    priority: int = 0,
    due_on: date | None = None,
    owner: int | None = None,
    resolved_on: date | None = None,
) -> int:
    now = clock.now()
    row = await SafetyIssue.insert(
        SafetyIssue(
            unit=unit_id,
            identified_on=identified_on,
            source="safety_round",
            description=description,
            raised_by="RN, nights",
            priority=priority,
            status=status,
            due_on=due_on,
            owner=owner,
            resolved_on=resolved_on,
            status_changed_at=now,
            created_at=now,
            updated_at=now,
            version=1,
        )
    ).returning(SafetyIssue.id)
    return row[0]["id"]


async def add_meeting(unit_id: int, on: date, *, finalised: bool = False) -> int:
    when = datetime.combine(on, time(14, 0), tzinfo=service.tz())
    row = await Meeting.insert(
        Meeting(
            unit=unit_id,
            scheduled_at=when,
            status="finalised" if finalised else "scheduled",
            finalised_at=clock.now() if finalised else None,
            created_at=clock.now(),
            version=1,
        )
    ).returning(Meeting.id)
    meeting_id = row[0]["id"]
    await MeetingItem.insert(*service._section_items(meeting_id))
    return meeting_id


async def seeded_unit(world) -> dict:
    """Unit A with a previous meeting 30 days ago, the next one in 2 days, and data in between."""
    today = local_today()
    a, b = world.unit_a, world.unit_b
    ids = {}
    ids["previous"] = await add_meeting(a, today - timedelta(days=30), finalised=True)
    ids["meeting"] = await add_meeting(a, today + timedelta(days=2))
    ids["old_issue"] = await add_issue(
        a,
        "Old issue from before the last meeting",
        identified_on=today - timedelta(days=60),
        status="in_progress",
        priority=1,
    )
    ids["new_issue"] = await add_issue(
        a,
        "Bed alarms not audible at the nurses station",
        identified_on=today - timedelta(days=5),
        priority=2,
    )
    ids["overdue"] = await add_issue(
        a,
        "Suction regulators missing in two rooms",
        identified_on=today - timedelta(days=50),
        status="planned",
        priority=3,
        due_on=today - timedelta(days=4),
        owner=world.people["member"],
    )
    ids["win"] = await add_issue(
        a,
        "Glucometer strips restocked every shift",
        identified_on=today - timedelta(days=45),
        status="resolved",
        priority=2,
        resolved_on=today - timedelta(days=3),
    )
    ids["other_unit"] = await add_issue(
        b, "Unit B issue must not appear", identified_on=today - timedelta(days=2), priority=3
    )
    now = clock.now()
    barrier = await Barrier.insert(
        Barrier(
            issue=ids["overdue"],
            unit=a,
            description="Biomed budget for new regulators",
            kind="budget",
            owner=world.people["executive"],
            level="executive",
            next_follow_up_on=today - timedelta(days=1),
            status="open",
            created_at=now,
            updated_at=now,
            version=1,
        )
    ).returning(Barrier.id)
    ids["barrier"] = barrier[0]["id"]
    await BarrierNote.insert(
        BarrierNote(
            barrier=ids["barrier"],
            author=world.people["executive"],
            at=now,
            kind="note",
            body="Asked the CFO for capital funds",
            next_follow_up_on=today,
        )
    )
    await UnitMeasure.insert(
        UnitMeasure(
            unit=a,
            month=today.replace(day=1) - timedelta(days=1),
            patient_days=800,
            falls=2,
            falls_with_injury=1,
            entered_at=now,
            version=1,
        )
    )
    await LastEvent.insert(LastEvent(unit=a, kind="fall", occurred_on=today - timedelta(days=12)))
    return ids


def version_of(html: str, item_id: int) -> int:
    return int(re.search(rf'id="item-{item_id}-version" value="(\d+)"', html).group(1))


async def items(meeting_id: int) -> dict[str, int]:
    rows = await MeetingItem.select(MeetingItem.id, MeetingItem.section).where(
        (MeetingItem.meeting == meeting_id)
        & MeetingItem.issue.is_null()
        & MeetingItem.barrier.is_null()
    )
    return {r["section"]: r["id"] for r in rows}
