"""Home page panel for rounds.rounding (None hides it)."""

from rounds.auth.access import Viewer


async def home_panel(viewer: Viewer) -> dict | None:
    return None
