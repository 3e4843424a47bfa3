"""Home page panel "My follow-ups": the barriers this person owns, overdue first.

Shown to executive partners always (it leads their home page), and to anyone else who owns an
open barrier."""

from rounds.auth.access import Viewer
from rounds.barriers.service import escalated_by, follow_ups_panel


async def home_panel(viewer: Viewer) -> dict | None:
    panel = await follow_ups_panel(viewer, show_all=False, back="/")
    # barriers I escalated stay with me until they are removed: I still promised them
    panel["escalated"] = await escalated_by(viewer)
    if not panel["open_count"] and not panel["escalated"] and viewer.role != "executive":
        return None
    return panel
