"""CSRF tokens tied to the session (replaces Litestar's CSRFMiddleware, whose tokens were not).

A token is `random.HMAC(key, random | session)`, where `session` is a hash of the session cookie
the browser sends (empty before sign-in). It is sent as a cookie and, by forms and htmx, as the
`_csrf_token` field or the `x-csrftoken` header; an unsafe request needs both, equal, and valid
for the session cookie of that same request. A token from before sign-in (or from another
person's session) therefore stops working when the session changes: sign-in and sign-out issue
a fresh one, and any page load with a token of another session gets a new one.

Templates keep using `csrf_input` / `csrf_token()` (Litestar reads them from the scope state).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from litestar._parsers import parse_cookie_string
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FIELD = "_csrf_token"
HEADER = b"x-csrftoken"


class CSRFTokens:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"rounds-csrf\0" + secret.encode()).digest()

    def _mac(self, nonce: str, session: str | None) -> str:
        bound = hashlib.sha256((session or "").encode()).hexdigest()
        return hmac.new(self._key, f"{nonce}|{bound}".encode(), hashlib.sha256).hexdigest()

    def new(self, session: str | None) -> str:
        nonce = secrets.token_hex(16)
        return f"{nonce}.{self._mac(nonce, session)}"

    def valid(self, token: str | None, session: str | None) -> bool:
        if not token or len(token) > 200 or "." not in token:
            return False
        nonce, mac = token.split(".", 1)
        return hmac.compare_digest(mac.encode(), self._mac(nonce, session).encode())


def cookie(name: str, token: str, *, secure: bool) -> Cookie:
    return Cookie(key=name, value=token, path="/", secure=secure, httponly=True, samesite="lax")


def _cookies(scope: Scope) -> dict[str, str]:
    """Litestar's lenient parser: one odd cookie (another app's, a hand-made one) must not hide
    the others, as http.cookies.SimpleCookie does."""
    headers = [
        value.decode("latin-1") for key, value in scope.get("headers", []) if key == b"cookie"
    ]
    return parse_cookie_string("; ".join(headers)) if headers else {}


def csrf_middleware_factory(
    tokens: CSRFTokens, *, cookie_name: str, session_cookie: str, secure: bool
):
    def csrf_middleware(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            handler = scope.get("route_handler")
            if scope["type"] != "http" or (handler and handler.opt.get("exclude_from_csrf")):
                await app(scope, receive, send)
                return
            jar = _cookies(scope)
            session = jar.get(session_cookie)
            current = jar.get(cookie_name)
            state = ScopeState.from_scope(scope)
            if scope["method"] in SAFE_METHODS:
                if tokens.valid(current, session):
                    state.csrf_token = current
                    await app(scope, receive, send)
                    return
                # No token yet, or one of another session (before sign-in, an ended session).
                fresh = state.csrf_token = tokens.new(session)

                async def send_with_cookie(message: Message) -> None:
                    if message["type"] == "http.response.start":
                        header = cookie(cookie_name, fresh, secure=secure).to_header(header="")
                        message["headers"] = [
                            *message.get("headers", []),
                            (b"set-cookie", header.encode("latin-1")),
                        ]
                    await send(message)

                await app(scope, receive, send_with_cookie)
                return
            submitted = dict(scope.get("headers", [])).get(HEADER, b"").decode("latin-1")
            if not submitted:
                request = scope["litestar_app"].request_class(scope=scope, receive=receive)
                content_type, _ = request.content_type
                if content_type in (
                    RequestEncodingType.URL_ENCODED,
                    RequestEncodingType.MULTI_PART,
                ):
                    value = (await request.form()).get(FIELD)
                    submitted = value if isinstance(value, str) else ""
            if (
                submitted
                and current
                and hmac.compare_digest(submitted.encode(), current.encode())
                and tokens.valid(current, session)
            ):
                state.csrf_token = current
                await app(scope, receive, send)
                return
            raise PermissionDeniedException("CSRF token verification failed")

        return middleware

    return csrf_middleware
