"""The server side of the capture outbox (issue 11): where a sign-in returns to (`next`, never
another site), a save after the session ended answered so the browser keeps it, the
acknowledgement the outbox waits for, and the opaque per-person id the page exposes."""

import pytest

from rounds.auth.redirects import login_url, outbox_owner, safe_next
from tests.conftest import World, post_form, sign_in
from tests.rounding.helpers import make_round

GOOD = ["/", "/rounds/5/run", "/issues?unit=1&status=open", "/units/3/issues/new?source=huddle"]
OPEN_REDIRECTS = [
    "",
    "https://evil.example/",
    "http:evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    " /rounds",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "/%5Cevil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,hi",
    "evil.example",
    "rounds/5/run",
    "/login?next=//evil.example",
    "/logout",
    "/" + "a" * 600,
]


@pytest.mark.parametrize("value", GOOD)
def test_next_accepts_paths_on_this_site(value):
    assert safe_next(value) == value


@pytest.mark.parametrize("value", OPEN_REDIRECTS)
def test_next_refuses_everything_else(value):
    assert safe_next(value) == "/"


def test_next_refuses_non_text():
    assert safe_next(None) == "/" and safe_next(["/x"]) == "/"


def test_login_url_quotes_next():
    assert login_url("/rounds/5/run") == "/login?next=/rounds/5/run"
    assert login_url("/issues?unit=1") == "/login?next=/issues%3Funit%3D1"
    assert login_url("//evil.example") == "/login"


@pytest.mark.parametrize("value", ["//evil.example", "https://evil.example", "/\\evil.example"])
async def test_sign_in_never_leaves_the_site(client, world, value):
    page = await client.get("/login", params={"next": value})
    assert 'name="next" value="/"' in page.text
    response = await post_form(
        client, "/login", {"email": World.EMAILS["member"], "password": _pw(), "next": value}
    )
    assert response.status_code == 303 and response.headers["location"] == "/"


async def test_sign_in_returns_to_the_page(client, world):
    response = await post_form(
        client,
        "/login",
        {"email": World.EMAILS["member"], "password": _pw(), "next": "/issues?unit=1"},
    )
    assert response.status_code == 303 and response.headers["location"] == "/issues?unit=1"


def _pw():
    from tests.conftest import PASSWORD

    return PASSWORD


async def test_capture_after_the_session_ended_is_kept_for_the_browser(
    client, world, login, fake_clock
):
    round_id = await make_round(world, days=0, status="in_progress")
    await login(client, "executive")
    fake_clock.advance(minutes=16)  # the tablet slept past the idle timeout
    page = f"http://testserver/rounds/{round_id}/run"
    response = await post_form(
        client,
        f"/rounds/{round_id}/run/capture",
        {"description": "Pumps beep all night", "idempotency_key": "k-401"},
        htmx=True,
        headers={"HX-Current-URL": page},
    )
    # Not a redirect htmx would follow (and so drop the concern): 401, and where to sign in.
    assert response.status_code == 401
    assert "hx-redirect" not in response.headers
    assert response.headers["x-rounds-signed-out"] == "1"
    assert response.headers["x-rounds-login"] == f"/login?next=/rounds/{round_id}/run"
    assert response.json() == {"signed_out": True, "login": f"/login?next=/rounds/{round_id}/run"}
    # After signing in again, the same key saves it once.
    await sign_in(client, World.EMAILS["executive"])
    for _ in range(2):
        saved = await post_form(
            client,
            f"/rounds/{round_id}/run/capture",
            {"description": "Pumps beep all night", "idempotency_key": "k-401"},
            htmx=True,
        )
        assert saved.status_code == 200 and saved.headers["x-rounds-saved"] == "1"
    from rounds.issues.tables import SafetyIssue

    assert await SafetyIssue.count().where(SafetyIssue.idempotency_key == "k-401") == 1


async def test_foreign_current_url_is_not_a_destination(client, world, login):
    round_id = await make_round(world, days=0, status="in_progress")
    response = await post_form(
        client,
        f"/rounds/{round_id}/run/capture",
        {"description": "x"},
        htmx=True,
        headers={"HX-Current-URL": "https://evil.example/rounds/1/run"},
    )
    assert response.status_code == 401 and response.headers["x-rounds-login"] == "/login"


async def test_plain_form_post_after_the_session_ended_returns_to_the_page(client, world):
    round_id = await make_round(world, days=0, status="in_progress")
    response = await post_form(
        client,
        f"/rounds/{round_id}/run/capture",
        {"description": "x"},
        headers={"Referer": f"http://testserver/rounds/{round_id}/run"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/rounds/{round_id}/run"


async def test_refused_capture_is_not_acknowledged(client, world, login):
    round_id = await make_round(world, days=0, status="in_progress")
    await login(client, "executive")
    response = await post_form(
        client,
        f"/rounds/{round_id}/run/capture",
        {"description": "MRN 12345678 fell twice", "idempotency_key": "k-bad"},
        htmx=True,
    )
    assert response.status_code == 200 and "x-rounds-saved" not in response.headers
    assert 'class="field__error"' in response.text


async def test_quick_capture_acknowledges(client, world, login):
    await login(client, "member")
    response = await post_form(
        client,
        f"/units/{world.unit_a}/issues/new",
        {"description": "Linen carts block the exit", "idempotency_key": "k-quick"},
        htmx=True,
    )
    assert response.status_code == 200 and response.headers["x-rounds-saved"] == "1"


async def test_the_page_names_the_person_only_opaquely(client, app, world, login):
    await login(client, "member")
    page = (await client.get("/")).text
    secret = app.state.settings.resolved_secret_key()
    person = page.split('data-person="', 1)[1].split('"', 1)[0]
    assert person == outbox_owner(secret, world.people["member"])
    assert World.EMAILS["member"] not in person and str(world.people["member"]) != person
    assert outbox_owner("k" * 32, 1) == outbox_owner("k" * 32, 1) != outbox_owner("k" * 32, 2)
