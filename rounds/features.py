"""The app's capabilities. Each module listed has `route_handlers` and may have `nav`.

To add a capability: create rounds/<feature>/routes.py with those two names and list it here.
"""

FEATURE_MODULES = [
    "rounds.signin.routes",  # the sign-in pages (rounds.auth is the layer below web)
    "rounds.home.routes",
    "rounds.admin.routes",
    "rounds.audit_log.routes",
    "rounds.issues.routes",
    "rounds.rounding.routes",
    "rounds.barriers.routes",
    "rounds.meetings.routes",
    "rounds.reports.routes",
    "rounds.voice.routes",
]

# Home page panels, in order: (module with `async def home_panel(viewer) -> dict | None`, template).
HOME_PANELS = [
    ("rounds.rounding.panels", "rounding/_home_panel.html"),
    ("rounds.voice.panels", "voice/_home_panel.html"),
    ("rounds.admin.panels", "admin/_needs_owner_panel.html"),
    ("rounds.barriers.panels", "barriers/_home_panel.html"),
    ("rounds.issues.panels", "issues/_home_panel.html"),
    ("rounds.meetings.panels", "meetings/_home_panel.html"),
    ("rounds.home.panels", "home/_units_panel.html"),
]

# Links on each unit's page, shown only once the route exists: (label, path with {unit_id}).
UNIT_LINKS = [
    ("Tracking log", "/issues?unit={unit_id}"),
    ("Add a safety issue", "/units/{unit_id}/issues/new"),
    ("Safety rounds", "/units/{unit_id}/rounds"),
    ("Unit measures", "/units/{unit_id}/measures"),
    ("Team meetings", "/units/{unit_id}/meetings"),
    ("Staff stoplight report", "/units/{unit_id}/stoplight"),
    ("Concerns from staff and families", "/units/{unit_id}/concerns"),
]
