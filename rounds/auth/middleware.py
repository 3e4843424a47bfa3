"""Load the signed-in person (if any) for each request, from the session cookie."""

from __future__ import annotations

import os
from http.cookies import SimpleCookie

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from rounds import STATIC_PREFIX, db
from rounds.auth import sessions


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return (client[0] if client else "")[:64]


def session_middleware_factory(cookie_name: str, idle_seconds: int):
    def session_middleware(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if (
                scope["type"] != "http"
                or scope["path"].startswith(STATIC_PREFIX)
                or scope["path"] == "/healthz"
            ):
                await app(scope, receive, send)
                return
            counted = db.start_counting() if db.COUNT_QUERIES else None
            state = scope.setdefault("state", {})
            token = _cookie(scope, cookie_name)
            loaded = (
                await sessions.load(token, idle_seconds=idle_seconds, ip=client_ip(scope))
                if token
                else None
            )
            state["viewer"] = loaded.viewer if loaded else None
            state["session_token"] = token if loaded else None
            state["session_expires_in"] = loaded.expires_in if loaded else None

            async def send_with_expiry(message: Message) -> None:
                if message["type"] == "http.response.start":
                    extra = []
                    if state.get("session_expires_in") is not None:
                        extra.append(
                            (b"x-session-expires-in", str(state["session_expires_in"]).encode())
                        )
                    if counted is not None:  # the benchmark's counts: statements, worker
                        extra.append((b"x-query-count", str(counted[0]).encode()))
                        extra.append((b"x-worker", str(os.getpid()).encode()))
                    if extra:
                        message["headers"] = [*message.get("headers", []), *extra]
                await send(message)

            await app(scope, receive, send_with_expiry)

        return middleware

    return session_middleware


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                return None
            if name in jar:
                return jar[name].value
    return None
