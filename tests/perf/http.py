"""A small, cheap HTTP/1.1 client over asyncio streams (keep-alive, cookies, forms).

The load generator shares 2 cores with the server it measures, so it must cost far less per
request than the server does: no httpx here, just bytes on a socket. Also used by the
reliability suite.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """One keep-alive connection with its own cookie jar (one signed-in person)."""

    def __init__(self, host: str, port: int, *, timeout: float = 30):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._last_used = 0.0

    # uvicorn closes a kept-alive connection after 5 s idle; reconnect before that rather than
    # race the server's close with a request that cannot be safely retried (a POST).
    IDLE_RECONNECT = 4.0

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except Exception:
                pass
        self._reader = self._writer = None

    async def _connect(self) -> None:
        self._reader, self._writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port), self.timeout
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        retry: bool = True,
    ) -> Reply:
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Accept-Encoding: identity",
        ]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        for key, value in (headers or {}).items():
            lines.append(f"{key}: {value}")
        if body or method not in ("GET", "HEAD"):
            lines.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        started = time.perf_counter()
        if self._writer is not None and started - self._last_used > self.IDLE_RECONNECT:
            await self.close()
        try:
            if self._writer is None:
                await self._connect()
            self._writer.write(raw)
            reply = await asyncio.wait_for(self._read(), self.timeout)
        except (ConnectionError, asyncio.IncompleteReadError, OSError) as exc:
            await self.close()
            # A kept-alive connection the server closed while idle: reconnect once (GETs only).
            if retry and method == "GET" and not isinstance(exc, ConnectionRefusedError):
                return await self.request(method, path, body=body, headers=headers, retry=False)
            raise
        self._last_used = time.perf_counter()
        reply.seconds = self._last_used - started
        if reply.headers.get("connection", "").lower() == "close":
            await self.close()
        return reply

    async def _read(self) -> Reply:
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in header_lines:
            if not line:
                continue
            key, _, value = line.partition(":")
            key, value = key.strip().lower(), value.strip()
            if key == "set-cookie":
                self._set_cookie(value)
            headers[key] = value if key not in headers else headers[key] + ", " + value
        if "content-length" in headers:
            body = await self._reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self._reader.readuntil(b"\r\n")
                    break
                chunks.append(await self._reader.readexactly(size))
                await self._reader.readexactly(2)
            body = b"".join(chunks)
        elif status in (204, 304) or 100 <= status < 200:
            body = b""
        else:
            body = await self._reader.read()
            await self.close()
        return Reply(status, headers, body, 0.0)

    def _set_cookie(self, value: str) -> None:
        pair = value.split(";", 1)[0]
        name, _, val = pair.partition("=")
        name, val = name.strip(), val.strip().strip('"')
        if "max-age=0" in value.lower() or not val:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = val

    # --- conveniences -----------------------------------------------------------------------

    async def get(self, path: str, *, htmx: bool = False) -> Reply:
        return await self.request("GET", path, headers={"HX-Request": "true"} if htmx else None)

    async def post_form(self, path: str, data: dict | list, *, htmx: bool = False) -> Reply:
        body = urlencode(data, doseq=True).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if htmx:
            headers["HX-Request"] = "true"
        return await self.request("POST", path, body=body, headers=headers)

    @property
    def csrf_token(self) -> str:
        """The CSRF token forms must carry: Litestar's double-submit cookie value."""
        return next((v for k, v in self.cookies.items() if k.endswith("rounds_csrf")), "")

    async def sign_in(self, email: str, password: str) -> None:
        page = await self.get("/login")
        form = first_form(page.text, action="/login")
        data = {**(form.values if form else {}), "email": email, "password": password, "next": "/"}
        reply = await self.post_form("/login", data)
        if reply.status != 303:
            raise RuntimeError(f"sign-in failed for {email}: {reply.status}")


# --- forms in HTML ------------------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    values: dict[str, str] = field(default_factory=dict)  # every named field with its current value
    kinds: dict[str, str] = field(
        default_factory=dict
    )  # name -> input type / "textarea" / "select"
    options: dict[str, list[str]] = field(default_factory=dict)  # select/radio name -> values


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._current: Form | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._current = Form(
                action=a.get("action") or "", method=(a.get("method") or "get").lower()
            )
            self.forms.append(self._current)
            return
        form = self._current
        if form is None or not a.get("name"):
            if tag == "option" and form is not None and self._select:
                form.options.setdefault(self._select, []).append(a.get("value", ""))
                if "selected" in a or self._select not in form.values:
                    form.values[self._select] = a.get("value", "")
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            form.kinds[name] = kind
            if kind in ("checkbox", "radio"):
                form.options.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    form.values[name] = a.get("value", "on")
            elif kind == "date":
                # Browsers drop a value that is not a valid date (the value sanitisation algorithm).
                value = a.get("value", "")
                form.values[name] = value if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else ""
            else:
                form.values[name] = a.get("value", "")
        elif tag == "textarea":
            form.kinds[name] = "textarea"
            form.values[name] = ""
            self._textarea = name
        elif tag == "select":
            form.kinds[name] = "select"
            self._select = name

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._current is not None and self._textarea:
            self._current.values[self._textarea] += data


def forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def first_form(html: str, *, action: str | None = None, method: str | None = None) -> Form | None:
    for form in forms(html):
        if action is not None and form.action.split("?")[0] != action:
            continue
        if method is not None and form.method != method:
            continue
        return form
    return None


def fresh_key() -> str:
    return secrets.token_hex(16)


LINK = re.compile(r'href="(/[^"#]*)"')


def links(html: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in LINK.findall(html) if not h.startswith("/static")]
