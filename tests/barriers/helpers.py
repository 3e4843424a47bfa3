"""Shared helpers for the barrier tests: issues and barriers made directly in the database."""

from __future__ import annotations

from datetime import date, timedelta

from rounds.auth.access import Viewer
from rounds.barriers import service
from rounds.core import clock
from rounds.core.clock import local_today
from rounds.issues.tables import SafetyIssue
from tests.conftest import World


async def make_issue(
    unit_id: int, description: str = "Suction regulators are missing from two bays", **extra
) -> int:
    now = clock.now()
    values = dict(
        unit=unit_id,
        identified_on=local_today(),
        source="safety_round",
        description=description,
        raised_by="RN, nights",
        status="in_progress",
        status_changed_at=now,
        created_at=now,
        updated_at=now,
        version=1,
    )
    values.update(extra)
    row = await SafetyIssue.insert(SafetyIssue(**values)).returning(SafetyIssue.id)
    return row[0]["id"]


def viewer(world: World, who: str) -> Viewer:
    roles = {
        "executive": {world.unit_a: "executive"},
        "champion": {world.unit_a: "champion"},
        "member": {world.unit_a: "member"},
        "outsider": {world.unit_b: "champion"},
    }
    role = {"outsider": "champion"}.get(who, who)
    return Viewer(
        id=world.people[who],
        email=World.EMAILS[who],
        display_name=who.title(),
        role=role,
        unit_roles=roles.get(who, {}),
    )


async def make_barrier(
    world: World,
    *,
    unit: str = "a",
    by: str = "champion",
    follow_up: date | None = None,
    level: str = "executive",
    description: str = "Vendor will not service the bed alarms",
    **kwargs,
) -> int:
    unit_id = world.unit_a if unit == "a" else world.unit_b
    who = by if unit == "a" else "outsider"
    issue_id = await make_issue(unit_id)
    return await service.open_barrier(
        viewer(world, who),
        issue_id,
        description=description,
        level=level,
        next_follow_up_on=follow_up or local_today() + timedelta(days=7),
        **kwargs,
    )
