"""Home page panel for rounds.barriers (None hides it)."""

from rounds.auth.access import Viewer


async def home_panel(viewer: Viewer) -> dict | None:
    return None
