"""The programme overview (per unit, units needing help first) and the one-page board report."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Response

from rounds.barriers.rules import LEVELS
from rounds.reports import service
from rounds.voice.service import assessment_summary
from rounds.web.nav import NavItem
from rounds.web.params import ViewerDep
from rounds.web.rendering import render


def _period(request: Request) -> str:
    key = request.query_params.get("period", "12m")
    return key if key in service.PERIODS else "12m"


@get("/overview", name="overview")
async def overview(request: Request, viewer: ViewerDep) -> Response:
    key = _period(request)
    label, start, end = service.period_bounds(key)
    reports = await service.unit_reports(viewer, start=start, end=end)
    return render(
        request,
        "reports/overview.html",
        reports=reports,
        totals=service.totals(reports),
        period=key,
        period_label=label,
        periods=service.PERIODS,
        levels=LEVELS,
        start=start,
        end=end,
    )


@get("/overview/board", name="board_report")
async def board_report(request: Request, viewer: ViewerDep) -> Response:
    key = _period(request)
    label, start, end = service.period_bounds(key)
    reports = await service.unit_reports(viewer, start=start, end=end)
    return render(
        request,
        "reports/board.html",
        reports=reports,
        totals=service.totals(reports),
        barriers=await service.top_barriers(viewer),
        story=await service.fixed_story(viewer, start=start, end=end),
        assessments=await assessment_summary(viewer, since=start, until=end),  # rounds.voice
        period=key,
        period_label=label,
        periods=service.PERIODS,
        start=start,
        end=end,
    )


route_handlers = [overview, board_report]
nav = [NavItem("Overview", "/overview", roles=("admin", "leader", "executive"), order=60)]
