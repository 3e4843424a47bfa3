"""Every route needs a session (except sign-in, health, static files and the calendar feed, whose
URL carries its own secret), and every unsafe route refuses a request without a CSRF token.
Routes are enumerated from the app, with real object ids in their paths (taken over from
tests/test_security.py, which used id 1 everywhere)."""

from __future__ import annotations

import pytest

from tests.conftest import post_form
from tests.hostile.common import PUBLIC, fill, ids_for, route_table

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` for a quick loop

ROUTES = route_table()


def test_only_the_expected_routes_are_public():
    public = {p for p, m, opt in ROUTES if opt.get("public")}
    assert public <= PUBLIC, f"routes reachable without a session: {sorted(public - PUBLIC)}"


async def test_every_route_requires_a_session(app, client, world):
    ids = await ids_for(world)
    checked = 0
    for path, method, _opt in ROUTES:
        if path in PUBLIC or path.startswith("/static"):
            continue
        url = fill(path, ids)
        if method == "GET":
            response = await client.get(url)
            assert response.status_code == 303 and response.headers["location"].startswith(
                "/login"
            ), (method, path)
            # htmx requests are refused too (never a fragment of data)
            response = await client.get(url, headers={"HX-Request": "true"})
            assert response.status_code in (200, 303, 401) and "<tr" not in response.text, (
                method,
                path,
            )
        else:
            response = (
                await post_form(client, url)
                if method == "POST"
                else await client.request(method, url)
            )
            assert response.status_code in (303, 401, 403), (method, path, response.status_code)
        checked += 1
    assert checked >= 30


async def test_every_unsafe_route_refuses_a_missing_csrf_token(app, client, world, login):
    await login(client, "admin")
    ids = await ids_for(world)
    unsafe = [(p, m) for p, m, _ in ROUTES if m not in ("GET", "HEAD", "OPTIONS")]
    assert len(unsafe) >= 20
    for path, method in unsafe:
        url = fill(path, ids)
        response = await client.request(method, url, data={"x": "1"})
        assert response.status_code == 403, (method, path, response.status_code)
        assert "Traceback" not in response.text
        # a wrong token is refused as well
        response = await client.request(method, url, data={"_csrf_token": "forged"})
        assert response.status_code == 403, (method, path, response.status_code)
