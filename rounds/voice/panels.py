"""Home panel: concerns from staff and families waiting for triage (champions, executive
partners). One query."""

from __future__ import annotations

from rounds.auth.access import Viewer
from rounds.voice import service


async def home_panel(viewer: Viewer) -> dict | None:
    if viewer.role not in ("champion", "executive") or not any(
        viewer.can_manage(u) for u in viewer.unit_roles
    ):
        return None
    return {"waiting": await service.waiting_count(viewer)}
