"""Each person's home page, and each unit's page: what is due, who is on the team, where to go.

Features contribute home panels (rounds.features.HOME_PANELS); a panel returning None is hidden.
"""

from __future__ import annotations

from importlib import import_module

from litestar import Request, get
from litestar.response import Response

from rounds.admin.forms import UNIT_KINDS, UNIT_ROLE_LABELS
from rounds.admin.service import get_unit, list_units, unit_team
from rounds.features import HOME_PANELS, UNIT_LINKS
from rounds.issues.service import units_to_add_to
from rounds.web.nav import NavItem
from rounds.web.params import FromPath, ViewerDep
from rounds.web.rendering import render


@get("/", name="home")
async def home(request: Request, viewer: ViewerDep) -> Response:
    panels = []
    for module_name, template in HOME_PANELS:
        context = await import_module(module_name).home_panel(viewer)
        if context is not None:
            panels.append((template, context))
    # "Add a safety issue" for everyone who can add (no one else: leaders are read-only).
    add_units = units_to_add_to(viewer, await list_units(viewer, include_inactive=False))
    return render(request, "home/page.html", panels=panels, add_units=add_units)


@get("/units/{unit_id:int}", name="unit")
async def unit_page(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    unit = await get_unit(viewer, unit_id)
    links = [
        (label, path.format(unit_id=unit_id))
        for label, path in UNIT_LINKS
        if _route_exists(request, path)
        # adding is offered only to people who can add (never to read-only leaders)
        and (path != ADD_ISSUE_PATH or viewer.can_contribute(unit_id))
    ]
    return render(
        request,
        "home/unit.html",
        unit=unit,
        team=await unit_team(unit_id),
        links=links,
        kinds=UNIT_KINDS,
        unit_role_labels=UNIT_ROLE_LABELS,
        my_role=viewer.unit_role(unit_id),
    )


ADD_ISSUE_PATH = "/units/{unit_id}/issues/new"


def _route_exists(request: Request, path_template: str) -> bool:
    """True once a feature has registered the link's route (links appear as features land)."""
    wanted = path_template.split("?")[0].replace("{unit_id}", "{unit_id:int}")
    return any(route.path == wanted for route in request.app.routes)


route_handlers = [home, unit_page]
nav = [NavItem("Home", "/", order=0)]
