"""The programme overview (per unit, units needing help first), the one-page board report, and
the same report as a PDF made on the server for the board packet."""

from __future__ import annotations

import anyio
from litestar import Request, get, post
from litestar.response import Response

from rounds.auth.access import ensure_admin
from rounds.barriers.rules import LEVELS
from rounds.measures import needs_help
from rounds.measures.definitions import REACH_MARK
from rounds.measures.needs_help import LABELS as THRESHOLD_LABELS
from rounds.reports import pdf, service
from rounds.reports.forms import ThresholdsForm
from rounds.web.forms import read_form, validate
from rounds.web.nav import NavItem
from rounds.web.params import ViewerDep
from rounds.web.rendering import redirect, render, render_to_string


def _period(request: Request) -> str:
    key = request.query_params.get("period", "12m")
    return key if key in service.PERIODS else "12m"


@get("/overview", name="overview")
async def overview(request: Request, viewer: ViewerDep) -> Response:
    key = _period(request)
    label, period = service.period_for(key)
    return render(
        request,
        "reports/overview.html",
        view=await service.overview(viewer, period),
        period=period,
        period_key=key,
        period_label=label,
        periods=service.PERIODS,
        levels=LEVELS,
        reach_mark=REACH_MARK,
    )


async def _board_context(request: Request, viewer) -> dict:
    key = _period(request)
    label, period = service.period_for(key)
    return {
        "report": await service.board_report(viewer, period),
        "period": period,
        "period_key": key,
        "period_label": label,
        "periods": service.PERIODS,
        "reach_mark": REACH_MARK,
    }


@get("/overview/board", name="board_report")
async def board_report(request: Request, viewer: ViewerDep) -> Response:
    return render(request, "reports/board.html", **await _board_context(request, viewer))


@get("/overview/board.pdf", name="board_report_pdf")
async def board_report_pdf(request: Request, viewer: ViewerDep) -> Response:
    context = await _board_context(request, viewer)
    html = render_to_string(request, "reports/board_pdf.html", **context, viewer=viewer)
    paper = request.query_params.get("paper", "letter")
    paper = paper if paper in pdf.PAPER else "letter"
    data = await anyio.to_thread.run_sync(pdf.html_to_pdf, html, paper)
    name = f"board-report-{context['period'].end:%Y-%m-%d}-{paper}.pdf"
    return Response(
        data,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


# --- admin: the "needs help" thresholds -----------------------------------------------------


def _with_seen(values: dict) -> dict:
    return {**values, **{f"seen_{k}": v for k, v in values.items()}}


def _thresholds_page(request: Request, values: dict, errors: dict, saved=None) -> Response:
    return render(
        request,
        "reports/needs_help_settings.html",
        values=values,
        errors=errors,
        saved=saved,
        labels=THRESHOLD_LABELS,
        limits=needs_help.THRESHOLDS,
    )


@get("/admin/needs-help", name="needs_help_settings")
async def thresholds_page(request: Request, viewer: ViewerDep) -> Response:
    ensure_admin(viewer)
    current = await needs_help.thresholds()
    return _thresholds_page(request, _with_seen(current), {}, request.query_params.get("saved"))


@post("/admin/needs-help", name="needs_help_settings_save", status_code=200)
async def thresholds_save(request: Request, viewer: ViewerDep) -> Response:
    ensure_admin(viewer)
    data = await read_form(request)
    form, errors = validate(ThresholdsForm, data)
    if form:
        new = {name: getattr(form, name) for name in needs_help.THRESHOLDS}
        seen = {
            name: getattr(form, f"seen_{name}")
            for name in needs_help.THRESHOLDS
            if getattr(form, f"seen_{name}") is not None
        }
        try:
            await needs_help.save_thresholds(viewer, new, seen)
            return redirect(request, "/admin/needs-help?saved=1")
        except needs_help.ThresholdError as exc:
            errors = exc.errors
            if "__all__" in errors:
                data = _with_seen(await needs_help.thresholds())
    return _thresholds_page(request, data, errors)


route_handlers = [overview, board_report, board_report_pdf, thresholds_page, thresholds_save]
nav = [
    NavItem(
        "Overview",
        "/overview",
        roles=("admin", "leader", "executive"),
        order=60,
        more_for=("executive",),
    )
]
