"""Security headers on every response (404s for unknown paths included, which is why this is a
`before_send` hook rather than route middleware), with a fresh CSP nonce per response."""

from __future__ import annotations

import secrets

from litestar.types import Message, Scope

from rounds import STATIC_PREFIX


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


_FIXED = [
    (b"strict-transport-security", b"max-age=63072000; includeSubDomains"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
_NO_STORE = (b"cache-control", b"no-store")
_OURS = frozenset({name for name, _ in _FIXED} | {b"content-security-policy"})
_OURS_ON_PAGES = _OURS | {b"cache-control"}


async def add_security_headers(message: Message, scope: Scope) -> None:
    if scope["type"] != "http" or message["type"] != "http.response.start":
        return
    # One pass over the raw header list (these run on every response): ours replace any the
    # handler set, and Cache-Control is only overridden on pages, not on static files.
    static = scope["path"].startswith(STATIC_PREFIX)
    replace = _OURS if static else _OURS_ON_PAGES
    headers = [
        (name, value) for name, value in message.get("headers", ()) if name.lower() not in replace
    ]
    headers.append((b"content-security-policy", csp(nonce_for(scope)).encode()))
    headers.extend(_FIXED)
    if not static:
        # Confidential pages: never stored by the browser or a proxy.
        headers.append(_NO_STORE)
    message["headers"] = headers
