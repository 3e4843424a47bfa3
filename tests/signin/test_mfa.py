"""Two-step sign-in (TOTP, RFC 6238) with one-time recovery codes: enrolment, sign-in, replay,
throttling, who must use it, and the admin's reset."""

import re
from contextlib import asynccontextmanager

import httpx
import pyotp
from asgi_lifespan import LifespanManager

from rounds.app import create_app
from rounds.auth.tables import PersonFactor, RecoveryCode
from rounds.core.tables import AuditEntry
from tests.conftest import PASSWORD, World, post_form, sign_in


def _secret(html: str) -> str:
    return re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)


async def _enrol(client, clock) -> tuple[str, list[str]]:
    page = await client.get("/account/two-step")
    assert page.status_code == 200 and "<svg" in page.text and 'aria-label="QR code' in page.text
    secret = _secret(page.text)
    again = await client.get("/account/two-step")  # a reload shows the same secret
    assert _secret(again.text) == secret
    wrong = await post_form(client, "/account/two-step", {"action": "confirm", "code": "000000"})
    assert "not right" in wrong.text
    done = await post_form(
        client,
        "/account/two-step",
        {"action": "confirm", "code": pyotp.TOTP(secret).at(clock.current)},
    )
    codes = re.findall(r"<li><code>([A-Z2-7]{5}-[A-Z2-7]{5})</code></li>", done.text)
    assert len(codes) == 10
    return secret, codes


async def _password_step(client, email: str):
    response = await post_form(
        client, "/login", {"email": email, "password": PASSWORD, "next": "/issues"}
    )
    assert response.status_code == 303 and response.headers["location"].startswith("/login/code")
    return response


async def test_enrol_then_sign_in_with_a_code(client, make_client, world, fake_clock):
    await sign_in(client, World.EMAILS["member"])
    secret, _ = await _enrol(client, fake_clock)
    stored = await PersonFactor.select().first()
    assert secret not in stored["secret"]  # encrypted at rest
    assert await AuditEntry.count().where(AuditEntry.changes.like("%second_factor%")) == 1
    fake_clock.advance(seconds=31)
    async with make_client() as tablet:
        await _password_step(tablet, World.EMAILS["member"])
        assert (await tablet.get("/")).status_code == 303  # no session yet
        page = await tablet.get("/login/code?next=/issues")
        assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.text
        wrong = await post_form(tablet, "/login/code", {"code": "123456", "next": "/issues"})
        assert wrong.status_code == 200 and "not right" in wrong.text
        code = pyotp.TOTP(secret).at(fake_clock.current)
        ok = await post_form(tablet, "/login/code", {"code": code, "next": "/issues"})
        assert ok.status_code == 303 and ok.headers["location"] == "/issues"
        assert (await tablet.get("/")).status_code == 200
        entry = (
            await AuditEntry.select()
            .where(AuditEntry.action == "sign_in")
            .order_by(AuditEntry.seq, ascending=False)
            .first()
        )
        assert '"totp"' in entry["changes"]
    # the same code does not work twice (another browser, same 30 seconds)
    async with make_client() as thief:
        await _password_step(thief, World.EMAILS["member"])
        replay = await post_form(thief, "/login/code", {"code": code, "next": "/"})
        assert "not right" in replay.text


async def test_recovery_codes_work_once(client, make_client, world, fake_clock):
    await sign_in(client, World.EMAILS["member"])
    _, codes = await _enrol(client, fake_clock)
    assert await RecoveryCode.count() == 10 and codes[0] not in str(await RecoveryCode.select())
    async with make_client() as tablet:
        await _password_step(tablet, World.EMAILS["member"])
        ok = await post_form(tablet, "/login/code", {"code": codes[0].lower(), "next": "/"})
        assert ok.status_code == 303
    async with make_client() as again:
        await _password_step(again, World.EMAILS["member"])
        used = await post_form(again, "/login/code", {"code": codes[0], "next": "/"})
        assert "not right" in used.text
    page = await client.get("/account/two-step")
    assert "9 recovery codes left" in page.text


async def test_code_guesses_are_throttled(client, make_client, world, fake_clock):
    await sign_in(client, World.EMAILS["member"])
    secret, _ = await _enrol(client, fake_clock)
    async with make_client() as thief:
        await _password_step(thief, World.EMAILS["member"])
        for i in range(5):
            await post_form(thief, "/login/code", {"code": f"{i:06d}", "next": "/"})
        fake_clock.advance(seconds=31)
        right = pyotp.TOTP(secret).at(fake_clock.current)
        blocked = await post_form(thief, "/login/code", {"code": right, "next": "/"})
        assert "Too many failed attempts" in blocked.text


async def test_the_code_step_expires(client, make_client, world, fake_clock):
    await sign_in(client, World.EMAILS["member"])
    secret, _ = await _enrol(client, fake_clock)
    async with make_client() as tablet:
        await _password_step(tablet, World.EMAILS["member"])
        fake_clock.advance(minutes=6)
        late = await post_form(
            tablet, "/login/code", {"code": pyotp.TOTP(secret).at(fake_clock.current), "next": "/"}
        )
        assert late.status_code == 303 and late.headers["location"].startswith("/login")
        assert (await tablet.get("/")).status_code == 303


@asynccontextmanager
async def _app_with(settings, engine, **changes):
    application = create_app(settings.model_copy(update=changes), engine=engine)
    async with LifespanManager(application):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="http://testserver"
        ) as c:
            yield c


async def test_required_for_admins_in_production(settings, engine, world, fake_clock):
    async with _app_with(settings, engine, mode="production") as admin:
        await sign_in(admin, World.EMAILS["admin"])
        home = await admin.get("/admin")
        assert home.status_code == 303 and home.headers["location"] == "/account/two-step"
        page = await admin.get("/account/two-step")
        assert "Set it up to continue" in page.text and "Turn off" not in page.text
        await _enrol(admin, fake_clock)
        assert (await admin.get("/admin")).status_code == 200
    async with _app_with(settings, engine, mode="production") as member:
        await sign_in(member, World.EMAILS["member"])
        assert (await member.get("/")).status_code == 200  # others: optional


async def test_a_setting_requires_it_for_everyone(settings, engine, world):
    async with _app_with(settings, engine, mfa_for_everyone=True) as member:
        await sign_in(member, World.EMAILS["member"])
        response = await member.get("/issues", headers={"HX-Request": "true"})
        assert response.headers.get("hx-redirect") == "/account/two-step"


async def test_admin_resets_a_second_factor(client, make_client, world, login, fake_clock):
    await sign_in(client, World.EMAILS["member"])
    await _enrol(client, fake_clock)
    async with make_client() as admin:
        await login(admin, "admin")
        page = await admin.get(f"/admin/people/{world.people['member']}")
        assert "Reset two-step sign-in" in page.text
        async with make_client() as other:
            await login(other, "champion")
            refused = await post_form(
                other, f"/admin/people/{world.people['member']}/two-step/reset"
            )
            assert refused.status_code == 403
        done = await post_form(admin, f"/admin/people/{world.people['member']}/two-step/reset")
        assert done.status_code == 303
    assert await PersonFactor.count() == 0 and await RecoveryCode.count() == 0
    assert (await client.get("/")).status_code == 303  # their sessions ended
    entry = await AuditEntry.select().where(AuditEntry.changes.like("%reset by an admin%")).first()
    assert entry["actor_id"] == world.people["admin"]
    # back to password only, until they set it up again
    await sign_in(client, World.EMAILS["member"])
    assert (await client.get("/")).status_code == 200


async def test_turning_off_and_new_codes_need_a_code(client, world, fake_clock):
    await sign_in(client, World.EMAILS["member"])
    secret, old_codes = await _enrol(client, fake_clock)
    refused = await post_form(client, "/account/two-step", {"action": "codes", "code": "999999"})
    assert "not right" in refused.text
    fresh = await post_form(client, "/account/two-step", {"action": "codes", "code": old_codes[1]})
    assert len(re.findall(r"<li><code>", fresh.text)) == 10 and old_codes[2] not in fresh.text
    fake_clock.advance(seconds=31)
    off = await post_form(
        client,
        "/account/two-step",
        {"action": "off", "code": pyotp.TOTP(secret).at(fake_clock.current)},
    )
    assert off.status_code == 303 and await PersonFactor.count() == 0
