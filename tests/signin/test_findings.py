"""Findings of the security test (issue 18), each reproduced: calendar links after a password
change, unauthenticated 500s, forged log lines, CSRF tokens tied to the session."""

import logging
import re

from tests.conftest import CSRF_COOKIE, PASSWORD, World, post_form, sign_in


async def _calendar_path(client) -> str:
    page = await post_form(client, "/me/calendar", {"action": "create"})
    link = re.search(r'value="(http[^"]+\.ics)"', page.text).group(1)
    return "/" + link.split("/", 3)[3]


async def test_password_change_ends_the_calendar_link(client, make_client, world):
    await sign_in(client, World.EMAILS["member"])
    path = await _calendar_path(client)
    async with make_client() as anonymous:
        assert (await anonymous.get(path)).status_code == 200
        changed = await post_form(
            client,
            "/account/password",
            {
                "current": PASSWORD,
                "new": "a different long phrase",
                "confirm": "a different long phrase",
            },
        )
        assert changed.status_code == 303
        assert (await anonymous.get(path)).status_code == 404


async def test_admin_password_reset_ends_the_calendar_link(client, make_client, world, login):
    await login(client, "member")
    path = await _calendar_path(client)
    async with make_client() as admin, make_client() as anonymous:
        await login(admin, "admin")
        reset = await post_form(
            admin,
            f"/admin/people/{world.people['member']}/password",
            {"password": "a brand new passphrase"},
        )
        assert reset.status_code == 303
        assert (await anonymous.get(path)).status_code == 404


async def test_non_utf8_multipart_field_is_a_400_not_a_500(client, world):
    await client.get("/login")
    token = client.cookies.get(CSRF_COOKIE)
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="_csrf_token"\r\n\r\n'
        + token.encode()
        + b'\r\n--XyZ\r\nContent-Disposition: form-data; name="email"\r\n\r\n\xff\xfe\xfa\r\n--XyZ--\r\n'
    )
    response = await client.post(
        "/login", content=body, headers={"content-type": "multipart/form-data; boundary=XyZ"}
    )
    assert response.status_code == 400 and "Traceback" not in response.text
    # also before the CSRF token: the field that cannot be decoded comes first
    body = b'--XyZ\r\nContent-Disposition: form-data; name="email"\r\n\r\n\xff\xfe\r\n--XyZ--\r\n'
    response = await client.post(
        "/login", content=body, headers={"content-type": "multipart/form-data; boundary=XyZ"}
    )
    assert response.status_code in (400, 403)


async def test_odd_static_paths_are_404_not_500(client):
    for path in (
        "/static/css/app.css%00.js",
        "/static/css/app.css/x",
        "/static/%00",
        "/static/css/%2e%2e/%2e%2e/pyproject.toml",
    ):
        response = await client.get(path)
        assert response.status_code in (400, 404), path
        assert "Traceback" not in response.text
    assert (await client.get("/static/css/app.css")).status_code == 200


async def test_control_characters_cannot_forge_log_lines(client, world, caplog):
    with caplog.at_level(logging.WARNING, logger="rounds"):
        # refused (no CSRF token): the path is logged
        response = await client.post(
            "/meetings/1/items/1/x%0aWARNING%20rounds%20admin%20signed%20in%0d", data={}
        )
    assert response.status_code == 403
    lines = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("rounds"))
    assert lines, "the refused request is logged"
    assert "\n" not in lines and "\r" not in lines
    assert "\\n" in lines  # shown escaped, still readable


def _plant(client, token: str) -> None:
    """Put a CSRF cookie in the browser's jar, replacing the one the server set."""
    for cookie in list(client.cookies.jar):
        if cookie.name == CSRF_COOKIE:
            client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
    client.cookies.set(CSRF_COOKIE, token, domain="testserver.local", path="/")


async def test_csrf_token_is_renewed_at_sign_in(client, world):
    await client.get("/login")
    before = client.cookies.get(CSRF_COOKIE)
    await sign_in(client, World.EMAILS["member"])
    after = client.cookies.get(CSRF_COOKIE)
    assert before and after and before != after
    # the form token from before sign-in no longer works with the new session
    _plant(client, before)
    refused = await client.post("/session/keepalive", data={"_csrf_token": before})
    assert refused.status_code == 403
    _plant(client, after)
    assert (await client.post("/session/keepalive", data={"_csrf_token": after})).status_code == 204


async def test_csrf_token_of_another_session_is_refused(client, make_client, world):
    """A token is bound to its session: one taken from someone else's session (or planted in
    this browser's cookie) does not let a request through."""
    await sign_in(client, World.EMAILS["member"])
    async with make_client() as attacker:
        await sign_in(attacker, World.EMAILS["champion"])
        await attacker.get("/")
        theirs = attacker.cookies.get(CSRF_COOKIE)
    _plant(client, theirs)
    response = await client.post("/session/keepalive", data={"_csrf_token": theirs})
    assert response.status_code == 403
    response = await client.post("/session/keepalive", headers={"x-csrftoken": theirs})
    assert response.status_code == 403
    # this browser's next page gets a token for its own session again
    await client.get("/")
    mine = client.cookies.get(CSRF_COOKIE)
    assert mine != theirs
    assert (
        await client.post("/session/keepalive", headers={"x-csrftoken": mine})
    ).status_code == 204
