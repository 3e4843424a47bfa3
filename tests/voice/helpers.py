"""Shared pieces for the concern tests: viewers, a unit's link, a sent concern."""

from __future__ import annotations

from rounds.auth.access import Viewer
from rounds.core.tables import Membership, Person
from rounds.voice import service

TEST_SECRET = "voice-test-secret-" + "y" * 40


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


async def unit_link(world, unit_id: int, audience: str = "staff") -> str:
    """A working link token for the unit (made by the admin)."""
    if service._key is None:
        service.configure(TEST_SECRET)
    admin = await viewer_for(world.people["admin"])
    links = await service.active_links(admin, unit_id)
    if audience in links:
        return links[audience]["token"]
    return await service.new_link(admin, unit_id, audience)


async def sent_concern(
    world,
    unit_id: int,
    text: str = "Bed alarms on the west corridor are not heard at the desk at night.",
    **kw,
) -> tuple[int, str]:
    """(concern id, code) of a concern sent through the unit's staff link."""
    from rounds.voice.tables import Concern

    token = await unit_link(world, unit_id, kw.pop("audience", "staff"))
    link = await service.link_by_token(token)
    code = await service.send(link, harm=text, **kw)
    row = await Concern.select(Concern.id).where(Concern.code == code).first()
    return row["id"], code
