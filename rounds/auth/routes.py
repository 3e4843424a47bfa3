"""/login, /logout and the "Stay signed in" keep-alive."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Response, Template

from rounds.auth import service
from rounds.auth.middleware import client_ip
from rounds.auth.redirects import safe_next
from rounds.web.forms import read_form
from rounds.web.params import ViewerDep


def _safe_next(value: str | None) -> str:
    """Only local paths, so the login page cannot be used to send people elsewhere."""
    return safe_next(value)


def _set_session_cookie(response: Response, request: Request, token: str | None) -> None:
    settings = request.app.state.settings
    name = request.app.state.session_cookie
    if token:
        response.set_cookie(
            key=name,
            value=token,
            path="/",
            secure=settings.cookie_secure,
            httponly=True,
            samesite="lax",
            max_age=settings.absolute_timeout_seconds,
        )
    else:
        # Same attributes as when set: browsers ignore a deletion of a __Host- cookie without Secure.
        response.set_cookie(
            key=name,
            value="",
            path="/",
            secure=settings.cookie_secure,
            httponly=True,
            samesite="lax",
            max_age=0,
        )


@get("/login", opt={"public": True}, name="login")
async def login_page(request: Request) -> Response:
    if request.scope["state"].get("viewer") is not None:
        return Redirect(path=_safe_next(request.query_params.get("next")), status_code=303)
    return Template(
        template_name="auth/login.html",
        context={"next": _safe_next(request.query_params.get("next")), "email": "", "error": None},
    )


@post("/login", opt={"public": True})
async def login_submit(request: Request) -> Response:
    form = await read_form(request)
    email = str(form.get("email", ""))[:320]
    password = str(form.get("password", ""))[:1024]
    next_path = _safe_next(str(form.get("next", "/")))
    if not email.strip() or not password:
        return Template(
            template_name="auth/login.html",
            context={"next": next_path, "email": email, "error": "Enter your e-mail and password."},
        )
    # A fresh session id at every sign-in: any old session cookie is ended first.
    old = request.scope["state"].get("session_token")
    if old:
        await service.sign_out(old, None)
    result = await service.sign_in(
        email,
        password,
        ip=client_ip(request.scope),
        user_agent=request.headers.get("user-agent", ""),
        settings=request.app.state.settings,
    )
    if result.error:
        return Template(
            template_name="auth/login.html",
            context={"next": next_path, "email": email, "error": result.error},
        )
    response = Redirect(path=next_path, status_code=303)
    _set_session_cookie(response, request, result.token)
    return response


@post("/logout", name="logout", opt={"allowed_before_password_change": True})
async def logout(request: Request, viewer: ViewerDep) -> Response:
    await service.sign_out(request.scope["state"].get("session_token"), viewer.actor)
    response = Redirect(path="/login?signed_out=1", status_code=303)
    _set_session_cookie(response, request, None)
    return response


@post("/session/keepalive", name="keepalive", opt={"allowed_before_password_change": True})
async def keepalive(request: Request, viewer: ViewerDep) -> Response:
    """The "Stay signed in" button: any authenticated request renews the idle timer."""
    from rounds.auth import sessions

    await sessions.touch_by_token(request.scope["state"]["session_token"])
    request.scope["state"]["session_expires_in"] = request.app.state.settings.idle_timeout_seconds
    return Response(content="", status_code=204)


@get("/account/password", name="change_password", opt={"allowed_before_password_change": True})
async def password_page(request: Request, viewer: ViewerDep) -> Response:
    return Template(
        template_name="auth/password.html",
        context={"errors": {}, "done": request.query_params.get("done"), "viewer": viewer},
    )


@post("/account/password", opt={"allowed_before_password_change": True})
async def password_submit(request: Request, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    errors = await service.change_password(
        viewer,
        current=str(form.get("current", "")),
        new=str(form.get("new", "")),
        confirm=str(form.get("confirm", "")),
        keep_token=request.scope["state"].get("session_token"),
    )
    if errors:
        return Template(
            template_name="auth/password.html",
            context={"errors": errors, "done": None, "viewer": viewer},
        )
    return Redirect(path="/account/password?done=1", status_code=303)


route_handlers = [login_page, login_submit, logout, keepalive, password_page, password_submit]
