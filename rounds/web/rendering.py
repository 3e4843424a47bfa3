"""One URL serves the full page or, for htmx, just the fragment that changes."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template


def wants_fragment(request: Request) -> bool:
    """True for a plain htmx request; boosted and history-restore requests want the page."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-boosted") != "true"
        and headers.get("hx-history-restore-request") != "true"
    )


def render(
    request: Request,
    template: str,
    /,
    *,
    fragment: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> Template:
    """Render `template` (a whole page), or `fragment` when htmx asks for a part of the page."""
    name = fragment if fragment and wants_fragment(request) else template
    context.setdefault("viewer", request.scope.get("state", {}).get("viewer"))
    return Template(template_name=name, context=context, status_code=status_code)


def redirect(request: Request, path: str) -> Redirect | ClientRedirect:
    """After a successful POST: 303 for browsers, HX-Redirect for htmx (htmx ignores 3xx targets)."""
    if wants_fragment(request):
        return client_redirect(path)
    return Redirect(path=path, status_code=303)


def client_redirect(path: str) -> ClientRedirect:
    """HX-Redirect with an explicit 200: without it a POST handler's default 201 is used."""
    response = ClientRedirect(redirect_to=path)
    response.status_code = 200
    return response


def render_to_string(request: Request, template: str, /, **context: Any) -> str:
    """The HTML of `template`, for what is not sent as a page (the board report's PDF)."""
    engine = request.app.template_engine
    if engine is None:
        raise RuntimeError("the app has no template engine")
    return engine.get_template(template).render(**context)
