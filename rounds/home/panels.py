"""The "your units" panel: every person sees the units they belong to (admins/leaders: all)."""

from rounds.admin.service import list_units
from rounds.auth.access import Viewer


async def home_panel(viewer: Viewer) -> dict | None:
    units = await list_units(viewer, include_inactive=False)
    return {"units": units, "unit_roles": viewer.unit_roles}
