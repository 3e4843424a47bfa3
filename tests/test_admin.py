"""Admin: units and people, team membership, conflicts, password resets."""

import re

from tests.conftest import PASSWORD, World, form_error, post_form, sign_in


def _version(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


async def test_create_person_with_temporary_password_shown_once(client, make_client, world, login):
    await login(client, "admin")
    response = await post_form(
        client,
        "/admin/people/new",
        {"display_name": "Nia Night", "email": "Nia@Test.org", "role": "member", "active": "on"},
    )
    assert response.status_code == 200
    temporary = re.search(r"<strong>([\w-]{12,})</strong>", response.text).group(1)
    async with make_client() as nia:
        await sign_in(nia, "nia@test.org", temporary)


async def test_person_form_errors_keep_input(client, world, login):
    await login(client, "admin")
    response = await post_form(
        client,
        "/admin/people/new",
        {
            "display_name": "<b>X</b>",
            "email": "not-an-email",
            "role": "member",
            "password": "short",
        },
    )
    assert response.status_code == 200
    assert form_error(response.text, "email") and form_error(response.text, "password")
    assert "&lt;b&gt;X&lt;/b&gt;" in response.text  # kept, escaped


async def test_duplicate_email_refused(client, world, login):
    await login(client, "admin")
    response = await post_form(
        client,
        "/admin/people/new",
        {
            "display_name": "Dup",
            "email": World.EMAILS["member"],
            "role": "member",
            "password": PASSWORD,
        },
    )
    assert "already uses this e-mail" in response.text


async def test_stale_unit_edit_refused(client, make_client, world, login):
    await login(client, "admin")
    page = await client.get(f"/admin/units/{world.unit_a}")
    version = _version(page.text)
    first = await post_form(
        client,
        f"/admin/units/{world.unit_a}",
        {
            "name": "Unit A ICU",
            "kind": "icu",
            "staff_headcount": "41",
            "active": "on",
            "version": version,
        },
    )
    assert first.status_code == 303
    second = await post_form(
        client,
        f"/admin/units/{world.unit_a}",
        {
            "name": "Unit A ICU",
            "kind": "icu",
            "staff_headcount": "99",
            "active": "on",
            "version": version,
        },
    )
    assert second.status_code == 200 and "Someone else changed this record" in second.text
    assert 'value="41"' in second.text


async def test_team_membership_and_leaders(client, world, login):
    await login(client, "admin")
    ok = await post_form(
        client,
        f"/admin/units/{world.unit_b}/members",
        {"person_id": world.people["member"], "unit_role": "member"},
    )
    assert ok.status_code == 303
    refused = await post_form(
        client,
        f"/admin/units/{world.unit_b}/members",
        {"person_id": world.people["leader"], "unit_role": "member"},
    )
    assert refused.status_code == 200 and "read-only" in refused.text


async def test_password_reset_ends_sessions(client, make_client, world, login):
    await login(client, "member")
    async with make_client() as admin:
        await login(admin, "admin")
        weak = await post_form(
            admin, f"/admin/people/{world.people['member']}/password", {"password": "short"}
        )
        assert "at least 12" in weak.text
        response = await post_form(
            admin,
            f"/admin/people/{world.people['member']}/password",
            {"password": "a brand new passphrase"},
        )
        assert response.status_code == 303
    assert (await client.get("/")).status_code == 303
    await sign_in(client, World.EMAILS["member"], "a brand new passphrase")


async def test_an_admin_cannot_reset_their_own_password_or_second_factor(client, world, login):
    """Found by the hostile-input suite: both ended the admin's own session mid-request (401).
    Refused with the reason; the admin stays signed in."""
    await login(client, "admin")
    me = world.people["admin"]
    r = await post_form(
        client, f"/admin/people/{me}/password", {"password": "a long new passphrase 42"}
    )
    assert r.status_code == 403 and "Change my password" in r.text
    r = await post_form(client, f"/admin/people/{me}/two-step/reset", {})
    assert r.status_code == 403 and "Another administrator" in r.text
    assert (await client.get("/")).status_code == 200
