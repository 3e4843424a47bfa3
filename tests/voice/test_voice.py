"""Concerns from staff and families: public form, reference page, triage, links, throttle,
campaigns, the round notice and the briefing."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from rounds.core.clock import local_today
from rounds.core.tables import AuditEntry as Audit
from rounds.issues import service as issues
from rounds.issues.tables import IssueUpdate, SafetyIssue
from rounds.voice import rules, service, throttle
from rounds.voice.tables import Concern
from tests.conftest import csrf_token, post_form
from tests.rounding.helpers import make_round
from tests.voice.helpers import sent_concern, unit_link, viewer_for

TEXT = "The bed alarms on the west corridor cannot be heard at the desk at night."


def _code(response) -> str:
    match = re.match(r"/c/([0-9A-Z]{3}-[0-9A-Z]{3})\?sent=1$", response.headers["location"])
    assert match, response.headers.get("location")
    return match.group(1)


def anonymous(app, ip: str = "203.0.113.7") -> httpx.AsyncClient:
    """A phone with no account, at a given address."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(ip, 40000)),
        base_url="http://testserver",
        follow_redirects=False,
    )


async def send_form(phone, token: str, data: dict, *, query: str = "") -> httpx.Response:
    page = await phone.get(f"/s/{token}{query}")
    assert page.status_code == 200, page.status_code
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    return await phone.post(
        f"/s/{token}",
        data={"idempotency_key": key, **data, "_csrf_token": await csrf_token(phone)},
    )


async def test_round_trip_send_triage_accept_fix_feed_back(app, client, world, login):
    round_id = await make_round(world, days=3)
    await login(client, "champion")
    # the champion makes the staff link in one tap from the round's notice
    response = await post_form(
        client,
        f"/units/{world.unit_a}/concerns/links",
        {"audience": "staff", "next": f"/rounds/{round_id}/notice"},
    )
    assert (
        response.status_code == 303 and response.headers["location"] == f"/rounds/{round_id}/notice"
    )
    notice = (await client.get(f"/rounds/{round_id}/notice")).text
    url = re.search(r'class="voice-sheet__url">([^<]+)<', notice).group(1)
    token = re.match(
        rf"http://testserver/s/([A-Za-z0-9_-]{{{rules.TOKEN_LENGTH}}})\?round={round_id}$", url
    ).group(1)
    assert '<svg role="img"' in notice and "How do you think the next patient" in notice

    async with anonymous(app) as phone:
        form = await phone.get(f"/s/{token}?round={round_id}")
        assert form.status_code == 200 and "Unit A ICU" in form.text
        assert re.search(rf'value="{round_id}" checked', form.text)
        # no cookie but the CSRF one
        assert set(phone.cookies.keys()) == {"rounds_csrf"}
        assert form.headers["x-robots-tag"].startswith("noindex")
        sent = await send_form(
            phone,
            token,
            {
                "harm": TEXT,
                "prevent": "Move the alarm panel to the desk.",
                "role": "RN, nights",
                "round": str(round_id),
            },
        )
        assert sent.status_code == 303
        code = _code(sent)
        page = await phone.get(f"/c/{code}?sent=1")
        assert (
            page.status_code == 200
            and code in page.text
            and "has not looked at it yet" in page.text
        )
        assert set(phone.cookies.keys()) == {"rounds_csrf"}

    # the champion sees it waiting on home, and in the inbox
    home = (await client.get("/")).text
    assert re.search(r'class="voice-count">1<', home)
    inbox = (await client.get("/concerns")).text
    concern = await Concern.select().where(Concern.code == code).first()
    assert f"/concerns/{concern['id']}" in inbox and "RN, nights" in inbox

    triage = await client.get(f"/concerns/{concern['id']}")
    assert triage.status_code == 200 and 'value="before_round" selected' in triage.text
    accepted = await post_form(
        client,
        f"/concerns/{concern['id']}/accept",
        {"description": TEXT, "source": "before_round", "category": ""},
    )
    assert accepted.status_code == 303
    issue_id = int(accepted.headers["location"].rsplit("/", 1)[1])
    issue = await SafetyIssue.select().where(SafetyIssue.id == issue_id).first()
    assert issue["source"] == "before_round" and issue["round"] == round_id
    assert issue["raised_by"] == "RN, nights" and issue["unit"] == world.unit_a
    # a double tap on accept makes no second issue
    again = await post_form(
        client, f"/concerns/{concern['id']}/accept", {"description": TEXT, "source": "before_round"}
    )
    assert again.status_code in (200, 303)
    assert await SafetyIssue.count().where(SafetyIssue.description == TEXT) == 1
    assert await Audit.exists().where(
        (Audit.action == "accept")
        & (Audit.object_type == "voice_concern")
        & (Audit.object_id == str(concern["id"]))
    )

    # the team fixes it and tells staff
    champion = await viewer_for(world.people["champion"])
    await issues.change_status(champion, issue_id, "in_progress")
    async with anonymous(app, "198.51.100.9") as phone:
        page = (await phone.get(f"/c/{code}")).text
        assert "In progress" in page
    current = (
        await SafetyIssue.select(SafetyIssue.version).where(SafetyIssue.id == issue_id).first()
    )
    await issues.update_issue(
        champion,
        issue_id,
        {
            "outcome": "Alarm repeater installed at the nurses' desk.",
            "feedback_given_on": local_today(),
            "feedback_how": "huddle",
            "feedback_said": "You told us alarms were not heard; a repeater is now at the desk.",
        },
        version=current["version"],
    )
    await issues.change_status(champion, issue_id, "resolved")
    async with anonymous(app, "198.51.100.9") as phone:
        page = (await phone.get(f"/c/{code}")).text
    assert (
        "Done" in page
        and "Alarm repeater installed" in page
        and "a repeater is now at the desk" in page
    )
    assert "On the log" not in page and "Unit B" not in page


async def test_declined_concern_shows_the_reason_and_is_audited(app, client, world, login):
    concern_id, code = await sent_concern(
        world, world.unit_a, "The coffee machine in the staff room is slow."
    )
    await login(client, "champion")
    refused = await post_form(client, f"/concerns/{concern_id}/decline", {"reason": ""})
    assert refused.status_code == 200 and 'id="reason-error"' in refused.text
    response = await post_form(
        client,
        f"/concerns/{concern_id}/decline",
        {"reason": "Not a patient-safety matter; passed to the facilities team."},
    )
    assert response.status_code == 303
    async with anonymous(app) as phone:
        page = (await phone.get(f"/c/{code}")).text
    assert "did not add it" in page and "passed to the facilities team" in page
    assert await Audit.exists().where(
        (Audit.action == "decline") & (Audit.object_id == str(concern_id))
    )
    # once decided it cannot be decided again
    again = await post_form(
        client, f"/concerns/{concern_id}/accept", {"description": "x", "source": "staff_assessment"}
    )
    assert again.status_code == 200 and "already triaged" in again.text


async def test_merge_suggests_similar_open_issues(app, client, world, login):
    champion = await viewer_for(world.people["champion"])
    similar = await issues.capture(
        champion,
        world.unit_a,
        description="Bed alarms are not heard at the nurses' desk during nights.",
    )
    await issues.capture(
        champion, world.unit_a, description="Pharmacy deliveries arrive late on weekends."
    )
    concern_id, code = await sent_concern(world, world.unit_a, TEXT)
    await login(client, "champion")
    page = (await client.get(f"/concerns/{concern_id}")).text
    suggestions = re.findall(r'name="issue" value="(\d+)"', page)
    assert suggestions and suggestions[0] == str(similar.id)
    response = await post_form(client, f"/concerns/{concern_id}/merge", {"issue": str(similar.id)})
    assert response.status_code == 303 and response.headers["location"] == f"/issues/{similar.id}"
    update = await IssueUpdate.select().where(IssueUpdate.issue == similar.id).first()
    assert code in update["body"] and "west corridor" in update["body"]
    assert await Audit.exists().where(
        (Audit.action == "merge") & (Audit.object_id == str(concern_id))
    )
    async with anonymous(app) as phone:
        assert (
            "Your words were added" in (await phone.get(f"/c/{code}")).text
            or "same thing" in (await phone.get(f"/c/{code}")).text
        )


async def test_merge_refuses_another_units_issue(app, client, world, login):
    outsider = await viewer_for(world.people["outsider"])
    other = await issues.capture(
        outsider, world.unit_b, description="Bed alarms not heard at night."
    )
    concern_id, _ = await sent_concern(world, world.unit_a, TEXT)
    await login(client, "champion")
    response = await post_form(client, f"/concerns/{concern_id}/merge", {"issue": str(other.id)})
    assert response.status_code == 200 and 'id="issue-error"' in response.text
    assert (await Concern.select(Concern.status).where(Concern.id == concern_id).first())[
        "status"
    ] == "waiting"


async def test_revoking_the_link_stops_it_with_a_plain_404(app, client, world, login):
    await login(client, "champion")
    await post_form(client, f"/units/{world.unit_a}/concerns/links", {"audience": "staff"})
    page = (await client.get(f"/units/{world.unit_a}/concerns")).text
    token = re.search(r"/s/([A-Za-z0-9_-]{22})", page).group(1)
    async with anonymous(app) as phone:
        assert (await phone.get(f"/s/{token}")).status_code == 200
        csrf = await csrf_token(phone)
    await post_form(client, f"/units/{world.unit_a}/concerns/links/revoke", {"audience": "staff"})
    async with anonymous(app) as phone:
        gone = await phone.get(f"/s/{token}")
        wrong = await phone.get("/s/" + "A" * 22)
        nonsense = await phone.get("/s/x")
        assert gone.status_code == wrong.status_code == nonsense.status_code == 404
        strip = lambda html: re.sub(r'nonce-[^"\']+|value="[^"]*"|content="[^"]*"', "", html)  # noqa: E731
        assert strip(gone.text) == strip(wrong.text) == strip(nonsense.text)
        assert "Unit A" not in gone.text
        posted = await phone.post(f"/s/{token}", data={"harm": TEXT, "_csrf_token": csrf})
        assert posted.status_code in (403, 404)
    assert await Concern.count() == 0
    assert await Audit.exists().where(
        (Audit.action == "revoke") & (Audit.object_type == "voice_link")
    )


async def test_the_database_alone_does_not_reveal_a_working_link(app, world):
    from rounds.voice.tables import VoiceLink

    token = await unit_link(world, world.unit_a)
    row = await VoiceLink.select().first()
    assert token not in str(row.values()) and row["token_hash"] == rules.token_hash(token)


async def test_bad_input_is_explained_and_kept(app, world):
    token = await unit_link(world, world.unit_a)
    async with anonymous(app) as phone:
        long = "Alarm " * 500
        response = await send_form(
            phone, token, {"harm": long, "prevent": "x" * 30_000, "role": "R" * 200}
        )
        assert response.status_code == 200
        assert (
            "Keep it under 2,000 characters" in response.text
            and long.strip()[:200] in response.text
        )
        assert 'id="role-error"' in response.text
        response = await send_form(
            phone, token, {"harm": "Mr John Smith in bed 4, MRN 12345678, fell twice."}
        )
        assert response.status_code == 200 and 'id="harm-error"' in response.text
        response = await send_form(phone, token, {"harm": "", "round": "99999999999999999999"})
        assert response.status_code == 200 and 'id="harm-error"' in response.text
        response = await send_form(phone, token, {"harm": TEXT, "round": "12345"})
        assert response.status_code == 200 and 'id="round-error"' in response.text
        response = await send_form(phone, token, {"harm": "\x00\u202e🏥 <script>alert(1)</script>"})
        assert response.status_code == 303
    assert await Concern.count() == 1


async def test_honeypot_and_double_tap(app, world):
    token = await unit_link(world, world.unit_a)
    async with anonymous(app) as phone:
        bot = await send_form(phone, token, {"harm": TEXT, "website": "http://spam.example"})
        assert bot.status_code == 200 and "could not be sent" in bot.text
        assert await Concern.count() == 0
        page = await phone.get(f"/s/{token}")
        key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
        data = {"harm": TEXT, "idempotency_key": key, "_csrf_token": await csrf_token(phone)}
        first = await phone.post(f"/s/{token}", data=data)
        second = await phone.post(f"/s/{token}", data=data)
        assert first.status_code == second.status_code == 303
        assert first.headers["location"] == second.headers["location"]
    assert await Concern.count() == 1


async def test_a_flood_from_one_address_is_slowed_and_another_address_still_sends(
    app, world, fake_clock
):
    token = await unit_link(world, world.unit_a)
    async with anonymous(app, "192.0.2.50") as flood:
        results = [
            (await send_form(flood, token, {"harm": f"{TEXT} ({n})"})).status_code
            for n in range(throttle.ADDRESS_FREE + 3)
        ]
        assert results[: throttle.ADDRESS_FREE] == [303] * throttle.ADDRESS_FREE
        assert 200 in results[throttle.ADDRESS_FREE :]
        slowed = await send_form(flood, token, {"harm": "Kept words"})
        assert (
            slowed.status_code == 200
            and "Please wait" in slowed.text
            and "Kept words" in slowed.text
        )
    async with anonymous(app, "192.0.2.51") as colleague:
        assert (await send_form(colleague, token, {"harm": TEXT})).status_code == 303
    # the pause is short: the same address sends again after it
    fake_clock.advance(seconds=throttle.ADDRESS_PAUSE_CAP + 1)
    async with anonymous(app, "192.0.2.50") as flood:
        assert (await send_form(flood, token, {"harm": TEXT})).status_code == 303


async def test_guessing_reference_codes_is_refused(app, world):
    _, code = await sent_concern(world, world.unit_a)
    async with anonymous(app, "192.0.2.77") as guesser:
        for n in range(throttle.MISS_LIMIT):
            assert (
                await guesser.get(f"/c/ZZZ-{n:03d}".replace("0", "2").replace("1", "3"))
            ).status_code == 404
        assert (await guesser.get(f"/c/{code}")).status_code == 429
    async with anonymous(app, "192.0.2.78") as sender:
        assert (await sender.get(f"/c/{code.lower().replace('-', '')}")).status_code == 200
        lookup = await sender.get("/c", params={"code": code.lower()})
        assert lookup.status_code == 303 and lookup.headers["location"] == f"/c/{code}"


async def test_family_form_in_spanish(app, client, world, login):
    await login(client, "champion")
    await post_form(client, f"/units/{world.unit_a}/concerns/links", {"audience": "family"})
    poster = (
        await client.get(f"/units/{world.unit_a}/concerns/poster?audience=family&lang=es")
    ).text
    url = re.search(r'class="voice-sheet__url">([^<]+)<', poster).group(1)
    assert url.endswith("?lang=es") and 'lang="es"' in poster
    path = url.removeprefix("http://testserver")
    token = path.split("/")[2].split("?")[0]
    async with anonymous(app) as phone:
        form = await phone.get(path)
        assert (
            "¿Qué le preocupa sobre la seguridad aquí?" in form.text
            and 'name="role"' not in form.text
        )
        screened = await send_form(
            phone,
            token,
            {"harm": "El paciente con MRN 12345678 se cayó", "lang": "es"},
            query="?lang=es",
        )
        assert screened.status_code == 200 and "No los necesitamos" in screened.text
        sent = await send_form(
            phone,
            token,
            {"harm": "El timbre no funciona por la noche.", "lang": "es"},
            query="?lang=es",
        )
        code = _code(sent)
        page = (await phone.get(f"/c/{code}?sent=1")).text
        assert "Guarde este código" in page
    concern = await Concern.select().where(Concern.code == code).first()
    assert concern["audience"] == "family" and concern["language"] == "es"
    triage = (await client.get(f"/concerns/{concern['id']}")).text
    assert 'value="patient_family" selected' in triage


async def test_campaign_participation_and_categories(app, client, world, login):
    await login(client, "champion")
    today = local_today()
    refused = await post_form(
        client,
        f"/units/{world.unit_a}/campaigns",
        {"opens_on": today.isoformat(), "closes_on": (today - timedelta(days=3)).isoformat()},
    )
    assert refused.status_code == 200 and 'id="closes_on-error"' in refused.text
    opened = await post_form(
        client,
        f"/units/{world.unit_a}/campaigns",
        {"opens_on": today.isoformat(), "closes_on": (today + timedelta(days=14)).isoformat()},
    )
    assert opened.status_code == 303
    champion = await viewer_for(world.people["champion"])
    categories = dict((name, cid) for cid, name in await issues.category_choices())
    ids = [(await sent_concern(world, world.unit_a, f"{TEXT} {n}"))[0] for n in range(4)]
    first_category = next(iter(categories.values()))
    await service.accept(
        champion, ids[0], description=TEXT, source="staff_assessment", category_id=first_category
    )
    await service.decline(champion, ids[1], "Already fixed last week.")
    # unit A's headcount is 40: 4 responses = 10 %
    [campaign] = await service.campaigns_for(champion, world.unit_a)
    assert campaign["responses"] == 4 and campaign["participation"] == 10 and campaign["is_open"]
    counted = dict(campaign["categories"])
    assert counted[[n for n, c in categories.items() if c == first_category][0]] == 1
    assert counted["Declined"] == 1 and counted["Not sorted yet"] == 2
    page = (await client.get(f"/units/{world.unit_a}/concerns")).text
    assert "10% participation" in page
    issue = (
        await SafetyIssue.select(SafetyIssue.source).where(SafetyIssue.description == TEXT).first()
    )
    assert issue["source"] == "staff_assessment"
    # the board report's summary: only units the viewer sees
    outsider = await viewer_for(world.people["outsider"])
    assert (
        await service.assessment_summary(outsider, since=today - timedelta(days=365), until=today)
        == []
    )
    admin = await viewer_for(world.people["admin"])
    [summary] = await service.assessment_summary(
        admin, since=today - timedelta(days=365), until=today
    )
    assert summary["unit_name"] == "Unit A ICU" and summary["responses"] == 4


async def test_briefing_shows_concerns_sent_ahead(app, client, world, login):
    round_id = await make_round(world, days=2)
    await sent_concern(
        world,
        world.unit_a,
        "Sharps bins are overfull on weekends.",
        role="HCA, weekends",
        round_id=round_id,
    )
    await sent_concern(world, world.unit_b, "Unit B only: lift is slow.")
    await login(client, "executive")
    page = (await client.get(f"/rounds/{round_id}/briefing")).text
    # the summary counts them; their section (loaded when opened) lists them
    assert "Sent ahead by staff: 1" in page and "1</strong> concern sent ahead by staff" in page
    section = (
        await client.get(
            f"/rounds/{round_id}/briefing?open=sent_ahead", headers={"HX-Request": "true"}
        )
    ).text
    assert "Sharps bins are overfull" in section and "lift is slow" not in section


async def test_plain_text_notice_and_round_button(app, client, world, login):
    round_id = await make_round(world, days=5)
    await login(client, "champion")
    assert f'href="/rounds/{round_id}/notice"' in (await client.get(f"/rounds/{round_id}")).text
    assert (await client.get(f"/rounds/{round_id}/notice.txt")).status_code == 404  # no link yet
    await unit_link(world, world.unit_a)
    text = await client.get(f"/rounds/{round_id}/notice.txt")
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    assert "systems, not to blame" in text.text and f"?round={round_id}" in text.text
    await login(client, "member")
    assert (await client.get(f"/units/{world.unit_a}/concerns")).status_code == 403


async def test_triage_belongs_to_the_unit(app, make_client, world):
    concern_id, _ = await sent_concern(world, world.unit_b)
    from tests.conftest import World, sign_in

    async with make_client() as c:
        await sign_in(c, World.EMAILS["champion"])
        assert (await c.get(f"/concerns/{concern_id}")).status_code == 404
        response = await post_form(c, f"/concerns/{concern_id}/decline", {"reason": "no"})
        assert response.status_code == 404
        assert "Unit B" not in (await c.get("/concerns")).text


def test_codes_and_similarity_rules():
    code = rules.new_code()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{3}-[2-9A-HJ-NP-Z]{3}", code)
    assert rules.normalise_code(code.lower().replace("-", " ")) == code
    assert rules.normalise_code("abc") is None and rules.normalise_code("x" * 5000) is None
    assert rules.similarity(TEXT, "bed alarms not heard at the desk") > rules.similarity(
        TEXT, "late pharmacy"
    )
    assert rules.participation(12, 40) == 30 and rules.participation(3, 0) is None
    assert rules.default_source("family", 3, True) == "patient_family"
    assert rules.default_source("staff", 3, False) == "before_round"


async def test_board_report_summarises_staff_safety_assessments(app, client, world, login):
    admin = await viewer_for(world.people["admin"])
    today = local_today()
    await service.open_campaign(
        admin, world.unit_a, opens_on=today, closes_on=today + timedelta(days=14)
    )
    for n in range(2):
        await sent_concern(world, world.unit_a, f"{TEXT} {n}")
    await login(client, "admin")
    page = (await client.get("/overview/board")).text
    section = page[page.index('id="ssa-h"') :]
    assert "Unit A ICU" in section and "5% of 40" in section


async def test_old_throttle_counters_are_forgotten(app, world, fake_clock):
    from rounds.core.tables import LoginThrottle

    await throttle.count_send("192.0.2.9", world.unit_a)
    await throttle.count_miss("192.0.2.9")
    assert await throttle.purge_stale() == 0
    fake_clock.advance(days=2)
    assert await throttle.purge_stale() == 3
    assert not await LoginThrottle.exists().where(LoginThrottle.key.like("voice-%"))


async def test_a_notice_for_a_round_far_ahead_offers_that_round(app, world):
    """A champion may print the notice two months ahead: its link preselects that round, and a
    concern sent with it is about that round; a finished round or another unit's is refused."""
    far = await make_round(world, days=70)
    done = await make_round(world, days=1, status="done")
    elsewhere = await make_round(world, unit=world.unit_b, days=3)
    token = await unit_link(world, world.unit_a)
    async with anonymous(app) as phone:
        page = (await phone.get(f"/s/{token}?round={far}")).text
        assert f'value="{far}"' in page
        sent = await send_form(
            phone, token, {"harm": TEXT, "prevent": "Louder alarms.", "round": str(far)}
        )
        assert sent.status_code == 303, sent.text
        for other in (done, elsewhere):
            refused = await send_form(
                phone,
                token,
                {"harm": TEXT + f" ({other})", "prevent": "x", "round": str(other)},
                query=f"?round={other}",
            )
            assert refused.status_code == 400 or "Choose one of the rounds listed" in refused.text
            assert f'value="{other}"' not in refused.text
    rows = await Concern.select(Concern.round).where(Concern.unit == world.unit_a)
    assert [r["round"] for r in rows] == [far]
