"""Many people signing in from one address (a ward's tablets behind one hospital NAT) are never
blocked by the sign-in throttle; failures from that address still are."""

import pytest

from tests.conftest import PASSWORD, World, post_form

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` for a quick loop


async def _attempt(make_client, email, password):
    async with make_client() as c:
        return await post_form(c, "/login", {"email": email, "password": password, "next": "/"})


async def test_successful_sign_ins_from_one_address_are_never_blocked(
    app, make_client, world, settings
):
    limit = settings.login_max_failures * 4  # the per-address limit
    for i in range(limit + 5):
        who = World.EMAILS[("champion", "member", "executive")[i % 3]]
        response = await _attempt(make_client, who, PASSWORD)
        assert response.status_code == 303, f"sign-in {i + 1} from one address was refused"


async def test_failures_from_one_address_still_block_it(app, make_client, world, settings):
    limit = settings.login_max_failures * 4
    emails = [f"guess{i}@example.org" for i in range(limit)]
    for email in emails:
        await _attempt(make_client, email, "wrong password here")
    response = await _attempt(make_client, World.EMAILS["champion"], PASSWORD)
    assert response.status_code == 200 and "Too many failed attempts" in response.text
