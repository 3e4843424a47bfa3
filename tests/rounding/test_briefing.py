"""The pre-round briefing for a seeded unit: promised items, overdue, easy wins, days since;
the champion's editor (version check, mark ready); freezing the briefing as shown."""

from datetime import timedelta

from rounds.core import clock
from rounds.core.clock import local_today
from rounds.rounding.tables import Briefing, LastEvent, SafetyRound, UnitMeasure
from tests.conftest import form_error, post_form
from tests.rounding.helpers import make_barrier, make_issue, make_round


async def seed_unit(world):
    today = local_today()
    previous = await make_round(world, days=-28, status="completed")
    done = await make_issue(
        world, "Suction unit missing on nights", status="closed", round_id=previous, priority=2
    )
    doing = await make_issue(
        world,
        "Bed alarm does not reset",
        status="in_progress",
        round_id=previous,
        priority=3,
        due_on=today - timedelta(days=3),
        owner="member",
    )
    cant = await make_issue(
        world, "Second glucometer dock", status="cannot_do", round_id=previous, priority=1
    )
    await make_barrier(
        world, doing, "Capital request for new bed alarms", follow_up=today - timedelta(days=2)
    )
    await make_barrier(world, doing, "Removed already", follow_up=today, status="removed")
    await make_barrier(world, doing, "Champion's own barrier", owner="champion", follow_up=today)
    await make_issue(world, "Pump alarms are silent at night", status="new", priority=3)
    await make_issue(world, "Transport delays for CT at night", status="planned", priority=3)
    await make_issue(world, "Label the crash cart drawers", status="new", priority=2, ease="easy")
    await make_issue(world, "Hard to fix and low", status="planned", priority=1, ease="easy")
    await make_issue(world, "Another unit's problem", unit=world.unit_b, status="new", priority=3)
    await LastEvent.insert(
        LastEvent(unit=world.unit_a, kind="fall", occurred_on=today - timedelta(days=12)),
        LastEvent(unit=world.unit_a, kind="clabsi", occurred_on=today - timedelta(days=200)),
    )
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    await UnitMeasure.insert(
        UnitMeasure(
            unit=world.unit_a,
            month=month,
            patient_days=800,
            falls=2,
            central_line_days=250,
            clabsi=0,
            entered_at=clock.now(),
            version=1,
        )
    )
    upcoming = await make_round(world, days=1)
    return {"previous": previous, "upcoming": upcoming, "done": done, "doing": doing, "cant": cant}


async def test_briefing_content_for_a_seeded_unit(client, world, login, query_counter):
    ids = await seed_unit(world)
    await login(client, "executive")
    with query_counter() as counted:
        response = await client.get(f"/rounds/{ids['upcoming']}/briefing")
    assert response.status_code == 200
    html = response.text
    # days since, computed from the last-event dates
    assert ">12<" in html and "days since the last fall" in html
    assert ">200<" in html and "days since the last CLABSI" in html
    # what the executive promised: their open barrier (overdue follow-up) only
    assert "Capital request for new bed alarms" in html and "2 days overdue" in html
    assert "Removed already" not in html and "Champion&#39;s own barrier" not in html
    # last round's issues with their stoplights
    assert "Suction unit missing on nights" in html and "Bed alarm does not reset" in html
    assert "stoplight--green" in html and "stoplight--yellow" in html and "stoplight--red" in html
    # open issues, overdue, easy wins (priority medium+ and easy)
    assert "Open issues: 5" in html and "1 overdue" in html
    assert "Label the crash cart drawers" in html
    top = html.split("Highest priority")[1].split("Easy wins")[0]
    assert (
        "Pump alarms are silent" in top
        and "Transport delays" in top
        and "Label the crash cart" not in top
    )
    easy = html.split("Easy wins")[1].split("</section>")[0]
    assert "Label the crash cart drawers" in easy and "Hard to fix and low" not in easy
    assert "Another unit&#39;s problem" not in html
    # falls rate for last month: 2 / 800 * 1000 = 2.5
    assert "2.5 last month" in html
    assert "How might the next patient on this unit be harmed?" in html
    assert "Start round" in html
    assert counted.n <= 20, counted.queries


async def test_champion_prepares_marks_ready_and_version_check(client, world, login, make_client):
    ids = await seed_unit(world)
    url = f"/rounds/{ids['upcoming']}/briefing/edit"
    await login(client, "champion")
    page = await client.get(url)
    assert page.status_code == 200 and "Mark ready" in page.text
    notes = {
        "going_on": "Two new travellers this week",
        "staff_concerns": "Pumps alarm silently",
        "wins": "Night team's catch",
        "asks": "Approve a second suction unit",
        "version": "0",
        "action": "ready",
    }
    response = await post_form(client, url, notes)
    assert response.status_code == 303
    row = await Briefing.select().where(Briefing.round == ids["upcoming"]).first()
    assert (
        row["ready_at"] is not None
        and row["version"] == 1
        and row["asks"] == "Approve a second suction unit"
    )
    assert (
        await SafetyRound.select(SafetyRound.status)
        .where(SafetyRound.id == ids["upcoming"])
        .first()
    )["status"] == "briefed"
    # a stale version is refused and nothing is overwritten; the typed text is mentioned back
    stale = await post_form(
        client, url, {**notes, "going_on": "Stale edit", "version": "0", "action": "save"}
    )
    assert (
        stale.status_code == 200
        and "Someone else saved" in stale.text
        and "Stale edit" in stale.text
    )
    assert (
        await Briefing.select(Briefing.going_on).where(Briefing.round == ids["upcoming"]).first()
    )["going_on"] == "Two new travellers this week"
    # identifiers are refused next to the field, text kept
    bad = await post_form(
        client,
        url,
        {**notes, "staff_concerns": "Mr Smith in bed 4 fell", "version": "1", "action": "save"},
    )
    assert form_error(bad.text, "staff_concerns") and "Mr Smith in bed 4 fell" in bad.text
    # the executive sees it ready on the home page
    async with make_client() as exec_client:
        await login(exec_client, "executive")
        home = (await exec_client.get("/")).text
        assert "Briefing ready" in home and f"/rounds/{ids['upcoming']}/briefing" in home
        briefing = (await exec_client.get(f"/rounds/{ids['upcoming']}/briefing")).text
        assert (
            "Approve a second suction unit" in briefing
            and "not marked this briefing ready" not in briefing
        )
    # members cannot edit
    async with make_client() as member:
        await login(member, "member")
        assert (await member.get(url)).status_code == 403


async def test_start_freezes_the_briefing_as_shown(client, world, login):
    ids = await seed_unit(world)
    await login(client, "champion")
    await post_form(
        client,
        f"/rounds/{ids['upcoming']}/briefing/edit",
        {
            "going_on": "Census high since 3 March",
            "wins": "Zero CLABSI",
            "version": "0",
            "action": "ready",
        },
    )
    await login(client, "executive")
    response = await post_form(client, f"/rounds/{ids['upcoming']}/start", {"confirm": "yes"})
    assert (
        response.status_code == 303
        and response.headers["location"] == f"/rounds/{ids['upcoming']}/run"
    )
    row = await Briefing.select().where(Briefing.round == ids["upcoming"]).first()
    assert (
        row["frozen_at"] is not None
        and "Capital request for new bed alarms" in row["frozen_content"]
    )
    # the log changes after the round started: the kept briefing does not
    await make_issue(world, "Brand new concern after start", status="new", priority=3)
    html = (await client.get(f"/rounds/{ids['upcoming']}/briefing")).text
    assert "as it was shown when the round started" in html
    assert (
        "Capital request for new bed alarms" in html and "Brand new concern after start" not in html
    )
    assert ">12<" in html and "Census high since 3 March" in html and "Zero CLABSI" in html
    # the notes can no longer be edited once the round started
    refused = await post_form(
        client,
        f"/rounds/{ids['upcoming']}/briefing/edit",
        {"going_on": "late", "version": str(row["version"]), "action": "save"},
    )
    assert refused.status_code == 200 and "can no longer be edited" in refused.text
    # starting twice is harmless (a double tap)
    again = await post_form(client, f"/rounds/{ids['upcoming']}/start")
    assert again.status_code == 303


async def test_an_unreadable_kept_briefing_does_not_break_the_page(client, world, login):
    round_id = await make_round(world, days=-1, status="completed")
    for junk in ("{not json", '{"unit_name": "x"}', "[1, 2]"):
        await Briefing.delete().where(Briefing.round == round_id)
        await Briefing.insert(
            Briefing(round=round_id, frozen_content=junk, updated_at=clock.now(), version=1)
        )
        await login(client, "executive")
        page = await client.get(f"/rounds/{round_id}/briefing")
        assert page.status_code == 200 and "No copy of the briefing was kept" in page.text
