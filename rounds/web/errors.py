"""Friendly error pages; never a stack trace. htmx requests get the same page (status 200 swap
is not wanted for errors, so they get HX-Retarget to the main area)."""

from __future__ import annotations

import logging
import re

from litestar import Request, Response
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from rounds.audit import service as audit
from rounds.auth.access import OtherUnitNotFound
from rounds.auth.redirects import login_url, page_of
from rounds.web.rendering import client_redirect, wants_fragment

log = logging.getLogger("rounds.errors")


class PasswordChangeRequired(HTTPException):
    """Signed in with a temporary password: every page but the change form sends them there."""

    status_code = 403
    detail = "Choose a new password first."


MESSAGES = {
    400: (
        "Something in that request was not right",
        "Go back, check what you entered, and try again.",
    ),
    403: (
        "You can't do that here",
        "Your role doesn't allow this action. Ask your unit champion or the patient-safety office if you think it should.",
    ),
    404: (
        "We couldn't find that page",
        "It may have moved, or it belongs to a unit you are not part of.",
    ),
    405: ("That action isn't available here", "Go back and use the buttons on the page."),
    413: (
        "That upload is too large",
        "Try a smaller file (the limit is shown next to the upload field).",
    ),
    429: ("Too many requests", "Wait a moment and try again."),
    500: (
        "Something went wrong on our side",
        "Nothing you typed was saved by this request. Try again in a moment; if it keeps happening, tell the patient-safety office.",
    ),
    503: ("Rounds is temporarily unavailable", "Try again in a moment."),
}


def _page(request: Request, status: int, detail: str | None = None, background=None) -> Response:
    title, hint = MESSAGES.get(status, MESSAGES[500] if status >= 500 else MESSAGES[400])
    if status == 403 and detail and detail != "Forbidden":
        hint = detail
    if detail and "csrf" in detail.lower():
        title, hint = (
            "This form had expired",
            "For your safety, forms expire. Go back, reload the page and submit again.",
        )
    viewer = request.scope.get("state", {}).get("viewer")
    response = Template(
        template_name="errors/page.html",
        context={"status": status, "title": title, "hint": hint, "viewer": viewer},
        status_code=status,
        background=background,
    )
    if wants_fragment(request):
        # htmx does not swap error responses by default; show the message in the main area.
        response.status_code = 200
        response.headers["HX-Retarget"] = "#main"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def _loggable(text: object) -> str:
    """Control characters escaped (a %0a in a path must not start a forged log line)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), str(text))


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class SecondFactorRequired(HTTPException):
    """Two-step sign-in is required for this person and not set up yet."""

    status_code = 403
    detail = "Set up two-step sign-in first."


def second_factor_required(request: Request, exc: Exception) -> Response:
    if wants_fragment(request):
        return client_redirect("/account/two-step")
    return Redirect(path="/account/two-step", status_code=303)


def not_signed_in(request: Request, exc: Exception) -> Response:
    login = login_url(page_of(request))
    if request.method != "GET" and wants_fragment(request):
        # A save from the page (htmx, or the capture outbox) after the session ended: answer
        # 401 rather than a redirect htmx would follow, so the page keeps what was typed and
        # the outbox keeps the item queued until the person signs in again (static/js/app.js).
        return Response(
            content={"signed_out": True, "login": login},
            status_code=401,
            headers={"X-Rounds-Signed-Out": "1", "X-Rounds-Login": login},
        )
    if wants_fragment(request):
        return client_redirect(login)
    return Redirect(path=login, status_code=303)


def password_change_required(request: Request, exc: Exception) -> Response:
    if wants_fragment(request):
        return client_redirect("/account/password")
    return Redirect(path="/account/password", status_code=303)


def http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code in (403, 413) or (exc.detail and "csrf" in str(exc.detail).lower()):
        # Refused requests are worth a line: CSRF failures and oversized bodies can be probing.
        log.warning(
            "refused %s %s: %s %s",
            request.method,
            _loggable(request.url.path),
            exc.status_code,
            _loggable(exc.detail),
        )
    return _page(request, exc.status_code, exc.detail, background=_audit_refusal(request, exc))


def _audit_refusal(request: Request, exc: HTTPException) -> BackgroundTask | None:
    """Refused actions and looks at other units' objects go in the audit log (rate-limited),
    after the answer is sent."""
    viewer = request.scope.get("state", {}).get("viewer")
    if viewer is None:
        return None
    details = {"method": request.method, "path": _loggable(request.url.path)[:300]}
    if isinstance(exc, OtherUnitNotFound):
        return BackgroundTask(
            audit.record_limited,
            viewer.actor,
            "probe",
            "request",
            unit_id=exc.unit_id,
            changes=details,
        )
    if exc.status_code == 403:
        details["reason"] = str(exc.detail)[:200]
        return BackgroundTask(
            audit.record_limited, viewer.actor, "refused", "request", changes=details
        )
    return None


def server_error(request: Request, exc: Exception) -> Response:
    log.exception(
        "Unhandled error on %s %s", request.method, _loggable(request.url.path), exc_info=exc
    )
    return _page(request, HTTP_500_INTERNAL_SERVER_ERROR)


def out_of_range(request: Request, exc: Exception) -> Response:
    """An id too large for the database column (a hand-typed or probing URL) names no row: 404,
    not a 500. SQLite raises OverflowError past 2**63; asyncpg a DataError past the column type."""
    return _page(request, 404)


def integrity_error(request: Request, exc: Exception) -> Response:
    """A foreign key or unique rule refused a write (e.g. a form naming a category that does not
    exist): nothing was saved; say so with a 400 instead of a 500. Services should validate
    first; this is the safety net, logged so the gap can be fixed."""
    log.warning(
        "integrity error on %s %s: %s", request.method, _loggable(request.url.path), _loggable(exc)
    )
    return _page(request, 400)


def undecodable(request: Request, exc: Exception) -> Response:
    """Bytes that are not UTF-8 in a form field (multipart parsing decodes them before any
    handler runs): the request is malformed, a 400."""
    log.warning("undecodable request body on %s %s", request.method, _loggable(request.url.path))
    return _page(request, 400)


def _database_data_errors() -> dict:
    import sqlite3

    handlers = {sqlite3.IntegrityError: integrity_error}
    try:
        from asyncpg.exceptions import DataError, IntegrityConstraintViolationError
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return handlers
    return {**handlers, DataError: out_of_range, IntegrityConstraintViolationError: integrity_error}


HANDLERS = {
    OverflowError: out_of_range,
    UnicodeDecodeError: undecodable,
    **_database_data_errors(),
    PasswordChangeRequired: password_change_required,
    SecondFactorRequired: second_factor_required,
    NotAuthorizedException: not_signed_in,
    NotFoundException: http_error,
    PermissionDeniedException: http_error,
    ValidationException: http_error,
    HTTPException: http_error,
    Exception: server_error,
}
