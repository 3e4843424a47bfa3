"""Where to send a person after signing in: back to the page they were on, never elsewhere.

`next` travels in the login URL and form, so anyone can craft it; only a path on this site is
accepted. Browsers read `//host`, `/\\host` and `/<tab>/host` as another site, and a scheme
(`javascript:`, `https:`) leaves it, so all of those fall back to Home.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote, unquote, urlsplit

HOME = "/"
MAX_LENGTH = 500
# Pages a sign-in must not return to (a loop, or an action rather than a page).
NOT_A_DESTINATION = ("/login", "/logout", "/session/")


def safe_next(value: object) -> str:
    """`value` if it is a same-site relative path (with an optional query), else "/"."""
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return HOME
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value) or "\\" in value:
        return HOME  # browsers drop tabs and newlines and read "\" as "/": "/\t/x" is "//x"
    # Decoded once too, so "/%2F%2Fevil.example" cannot become "//evil.example" on the way.
    for form in (value, unquote(value)):
        if not form.startswith("/") or form.startswith("//") or "\\" in form:
            return HOME
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return HOME
    if value.split("?", 1)[0].startswith(NOT_A_DESTINATION):
        return HOME
    return value


def _same_site_path(url: str | None, host: str | None) -> str | None:
    """The path and query of `url` when it points at this site (HX-Current-URL, Referer)."""
    if not url or not host:
        return None
    parts = urlsplit(url)
    if parts.netloc.lower() != host.lower():
        return None
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def page_of(request) -> str:
    """The page the person was on when the request was made: the URL itself for a page load,
    the page behind it for htmx (HX-Current-URL) and for form posts (Referer)."""
    host = request.headers.get("host")
    # The raw header, not rounds.web.rendering.wants_fragment: auth sits below web (.importlinter),
    # and here any htmx request, boosted too, is made from the page named in HX-Current-URL.
    if request.method == "GET" and request.headers.get("hx-request") != "true":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return safe_next(target)
    for header in ("hx-current-url", "referer"):
        found = _same_site_path(request.headers.get(header), host)
        if found:
            return safe_next(found)
    return HOME


def login_url(next_path: str) -> str:
    """/login, with ?next= when there is somewhere to come back to."""
    next_path = safe_next(next_path)
    if next_path == HOME:
        return "/login"
    return "/login?next=" + quote(next_path, safe="/")


def outbox_owner(secret: str, person_id: int) -> str:
    """An opaque, stable id for one person, so the browser can keep each person's unsent
    concerns apart on a shared tablet without putting an e-mail or a database id in the page."""
    digest = hmac.new(secret.encode(), f"outbox:{person_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:24]
