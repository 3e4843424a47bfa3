"""The per-person iCalendar feed: parsed by a real iCalendar parser, secret and revocable."""

import re
from datetime import timedelta

from icalendar import Calendar

from rounds.core import clock
from rounds.core.clock import local_today
from rounds.meetings.tables import Meeting
from tests.conftest import post_form
from tests.rounding.helpers import make_barrier, make_issue, make_round


async def test_feed_lists_rounds_meetings_and_follow_ups_and_can_be_revoked(
    client, world, login, make_client
):
    mine = await make_round(world, days=3)
    await make_round(world, days=4, status="cancelled")
    await make_round(world, days=5, executive=None, champion=None)
    await make_round(world, unit=world.unit_b, days=3, executive=None, champion="outsider")
    await Meeting.insert(
        Meeting(
            unit=world.unit_a,
            scheduled_at=clock.now() + timedelta(days=10),
            created_at=clock.now(),
            version=1,
        )
    )
    issue = await make_issue(world, "Pump quote")
    follow_up = local_today() + timedelta(days=6)
    await make_barrier(world, issue, "Capital request", follow_up=follow_up)
    await login(client, "executive")
    page = await post_form(client, "/me/calendar", {"action": "create"})
    link = re.search(r'value="(http[^"]+\.ics)"', page.text).group(1)
    path = (
        link.split("127.0.0.1:8000")[-1]
        if "127.0.0.1:8000" in link
        else "/" + link.split("/", 3)[3]
    )
    async with make_client() as anonymous:  # no session: the token is the key
        response = await anonymous.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "text/calendar"
        )
        cal = Calendar.from_ical(response.content)
        events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
        assert f"round-{mine}@rounds" in events
        assert (
            len([u for u in events if u.startswith("round-")]) == 1
        )  # not cancelled, not others', not unit B
        assert any(u.startswith("meeting-") for u in events)
        barrier = next(e for u, e in events.items() if u.startswith("barrier-"))
        assert barrier.decoded("dtstart") == follow_up  # an all-day event
        assert "Capital request" not in response.text  # log text stays in Rounds
        assert "Safety round – Unit A ICU" in str(events[f"round-{mine}@rounds"]["summary"])
        # a new link revokes the old one; switching off revokes everything
        await post_form(client, "/me/calendar", {"action": "create"})
        assert (await anonymous.get(path)).status_code == 404
        assert (await anonymous.get("/calendar/not-a-token.ics")).status_code == 404
        assert (await anonymous.get("/calendar/nothing")).status_code == 404
    await post_form(client, "/me/calendar", {"action": "revoke"})
    assert "No calendar link yet" in (await client.get("/me/calendar")).text


async def test_events_carry_the_unit_and_a_link_and_owned_issue_due_dates(
    client, world, login, make_client
):
    from rounds.issues.tables import SafetyIssue

    await make_round(world, days=3)
    await Meeting.insert(
        Meeting(
            unit=world.unit_a,
            scheduled_at=clock.now() + timedelta(days=10),
            created_at=clock.now(),
            version=1,
        )
    )
    issue = await make_issue(world, "Pump quote")
    await make_barrier(world, issue, "Capital request", follow_up=local_today() + timedelta(days=6))
    due = local_today() + timedelta(days=9)
    executive = world.people["executive"]
    await SafetyIssue.update({SafetyIssue.owner: executive, SafetyIssue.due_on: due}).where(
        SafetyIssue.id == issue
    )
    closed = await make_issue(world, "Closed one")
    await SafetyIssue.update(
        {SafetyIssue.owner: executive, SafetyIssue.due_on: due, SafetyIssue.status: "closed"}
    ).where(SafetyIssue.id == closed)
    await login(client, "executive")
    page = await post_form(client, "/me/calendar", {"action": "create"})
    path = "/calendar/" + re.search(r'/calendar/([^"]+\.ics)"', page.text).group(1)
    async with make_client() as anonymous:
        response = await anonymous.get(path)
    cal = Calendar.from_ical(response.content)
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert {u.split("-")[0] for u in events} == {"round", "meeting", "barrier", "issue"}
    for uid, event in events.items():
        assert str(event["location"]) == "Unit A ICU", uid
        assert str(event["url"]).startswith("http"), uid
    assert f"issue-{issue}@rounds" in events and f"issue-{closed}@rounds" not in events
    owned = events[f"issue-{issue}@rounds"]
    assert owned.decoded("dtstart") == due and str(owned["url"]).endswith(f"/issues/{issue}")
    assert "Pump quote" not in response.text  # the issue's words stay in Rounds
