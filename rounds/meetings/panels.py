"""Home page panel: the next monthly CUSP team meeting on the person's units, with its agenda."""

from rounds.auth.access import Viewer
from rounds.core.clock import local_today
from rounds.meetings import service


async def home_panel(viewer: Viewer) -> dict | None:
    if not viewer.unit_roles and not viewer.sees_all_units:
        return None
    meeting = await service.next_meeting(viewer)
    if meeting is not None:
        days = (service.meeting_day(meeting) - local_today()).days
        meeting["relative"] = (
            "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
        )
    elif viewer.read_only:
        return None
    manageable = [
        uid for uid, role in viewer.unit_roles.items() if role in ("champion", "executive")
    ]
    return {"meeting": meeting, "schedule_unit": manageable[0] if manageable else None}
