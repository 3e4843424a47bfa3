"""Security headers on every response (404s for unknown paths included, which is why this is a
`before_send` hook rather than route middleware), with a fresh CSP nonce per response."""

from __future__ import annotations

import secrets

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

STATIC_PREFIX = "/static/"


def csp(nonce: str) -> str:
    return (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        f"style-src 'self' 'nonce-{nonce}'; "
        "img-src 'self' data:; "
        "connect-src 'self'; "
        "form-action 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )


def nonce_for(scope: Scope) -> str:
    state = scope.setdefault("state", {})
    if "csp_nonce" not in state:
        state["csp_nonce"] = secrets.token_urlsafe(16)
    return state["csp_nonce"]


async def add_security_headers(message: Message, scope: Scope) -> None:
    if scope["type"] != "http" or message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    headers["Content-Security-Policy"] = csp(nonce_for(scope))
    headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not scope["path"].startswith(STATIC_PREFIX):
        # Confidential pages: never stored by the browser or a proxy.
        headers["Cache-Control"] = "no-store"
