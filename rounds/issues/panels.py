"""Home page panel for rounds.issues (None hides it)."""

from rounds.auth.access import Viewer


async def home_panel(viewer: Viewer) -> dict | None:
    return None
