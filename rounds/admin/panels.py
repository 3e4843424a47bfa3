"""Home panel for unit champions: what on their units has no owner who can act (the owner
left, or the owner was removed after planning). None hides the panel."""

from __future__ import annotations

from rounds.admin.handover import needs_owner
from rounds.auth.access import Viewer

LIMIT = 10


async def home_panel(viewer: Viewer) -> dict | None:
    units = [u for u, role in viewer.unit_roles.items() if role == "champion"]
    if viewer.read_only or not units:
        return None
    items = await needs_owner(units, limit=LIMIT)
    return {"flagged": items} if items else None
