"""Scheduling, recurring schedules, cancelling, running and finishing a round, round history."""

from datetime import timedelta

from rounds.barriers.tables import Barrier
from rounds.core.clock import local, local_today
from rounds.core.tables import AuditEntry, Unit
from rounds.issues.tables import SafetyIssue
from rounds.rounding.tables import RoundSeries, SafetyRound
from tests.conftest import form_error, post_form
from tests.rounding.helpers import make_issue, make_round


async def test_schedule_a_round_and_refuse_bad_input(client, world, login):
    await login(client, "champion")
    url = f"/units/{world.unit_a}/rounds"
    on = (local_today() + timedelta(days=5)).isoformat()
    data = {
        "on": on,
        "at": "14:30",
        "executive_id": str(world.people["executive"]),
        "champion_id": str(world.people["champion"]),
    }
    response = await post_form(client, url, data)
    assert response.status_code == 303
    rows = await SafetyRound.select().where(SafetyRound.unit == world.unit_a)
    assert len(rows) == 1 and local(rows[0]["scheduled_at"]).strftime("%H:%M") == "14:30"
    # a double tap returns the same round
    assert (await post_form(client, url, data)).status_code == 303
    assert await SafetyRound.count().where(SafetyRound.unit == world.unit_a) == 1
    # past date, a person from another unit, a garbled time: messages next to the fields, text kept
    bad = await post_form(
        client,
        url,
        {
            **data,
            "on": (local_today() - timedelta(days=1)).isoformat(),
            "executive_id": str(world.people["outsider"]),
        },
    )
    assert bad.status_code == 200
    assert "today or a later date" in form_error(bad.text, "on")
    assert "executive partner of this unit" in form_error(bad.text, "executive_id")
    garbled = await post_form(client, url, {**data, "at": "half ten"})
    assert form_error(garbled.text, "at") and "half ten" in garbled.text
    page = (await client.get(url)).text
    assert "Upcoming rounds" in page and "14:30" in page


async def test_recurring_schedule_generates_the_next_rounds(client, world, login):
    await login(client, "champion")
    first = local_today() + timedelta(days=3)
    response = await post_form(
        client,
        f"/units/{world.unit_a}/rounds/series",
        {
            "first_on": first.isoformat(),
            "series_at": "10:00",
            "every_weeks": "4",
            "series_executive_id": str(world.people["executive"]),
            "series_champion_id": "",
        },
    )
    assert response.status_code == 303
    rounds = (
        await SafetyRound.select()
        .where(SafetyRound.unit == world.unit_a)
        .order_by(SafetyRound.scheduled_at)
    )
    days = [local(r["scheduled_at"]).date() for r in rounds]
    assert days[0] == first and all(
        (b - a).days == 28 for a, b in zip(days, days[1:], strict=False)
    )
    assert 6 <= len(rounds) <= 7  # six months ahead
    assert all(local(r["scheduled_at"]).hour == 10 for r in rounds)
    series = await RoundSeries.select().first()
    # a second schedule is refused; generating again adds nothing new
    again = await post_form(
        client,
        f"/units/{world.unit_a}/rounds/series",
        {"first_on": first.isoformat(), "series_at": "10:00", "every_weeks": "2"},
    )
    assert "already has a recurring schedule" in again.text or "Stop schedule" in again.text
    await post_form(client, f"/units/{world.unit_a}/rounds/series/{series['id']}/extend")
    assert await SafetyRound.count().where(SafetyRound.unit == world.unit_a) == len(rounds)
    bad = await post_form(
        client,
        f"/units/{world.unit_b}/rounds/series",
        {"first_on": first.isoformat(), "series_at": "10:00", "every_weeks": "4"},
    )
    assert bad.status_code == 404
    stop = await post_form(client, f"/units/{world.unit_a}/rounds/series/{series['id']}/stop")
    assert stop.status_code == 303
    assert await SafetyRound.count().where(SafetyRound.unit == world.unit_a) == 0


async def test_cancel_needs_a_reason_and_is_counted(client, world, login):
    round_id = await make_round(world, days=-3)
    await login(client, "champion")
    bad = await post_form(client, f"/rounds/{round_id}/cancel", {"reason": " ", "version": "1"})
    assert "Say why" in form_error(bad.text, "reason")
    ok = await post_form(
        client, f"/rounds/{round_id}/cancel", {"reason": "Unit on surge footing", "version": "1"}
    )
    assert ok.status_code == 303
    row = await SafetyRound.select().where(SafetyRound.id == round_id).first()
    assert row["status"] == "cancelled" and row["cancel_reason"] == "Unit on surge footing"
    history = (await client.get(f"/units/{world.unit_a}/rounds")).text
    assert "Unit on surge footing" in history and "cancellation" in history
    # a cancelled round cannot be started
    async_start = await post_form(client, f"/rounds/{round_id}/start")
    assert (
        async_start.status_code == 200 and "cancelled, so it cannot be started" in async_start.text
    )
    assert (await SafetyRound.select(SafetyRound.status).where(SafetyRound.id == round_id).first())[
        "status"
    ] == "cancelled"


async def test_another_units_round_is_refused(client, world, login):
    other = await make_round(world, unit=world.unit_b, executive=None, champion="outsider")
    await login(client, "executive")
    assert (await post_form(client, f"/rounds/{other}/start")).status_code == 404
    assert (await client.get(f"/rounds/{other}/run")).status_code == 404
    assert (
        await post_form(
            client, f"/rounds/{other}/run/capture", {"description": "x", "idempotency_key": "k"}
        )
    ).status_code == 404
    assert (await SafetyRound.select(SafetyRound.status).where(SafetyRound.id == other).first())[
        "status"
    ] == "scheduled"


async def test_run_a_round_end_to_end(client, world, login, query_counter):
    round_id = await make_round(world, days=0)
    await login(client, "executive")
    assert (await post_form(client, f"/rounds/{round_id}/start")).status_code == 303
    page = await client.get(f"/rounds/{round_id}/run")
    assert (
        page.status_code == 200
        and "How might the next patient" in page.text
        and "systems, not blame" in page.text
    )
    url = f"/rounds/{round_id}/run/capture"
    with query_counter() as counted:
        first = await post_form(
            client,
            url,
            {
                "description": "Bed alarms do not reset after turning",
                "raised_by": "RN, nights",
                "idempotency_key": "key-1",
            },
            htmx=True,
        )
    assert (
        first.status_code == 200
        and "Bed alarms do not reset" in first.text
        and "<html" not in first.text
    )
    assert counted.n <= 16, counted.queries
    # a double tap with the same key adds nothing
    await post_form(
        client,
        url,
        {
            "description": "Bed alarms do not reset after turning",
            "raised_by": "RN, nights",
            "idempotency_key": "key-1",
        },
        htmx=True,
    )
    second = await post_form(
        client,
        url,
        {
            "description": "No portable suction on nights",
            "raised_by": "RT",
            "needs_help": "on",
            "in_the_way": "No budget line for a second suction unit",
            "idempotency_key": "key-2",
        },
        htmx=True,
    )
    assert "Heard so far (2)" in second.text
    # without JavaScript the same form redirects to the round screen (a reload adds nothing)
    plain = await post_form(
        client,
        url,
        {
            "description": "Suction regulator missing in bay two",
            "raised_by": "RN",
            "idempotency_key": "key-2",
        },
    )
    assert plain.status_code == 303 and "/run?added=" in plain.headers["location"]
    page = await client.get(plain.headers["location"])
    assert "Heard so far (2)" in page.text and "Added" in page.text
    issues = (
        await SafetyIssue.select().where(SafetyIssue.round == round_id).order_by(SafetyIssue.id)
    )
    assert [i["source"] for i in issues] == ["safety_round", "safety_round"]
    assert [i["raised_by"] for i in issues] == ["RN, nights", "RT"]
    barriers = await Barrier.select().where(Barrier.issue == issues[1]["id"])
    assert (
        len(barriers) == 1
        and barriers[0]["owner"] == world.people["executive"]
        and barriers[0]["level"] == "executive"
    )
    # identifiers are refused, text kept, nothing added
    bad = await post_form(
        client,
        url,
        {
            "description": "Mr Jones MRN 12345678 fell",
            "raised_by": "RN",
            "idempotency_key": "key-3",
        },
        htmx=True,
    )
    assert form_error(bad.text, "description") and "Mr Jones MRN 12345678 fell" in bad.text
    assert await SafetyIssue.count().where(SafetyIssue.round == round_id) == 2
    # the "Needs my help" toggle on the first item asks what is in the way, then opens one
    # barrier with that title, once
    help_url = f"/rounds/{round_id}/run/issues/{issues[0]['id']}/help"
    missing = await post_form(client, help_url, {"in_the_way": " "}, htmx=True)
    assert form_error(missing.text, "help_in_the_way") and "in one line" in missing.text
    assert await Barrier.count().where(Barrier.issue == issues[0]["id"]) == 0
    for _ in range(2):
        toggled = await post_form(
            client, help_url, {"in_the_way": "Alarm resets need a vendor visit"}, htmx=True
        )
        # only the list comes back: a concern being typed in the box is left alone
        assert 'id="heard"' in toggled.text and 'name="description"' not in toggled.text
    assert await Barrier.count().where(Barrier.issue == issues[0]["id"]) == 1
    # staff stepper and roles
    for step in ("1", "1", "1", "-1"):
        await post_form(client, f"/rounds/{round_id}/run/staff", {"step": step}, htmx=True)
    await post_form(
        client,
        f"/rounds/{round_id}/run/staff",
        {"staff_count": "7", "staff_roles": "5 RNs, CNA, RT"},
    )
    row = await SafetyRound.select().where(SafetyRound.id == round_id).first()
    assert row["staff_count"] == 7 and row["staff_roles"] == "5 RNs, CNA, RT"
    wrong = await post_form(
        client,
        f"/rounds/{round_id}/run/staff",
        {"staff_count": "-4", "staff_roles": "RNs"},
        htmx=True,
    )
    assert form_error(wrong.text, "staff_count")
    # read back in large type, then finish with owners and due dates (one left for later)
    readback = await client.get(f"/rounds/{round_id}/readback")
    assert (
        "What we heard today" in readback.text and "No portable suction on nights" in readback.text
    )
    assert (await post_form(client, f"/rounds/{round_id}/readback")).status_code == 303
    due = (local_today() + timedelta(days=21)).isoformat()
    finish_url = f"/rounds/{round_id}/finish"
    finish_page = await client.get(finish_url)
    assert "Who owns each concern" in finish_page.text
    past = await post_form(
        client,
        finish_url,
        {
            "version": str(row["version"] + 1),
            f"owner_{issues[0]['id']}": str(world.people["member"]),
            f"due_{issues[0]['id']}": (local_today() - timedelta(days=1)).isoformat(),
            "debrief_notes": "x",
        },
    )
    assert "cannot be in the past" in form_error(past.text, f"due_{issues[0]['id']}")
    version = (
        await SafetyRound.select(SafetyRound.version).where(SafetyRound.id == round_id).first()
    )["version"]
    done = await post_form(
        client,
        finish_url,
        {
            "version": str(version),
            f"owner_{issues[0]['id']}": str(world.people["member"]),
            f"due_{issues[0]['id']}": due,
            f"owner_{issues[1]['id']}": "",
            f"due_{issues[1]['id']}": "",
            "debrief_notes": "Good turnout from nights.",
        },
    )
    assert done.status_code == 303, done.text
    row = await SafetyRound.select().where(SafetyRound.id == round_id).first()
    assert (
        row["status"] == "completed"
        and row["read_back_done"]
        and row["debrief_notes"] == "Good turnout from nights."
    )
    first_issue = await SafetyIssue.select().where(SafetyIssue.id == issues[0]["id"]).first()
    assert (
        first_issue["owner"] == world.people["member"]
        and first_issue["due_on"].isoformat() == due
        and first_issue["status"] == "planned"
    )
    assert (
        await SafetyIssue.select(SafetyIssue.owner).where(SafetyIssue.id == issues[1]["id"]).first()
    )["owner"] is None
    # nothing more can be captured on a completed round
    late = await post_form(
        client, url, {"description": "Late", "idempotency_key": "key-9"}, htmx=True
    )
    assert "finished" in late.text
    assert await AuditEntry.count().where(AuditEntry.object_type == "safety_round") >= 4


async def test_history_counts_reach_and_feedback(client, world, login):
    await Unit.update({Unit.staff_headcount: 40}).where(Unit.id == world.unit_a)
    r1 = await make_round(world, days=-60, status="completed", staff_count=14, first_timers=9)
    r2 = await make_round(world, days=-30, status="completed", staff_count=10, first_timers=5)
    await make_round(world, days=-20, status="cancelled", cancel_reason="Surge")
    # older than 12 months: not in reach
    await make_round(world, days=-400, status="completed", staff_count=30, first_timers=30)
    await make_issue(
        world, "Closed with feedback", round_id=r1, status="closed", feedback_given_on=local_today()
    )
    await make_issue(world, "Closed without feedback", round_id=r1, status="closed")
    await make_issue(world, "Still open", round_id=r2)
    await login(client, "member")
    html = (await client.get(f"/units/{world.unit_a}/rounds")).text
    assert "2 of 2" in html  # rounds done / due (the cancelled one counted apart)
    assert "35%" in html and "(14 first-timers of 40 staff)" in html  # 9 + 5 of 40
    assert "1 of 3" in html  # concerns closed with feedback
    assert "Schedule a round" not in html  # members see, champions schedule
    old = (await client.get(f"/rounds/{r1}/briefing")).text
    assert "No copy of the briefing was kept" in old and "Start round" not in old


async def test_my_rounds_page(client, world, login, make_client, query_counter):
    mine = await make_round(world, days=2)
    other = await make_round(world, days=3, executive=None, champion=None)
    await make_round(world, days=-2)  # past: not upcoming
    hidden = await make_round(world, unit=world.unit_b, days=2, executive=None, champion="outsider")
    await login(client, "executive")
    with query_counter() as counted:
        html = (await client.get("/rounds")).text
    assert counted.n <= 10, counted.queries
    yours = html.split("Your next rounds")[1].split("Other upcoming")[0]
    assert f"/rounds/{mine}" in yours and f"/rounds/{other}" not in yours
    assert f"/rounds/{other}" in html and f"/rounds/{hidden}" not in html
    assert f"/units/{world.unit_a}/rounds" in html
    async with make_client() as member:
        await login(member, "member")
        page = (await member.get("/rounds")).text
        assert "No rounds are scheduled with you" in page and "Schedule and history" not in page


async def test_series_extends_from_where_it_stopped(client, world, login):
    await login(client, "champion")
    first = local_today() + timedelta(days=1)
    await post_form(
        client,
        f"/units/{world.unit_a}/rounds/series",
        {"first_on": first.isoformat(), "series_at": "08:15", "every_weeks": "2"},
    )
    series = await RoundSeries.select().first()
    all_rounds = await SafetyRound.select(SafetyRound.id, SafetyRound.scheduled_at).order_by(
        SafetyRound.scheduled_at
    )
    assert len(all_rounds) >= 13
    # pretend it was generated only three rounds ahead: extending adds exactly the missing ones
    keep = all_rounds[:3]
    await SafetyRound.delete().where(SafetyRound.id.not_in([r["id"] for r in keep]))
    await RoundSeries.update(
        {RoundSeries.generated_until: local(keep[-1]["scheduled_at"]).date()}
    ).where(RoundSeries.id == series["id"])
    await post_form(client, f"/units/{world.unit_a}/rounds/series/{series['id']}/extend")
    again = await SafetyRound.select(SafetyRound.scheduled_at).order_by(SafetyRound.scheduled_at)
    assert [local(r["scheduled_at"]) for r in again] == [
        local(r["scheduled_at"]) for r in all_rounds
    ]
