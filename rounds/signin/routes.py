"""Signing in (password, two-step code, single sign-on), out, and the "Stay signed in" keep-alive."""

from __future__ import annotations

import hmac
import logging
from urllib.parse import quote

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Response, Template

from rounds.auth import device, mfa, service, sso
from rounds.auth.device import DeviceCookies
from rounds.auth.middleware import client_ip
from rounds.auth.redirects import safe_next
from rounds.web import csrf
from rounds.web.errors import _loggable
from rounds.web.forms import read_form
from rounds.web.params import ViewerDep

log = logging.getLogger("rounds.auth")


def _safe_next(value: str | None) -> str:
    """Only local paths, so the login page cannot be used to send people elsewhere."""
    return safe_next(value)


def _set_session_cookie(response: Response, request: Request, token: str | None) -> None:
    settings = request.app.state.settings
    name = request.app.state.session_cookie
    # A new session gets a new CSRF token bound to it: forms from before it stop working.
    response.cookies.append(
        csrf.cookie(
            request.app.state.csrf_cookie,
            request.app.state.csrf_tokens.new(token),
            secure=settings.cookie_secure,
        )
    )
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
    devices, device_cookie = _devices(request)
    result = await service.sign_in(
        email,
        password,
        ip=client_ip(request.scope),
        user_agent=request.headers.get("user-agent", ""),
        settings=request.app.state.settings,
        device=devices.trusted_for(device_cookie, email),
    )
    if result.error:
        return Template(
            template_name="auth/login.html",
            context={"next": next_path, "email": email, "error": result.error},
        )
    if result.code_needed_for:
        response = Redirect(path=f"/login/code?next={quote(next_path)}", status_code=303)
        _set_pending_cookie(response, request, mfa.pending_token(result.code_needed_for))
        return response
    response = Redirect(path=next_path, status_code=303)
    _set_session_cookie(response, request, result.token)
    _remember_device(response, request, email)
    return response


PENDING_COOKIE = "rounds_signin_step"


def _set_pending_cookie(response: Response, request: Request, value: str) -> None:
    response.set_cookie(
        key=("__Host-" if request.app.state.settings.cookie_secure else "") + PENDING_COOKIE,
        value=value,
        path="/",
        secure=request.app.state.settings.cookie_secure,
        httponly=True,
        samesite="lax",
        max_age=mfa.PENDING_SECONDS if value else 0,
    )


def _pending_person(request: Request) -> int | None:
    prefix = "__Host-" if request.app.state.settings.cookie_secure else ""
    return mfa.pending_person(request.cookies.get(prefix + PENDING_COOKIE))


@get("/login/code", opt={"public": True}, name="login_code")
async def code_page(request: Request) -> Response:
    next_path = _safe_next(request.query_params.get("next"))
    if _pending_person(request) is None:
        return Redirect(path=f"/login?next={quote(next_path)}", status_code=303)
    return Template(template_name="auth/code.html", context={"next": next_path, "error": None})


@post("/login/code", opt={"public": True})
async def code_submit(request: Request) -> Response:
    form = await read_form(request)
    next_path = _safe_next(str(form.get("next", "/")))
    person_id = _pending_person(request)
    if person_id is None:
        # Took longer than five minutes: start again with the password.
        return Redirect(path=f"/login?next={quote(next_path)}", status_code=303)
    code = str(form.get("code", ""))[:64]
    if not code.strip():
        error = "Type the 6-digit code from your authenticator app."
        return Template(template_name="auth/code.html", context={"next": next_path, "error": error})
    result = await service.second_step(
        person_id,
        code,
        ip=client_ip(request.scope),
        user_agent=request.headers.get("user-agent", ""),
        settings=request.app.state.settings,
    )
    if result.error:
        return Template(
            template_name="auth/code.html", context={"next": next_path, "error": result.error}
        )
    response = Redirect(path=next_path, status_code=303)
    _set_session_cookie(response, request, result.token)
    _set_pending_cookie(response, request, "")
    email = await service.email_of(person_id)
    _remember_device(response, request, email)
    return response


@get(
    "/account/two-step",
    name="two_step",
    opt={"allowed_before_password_change": True, "allowed_before_second_factor": True},
)
async def two_step_page(request: Request, viewer: ViewerDep) -> Response:
    return await _two_step(request, viewer)


async def _two_step(
    request: Request,
    viewer,
    *,
    error: str | None = None,
    codes: list[str] | None = None,
    replacing: bool = False,
) -> Response:
    enrolled = await mfa.is_enrolled(viewer.id)
    settings = request.app.state.settings
    context = {
        "viewer": viewer,
        "enrolled": enrolled,
        "required": mfa.required(settings, viewer.role),
        "sso": viewer.sign_in_method == "sso",
        "error": error,
        "codes": codes,
        "codes_left": await mfa.recovery_codes_left(viewer.id) if enrolled else 0,
        "setup": None,
        "done": request.query_params.get("done"),
    }
    if not codes and (not enrolled or replacing or request.query_params.get("replace")):
        context["setup"] = await mfa.enrolment(viewer.id, viewer.email)
    return Template(template_name="auth/two_step.html", context=context)


@post(
    "/account/two-step",
    opt={"allowed_before_password_change": True, "allowed_before_second_factor": True},
)
async def two_step_submit(request: Request, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    action = str(form.get("action", ""))
    code = str(form.get("code", ""))[:64]
    if action == "confirm":
        # Moving to a new phone: the old authenticator (or a recovery code) says it is them.
        if await mfa.is_enrolled(viewer.id) and (
            await mfa.check(viewer.id, str(form.get("current", ""))[:64]) is None
        ):
            return await _two_step(request, viewer, error=service.WRONG_CODE, replacing=True)
        codes = await mfa.confirm(viewer, code)
        if codes is None:
            return await _two_step(request, viewer, error=service.WRONG_CODE_SETUP, replacing=True)
        return await _two_step(request, viewer, codes=codes)
    # Changing an authenticator that is on needs a code from it (or a recovery code).
    if await mfa.check(viewer.id, code) is None:
        return await _two_step(request, viewer, error=service.WRONG_CODE)
    if action == "codes":
        return await _two_step(request, viewer, codes=await mfa.new_recovery_codes(viewer))
    if action == "off" and not mfa.required(request.app.state.settings, viewer.role):
        await mfa.turn_off(viewer)
        return Redirect(path="/account/two-step?done=off", status_code=303)
    return Redirect(path="/account/two-step", status_code=303)


def _devices(request: Request) -> tuple[DeviceCookies, str | None]:
    devices: DeviceCookies = request.app.state.device_cookies
    return devices, request.cookies.get(request.app.state.device_cookie)


def _remember_device(response: Response, request: Request, email: str) -> None:
    """After a successful sign-in this browser is trusted for this person (throttle.py)."""
    devices, current = _devices(request)
    response.set_cookie(
        key=request.app.state.device_cookie,
        value=devices.remember(current, email),
        path="/",
        secure=request.app.state.settings.cookie_secure,
        httponly=True,
        samesite="lax",
        max_age=device.MAX_AGE_DAYS * 86400,
    )


SSO_COOKIE = "rounds_sso"


def _sso_cookie_name(request: Request) -> str:
    return ("__Host-" if request.app.state.settings.cookie_secure else "") + SSO_COOKIE


def _set_sso_cookie(response: Response, request: Request, value: str) -> None:
    response.set_cookie(
        key=_sso_cookie_name(request),
        value=value,
        path="/",
        secure=request.app.state.settings.cookie_secure,
        httponly=True,
        samesite="lax",  # sent on the provider's top-level redirect back to us
        max_age=sso.FLOW_SECONDS if value else 0,
    )


def _login_error(next_path: str, error: str) -> Template:
    return Template(
        template_name="auth/login.html",
        context={"next": next_path, "email": "", "error": error},
    )


def _base(request: Request) -> str:
    return request.app.state.settings.link_base(str(request.base_url))


@get("/login/sso", opt={"public": True}, name="sso_start")
async def sso_start(request: Request) -> Response:
    settings = request.app.state.settings
    next_path = _safe_next(request.query_params.get("next"))
    if not settings.sso_enabled:
        raise NotFoundException()
    try:
        url, flow = await sso.start(settings, _base(request), next_path)
    except sso.SSOError as exc:
        log.warning("single sign-on could not start: %s", exc)
        return _login_error(next_path, f"Single sign-on is not available right now. {exc}")
    response = Redirect(path=url, status_code=303)
    _set_sso_cookie(response, request, sso.seal(flow, settings.resolved_secret_key()))
    return response


@get(sso.CALLBACK, opt={"public": True}, name="sso_callback")
async def sso_callback(request: Request) -> Response:
    settings = request.app.state.settings
    if not settings.sso_enabled:
        raise NotFoundException()
    flow = sso.unseal(
        request.cookies.get(_sso_cookie_name(request)), settings.resolved_secret_key()
    )
    query = request.query_params
    state, code = str(query.get("state", ""))[:200], str(query.get("code", ""))[:2000]
    next_path = flow.next if flow else "/"
    error = None
    if query.get("error"):
        error = f"Your hospital account did not sign you in ({str(query.get('error'))[:60]})."
    elif flow is None or not state or not hmac.compare_digest(state.encode(), flow.state.encode()):
        # Not started in this browser, started more than 10 minutes ago, or a tampered link.
        error = "That sign-in link is not valid here (it may have expired). Start again."
    elif not code:
        error = "The identity provider sent no sign-in code. Start again."
    email = ""
    if error is None and flow is not None:
        try:
            email = await sso.finish(settings, _base(request), flow, code=code)
        except sso.SSOError as exc:
            error = str(exc)
    if error is not None or not email:
        log.warning("single sign-on refused: %s", _loggable(error))
        response = _login_error(next_path, error or "Start again.")
        _set_sso_cookie(response, request, "")  # the flow is used up, whatever happened
        return response
    old = request.scope["state"].get("session_token")
    if old:
        await service.sign_out(old, None)
    result = await service.sso_sign_in(
        email,
        ip=client_ip(request.scope),
        user_agent=request.headers.get("user-agent", ""),
        settings=settings,
    )
    if result.error:
        response = _login_error(next_path, result.error)
    else:
        response = Redirect(path=next_path, status_code=303)
        _set_session_cookie(response, request, result.token)
    _set_sso_cookie(response, request, "")
    return response


@post(
    "/logout",
    name="logout",
    opt={"allowed_before_password_change": True, "allowed_before_second_factor": True},
)
async def logout(request: Request, viewer: ViewerDep) -> Response:
    await service.sign_out(request.scope["state"].get("session_token"), viewer.actor)
    signed_out = "1"
    settings = request.app.state.settings
    if viewer.sign_in_method == "sso" and settings.sso_enabled:
        # Rounds' session has ended; the sign-in page offers the provider's sign-out too.
        try:
            await sso.provider(settings)
            signed_out = "sso"
        except sso.SSOError:
            pass
    response = Redirect(path=f"/login?signed_out={signed_out}", status_code=303)
    _set_session_cookie(response, request, None)
    return response


@post(
    "/session/keepalive",
    name="keepalive",
    opt={"allowed_before_password_change": True, "allowed_before_second_factor": True},
)
async def keepalive(request: Request, viewer: ViewerDep) -> Response:
    """The "Stay signed in" button: any authenticated request renews the idle timer."""
    from rounds.auth import sessions

    await sessions.touch_by_token(request.scope["state"]["session_token"])
    request.scope["state"]["session_expires_in"] = request.app.state.settings.idle_timeout_seconds
    return Response(content="", status_code=204)


@get(
    "/account/password",
    name="change_password",
    opt={"allowed_before_password_change": True, "allowed_before_second_factor": True},
)
async def password_page(request: Request, viewer: ViewerDep) -> Response:
    return Template(
        template_name="auth/password.html",
        context={"errors": {}, "done": request.query_params.get("done"), "viewer": viewer},
    )


@post(
    "/account/password",
    opt={"allowed_before_password_change": True, "allowed_before_second_factor": True},
)
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


route_handlers = [
    login_page,
    login_submit,
    code_page,
    code_submit,
    logout,
    keepalive,
    password_page,
    password_submit,
    two_step_page,
    two_step_submit,
    sso_start,
    sso_callback,
]
