"""The unit's CUSP team as meetings show it (attendance, the agenda's "who is here"), below both
rounds.meetings.service and rounds.meetings.agenda, which use it."""

from __future__ import annotations

from rounds.core.tables import Membership


async def unit_team(unit_id: int) -> list[dict]:
    """The unit's active CUSP team: executive partners first, then champions, then members."""
    rows = await Membership.select(
        Membership.unit_role,
        Membership.person.id.as_alias("person_id"),
        Membership.person.display_name.as_alias("name"),
        Membership.person.job_title.as_alias("job_title"),
    ).where((Membership.unit == unit_id) & (Membership.person.active == True))  # noqa: E712
    order = {"executive": 0, "champion": 1, "member": 2}
    return sorted(rows, key=lambda r: (order.get(r["unit_role"], 3), r["name"]))
