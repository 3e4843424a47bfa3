"""The sign-in throttle with device cookies (issue 18): a browser where a person signed in
before is not slowed by other people's failures; unknown browsers still are."""

from contextlib import asynccontextmanager

from rounds.auth import throttle
from tests.conftest import PASSWORD, World, post_form, sign_in

DEVICE_COOKIE = "rounds_device"


async def _fail(client, email: str, n: int = 1) -> None:
    for _ in range(n):
        await post_form(client, "/login", {"email": email, "password": "wrong-password-x"})


async def _attempt(client, email: str):
    return await post_form(client, "/login", {"email": email, "password": PASSWORD})


@asynccontextmanager
async def _signed_in_before(make_client, who: str):
    """A browser in which `who` signed in and out again: it keeps its device cookie."""
    async with make_client() as tablet:
        await sign_in(tablet, World.EMAILS[who])
        assert tablet.cookies.get(DEVICE_COOKIE)
        await post_form(tablet, "/logout")
        yield tablet


async def test_a_ward_address_flooded_with_made_up_emails_still_lets_known_browsers_in(
    client, make_client, world
):
    async with _signed_in_before(make_client, "member") as tablet:
        await _fail(client, "guess-nobody@test.org", 0)
        for i in range(20):  # someone behind the same hospital address, made-up e-mails
            await _fail(client, f"guess{i}@test.org")
        # an unknown browser from that address is still slowed
        async with make_client() as stranger:
            blocked = await _attempt(stranger, World.EMAILS["member"])
            assert "Too many failed attempts" in blocked.text
        # the ward tablet where this person signed in before is not
        ok = await _attempt(tablet, World.EMAILS["member"])
        assert ok.status_code == 303, ok.text[:300]
        # ...but it is trusted only for the people who signed in on it
        other = await _attempt(tablet, World.EMAILS["champion"])
        assert "Too many failed attempts" in other.text


async def test_guessing_from_many_addresses_does_not_pause_a_known_browser(
    client, make_client, world
):
    async with _signed_in_before(make_client, "member") as tablet:
        for i in range(8):
            await throttle.count_attempt(
                World.EMAILS["member"], f"10.0.0.{i}", max_failures=5, lockout_minutes=15
            )
        paused = await _attempt(client, World.EMAILS["member"])  # a browser never used before
        assert "Try again in" in paused.text
        assert (await _attempt(tablet, World.EMAILS["member"])).status_code == 303


async def test_a_known_browser_guessing_is_blocked_on_its_own_counter(
    make_client, world, fake_clock
):
    async with _signed_in_before(make_client, "member") as tablet:
        await _fail(tablet, World.EMAILS["member"], 5)
        blocked = await _attempt(tablet, World.EMAILS["member"])
        assert "Too many failed attempts" in blocked.text
        fake_clock.advance(minutes=16)
        assert (await _attempt(tablet, World.EMAILS["member"])).status_code == 303
    # its failures did not count against the address or the account
    async with make_client() as other:
        assert (await _attempt(other, World.EMAILS["member"])).status_code == 303


async def test_a_forged_device_cookie_is_not_trusted(client, make_client, world):
    async with _signed_in_before(make_client, "member") as tablet:
        genuine = tablet.cookies.get(DEVICE_COOKIE)
    for i in range(20):
        await _fail(client, f"guess{i}@test.org")
    payload, signature = genuine.rsplit(".", 1)
    for forged in (payload + "." + "0" * 64, "e30." + signature, "garbage"):
        async with make_client() as attacker:
            attacker.cookies.set(DEVICE_COOKIE, forged)
            response = await _attempt(attacker, World.EMAILS["member"])
            assert "Too many failed attempts" in response.text, forged


async def test_device_cookie_is_http_only_and_names_no_email(client, world):
    response = await sign_in(client, World.EMAILS["member"])
    header = [
        v
        for k, v in response.headers.multi_items()
        if k == "set-cookie" and v.startswith(DEVICE_COOKIE)
    ][0]
    assert "HttpOnly" in header and "SameSite=lax" in header.replace("Lax", "lax")
    import base64

    payload = client.cookies.get(DEVICE_COOKIE).rsplit(".", 1)[0]
    assert b"member" not in base64.urlsafe_b64decode(payload.encode() + b"=" * (-len(payload) % 4))
