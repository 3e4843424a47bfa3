"""Rows for rounding tests: rounds, issues, barriers (inserted directly, like the demo)."""

from __future__ import annotations

from datetime import date, timedelta

from rounds.barriers.tables import Barrier
from rounds.core import clock
from rounds.issues.tables import SafetyIssue
from rounds.rounding.tables import SafetyRound


async def make_round(
    world,
    *,
    unit=None,
    days=2,
    status="scheduled",
    executive="executive",
    champion="champion",
    **extra,
) -> int:
    row = await SafetyRound.insert(
        SafetyRound(
            unit=unit or world.unit_a,
            scheduled_at=clock.now() + timedelta(days=days),
            executive=world.people.get(executive) if executive else None,
            champion=world.people.get(champion) if champion else None,
            status=status,
            created_at=clock.now(),
            version=1,
            **extra,
        )
    ).returning(SafetyRound.id)
    return row[0]["id"]


async def make_issue(
    world,
    description,
    *,
    unit=None,
    status="new",
    priority=0,
    ease="",
    due_on: date | None = None,
    round_id=None,
    owner=None,
    feedback_given_on=None,
) -> int:
    now = clock.now()
    row = await SafetyIssue.insert(
        SafetyIssue(
            unit=unit or world.unit_a,
            identified_on=now.date() - timedelta(days=20),
            source="safety_round",
            round=round_id,
            description=description,
            raised_by="RN, days",
            status=status,
            priority=priority,
            ease=ease,
            due_on=due_on,
            owner=world.people.get(owner) if owner else None,
            feedback_given_on=feedback_given_on,
            status_changed_at=now,
            created_at=now,
            updated_at=now,
            version=1,
        )
    ).returning(SafetyIssue.id)
    return row[0]["id"]


async def make_barrier(
    world, issue_id, description, *, owner="executive", follow_up: date, status="open", unit=None
) -> int:
    now = clock.now()
    row = await Barrier.insert(
        Barrier(
            issue=issue_id,
            unit=unit or world.unit_a,
            description=description,
            kind="budget",
            owner=world.people[owner],
            level="executive",
            next_follow_up_on=follow_up,
            status=status,
            created_at=now,
            updated_at=now,
            version=1,
        )
    ).returning(Barrier.id)
    return row[0]["id"]
