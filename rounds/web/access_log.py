"""One line per request on standard output: time, client, method, path, status, ms, request id,
worker process id.

Wraps the whole ASGI app (404s for unknown paths included). It never logs query strings (they
can hold search text or tokens) or cookies; path segments that look like secret tokens (the
calendar link) are replaced by ***; control characters are escaped so a request cannot forge
log lines. ROUNDS_LOG_FORMAT=json writes one JSON object per line instead.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from litestar.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("rounds.access")

_TOKEN_SEGMENT = re.compile(r"^[A-Za-z0-9_-]{24,}")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def escape(text: str) -> str:
    """Printable text only: control and other unprintable characters become \\xNN / \\uNNNN."""
    out = []
    for char in text:
        if char.isprintable() and char != "\\":
            out.append(char)
        elif char == "\\":
            out.append("\\\\")
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)


def safe_path(path: str) -> str:
    segments = [_TOKEN_SEGMENT.sub("***", segment) for segment in path.split("/")]
    return escape("/".join(segments)).replace(" ", "%20")


def request_id(scope: Scope) -> str:
    """The proxy's X-Request-ID when it is plain (nginx's $request_id), else a new one."""
    for key, value in scope.get("headers", []):
        if key == b"x-request-id":
            text = value.decode("latin-1")
            if _REQUEST_ID.match(text):
                return text
    return uuid.uuid4().hex


def _configure(json_format: bool) -> None:
    if log.handlers:
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def with_access_log(app: ASGIApp, *, json_format: bool = False) -> ASGIApp:
    _configure(json_format)

    async def logged(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = request_id(scope)
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            ms = (time.perf_counter() - started) * 1000
            client = scope.get("client")
            entry = {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "client": escape(client[0] if client else ""),
                "method": escape(scope.get("method", "")),
                "path": safe_path(scope.get("path", "")),
                "status": status or 500,  # no response started: the server answers 500
                "ms": round(ms, 1),
                "request_id": rid,
                "worker": os.getpid(),  # which server process answered (several workers)
            }
            if json_format:
                log.info(json.dumps(entry))
            else:
                log.info(
                    "{time} {client} {method} {path} {status} {ms}ms rid={request_id} pid={worker}".format(
                        **entry
                    )
                )

    return logged
