"""Helpers for the tracking-log tests."""

from __future__ import annotations

from datetime import date

import pytest

from rounds.auth.access import Viewer
from rounds.core.tables import Membership, Person
from rounds.issues import service


async def viewer_for(person_id: int) -> Viewer:
    person = await Person.select().where(Person.id == person_id).first()
    roles = {
        m["unit"]: m["unit_role"]
        for m in await Membership.select().where(Membership.person == person_id)
    }
    return Viewer(
        id=person_id,
        email=person["email"],
        display_name=person["display_name"],
        role=person["role"],
        unit_roles=roles,
    )


@pytest.fixture
def as_person(world):
    async def make(key: str) -> Viewer:
        return await viewer_for(world.people[key])

    return make


@pytest.fixture
def new_issue(world, as_person):
    """`await new_issue("text", unit=None, who="champion", **fields)` -> issue id (fields set directly)."""

    async def make(
        description: str = "Suction regulator missing in two rooms",
        *,
        unit: int | None = None,
        who: str = "champion",
        identified_on: date | None = None,
        **fields,
    ) -> int:
        from rounds.issues.tables import SafetyIssue

        unit = unit or world.unit_a
        viewer = await as_person("admin" if unit != world.unit_a else who)
        captured = await service.capture(
            viewer, unit, description=description, identified_on=identified_on
        )
        if fields:
            await SafetyIssue.update(fields).where(SafetyIssue.id == captured.id)
        return captured.id

    return make


def field_error(html: str, field: str) -> str | None:
    """form_error with HTML entities decoded."""
    from html import unescape

    from tests.conftest import form_error

    message = form_error(html, field)
    return None if message is None else unescape(message)
