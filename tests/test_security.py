"""Every route: needs a session (but login, health, static), refuses unsafe methods without a
CSRF token, and every page carries the security headers. Routes are enumerated from the app."""

import re

import pytest

from tests.conftest import World, post_form

# The only routes reachable without a session (the calendar feed is protected by its secret token).
PUBLIC = {
    "/login",
    "/login/code",
    "/login/sso",
    "/login/sso/callback",
    "/healthz",
    "/calendar/{token:str}.ics",
    "/calendar/{token:str}",
    # concerns from staff and families: the unit's form (secret token) and the reference page
    "/s/{unit_token:str}",
    "/c",
    "/c/{code:str}",
}


def _routes(app, *, public=False):
    for route in app.routes:
        if route.path.startswith("/static"):
            continue
        for handler in route.route_handlers:
            if bool(handler.opt.get("public")) != public:
                continue
            for method in handler.http_methods:
                if method in ("HEAD", "OPTIONS"):
                    continue
                yield route.path, method


def test_only_known_routes_are_public(app):
    assert {path for path, _ in _routes(app, public=True)} <= PUBLIC


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


# Session-required and CSRF checks over every route live in tests/hostile/test_routes.py.


async def test_security_headers_on_pages(app, client, world, login):
    await login(client, "admin")
    pages = ["/", "/admin", "/admin/audit", f"/units/{world.unit_a}", "/login", "/nope-404"]
    for url in pages:
        response = await client.get(url)
        headers = response.headers
        csp = headers["content-security-policy"]
        assert (
            "default-src 'self'" in csp
            and "frame-ancestors 'none'" in csp
            and "object-src 'none'" in csp
        )
        assert "unsafe-inline" not in csp and re.search(r"'nonce-[A-Za-z0-9_-]{16,}'", csp)
        assert headers["x-content-type-options"] == "nosniff"
        assert "max-age" in headers["strict-transport-security"]
        assert headers["referrer-policy"] == "same-origin"
        assert headers["cache-control"] == "no-store", url
    first = (await client.get("/")).headers["content-security-policy"]
    assert (
        first != (await client.get("/")).headers["content-security-policy"]
    )  # fresh nonce per response


async def test_static_files_cached_and_public(client):
    response = await client.get("/static/css/app.css")
    assert response.status_code == 200 and "max-age=31536000" in response.headers["cache-control"]


async def test_no_inline_scripts_or_styles(client, world, login):
    await login(client, "admin")
    for url in ["/", "/admin", "/admin/units/new", "/login"]:
        html = (await client.get(url)).text
        assert (
            "<script>" not in html
            and " style=" not in html
            and "<style" not in html
            and "onclick" not in html
        )


async def test_body_size_limit(client, world, login, settings):
    await login(client, "admin")
    big = "x" * (settings.max_body_bytes + 10)
    response = await post_form(client, "/admin/units/new", {"name": big})
    assert response.status_code == 413
    assert "too large" in response.text and "Traceback" not in response.text


async def test_friendly_404_without_trace(client, world, login):
    await login(client, "member")
    response = await client.get("/admin/units/999999")
    assert response.status_code in (403, 404)
    assert "Traceback" not in response.text


@pytest.mark.parametrize("who", ["member", "champion", "executive", "leader"])
async def test_only_admins_reach_admin(client, world, login, who):
    await login(client, who)
    assert (await client.get("/admin")).status_code == 403
    response = await post_form(client, "/admin/units/new", {"name": "Sneaky", "kind": "icu"})
    assert response.status_code == 403


async def test_healthz(client):
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}


async def test_healthz_503_when_database_unreachable(client, monkeypatch):
    from rounds import db

    async def broken(*args, **kwargs):
        raise ConnectionError("down")

    monkeypatch.setattr(db.current_engine(), "run_querystring", broken)
    response = await client.get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == "unreachable"


_ = World


async def test_htmx_redirect_after_post_is_200(client, world, login):
    await login(client, "admin")
    response = await post_form(
        client, "/admin/units/new", {"name": "Ward 12", "kind": "icu", "active": "on"}, htmx=True
    )
    assert response.status_code == 200 and response.headers["hx-redirect"].startswith(
        "/admin/units/"
    )
