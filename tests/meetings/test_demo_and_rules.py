"""The demo year of meetings, and the meeting rules on their own."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from rounds import demo
from rounds.core.identifiers import find_identifiers
from rounds.core.tables import Unit
from rounds.meetings import rules
from rounds.meetings.tables import (
    Meeting,
    MeetingAction,
    MeetingAddendum,
    MeetingAttendee,
    MeetingItem,
)
from tests.conftest import sign_in


# loads the whole demo hospital (4-6 s on a loaded 2-core machine)
@pytest.mark.slow
async def test_demo_has_a_year_of_meetings_per_unit(client, engine):
    assert await demo.load("demo-password-for-tests") is True
    units = await Unit.select(Unit.id)
    for unit in units:
        meetings = await Meeting.select().where(Meeting.unit == unit["id"])
        finalised = [m for m in meetings if m["finalised_at"] is not None]
        scheduled = [m for m in meetings if m["finalised_at"] is None]
        assert len(finalised) >= 12 and len(scheduled) == 1, unit
        assert all(m["upward_summary"] for m in finalised)
    assert (
        await MeetingAttendee.count() > 0
        and await MeetingAction.count() > 0
        and await MeetingAddendum.count() > 0
    )
    # no patient identifiers in anything a meeting holds
    texts = [
        r["minutes"] + " " + r["decisions"] + " " + r["title"] for r in await MeetingItem.select()
    ]
    texts += [r["body"] for r in await MeetingAddendum.select()] + [
        r["upward_summary"] for r in await Meeting.select()
    ]
    texts += [r["guest_role"] for r in await MeetingAttendee.select()] + [
        r["description"] for r in await MeetingAction.select()
    ]
    assert [t for t in texts if find_identifiers(t)] == []
    # the champion's unit history and the next meeting's agenda render
    await sign_in(client, "champion@example.org", "demo-password-for-tests")
    unit_id = (await Unit.select(Unit.id).where(Unit.name == "4 West Medical ICU").first())["id"]
    history = await client.get(f"/units/{unit_id}/meetings")
    assert history.status_code == 200 and "meetings held of those expected monthly" in history.text
    upcoming = (
        await Meeting.select(Meeting.id)
        .where((Meeting.unit == unit_id) & Meeting.finalised_at.is_null())
        .first()
    )
    page = await client.get(f"/meetings/{upcoming['id']}")
    assert page.status_code == 200 and "data-autosave" in page.text
    past = (
        await Meeting.select(Meeting.id)
        .where((Meeting.unit == unit_id) & Meeting.finalised_at.is_not_null())
        .first()
    )
    assert "Minutes approved and locked" in (await client.get(f"/meetings/{past['id']}")).text
    assert (await client.get(f"/meetings/{past['id']}/print")).status_code == 200


def test_monthly_schedule_keeps_the_day_and_clamps_month_ends():
    first = datetime(2026, 1, 31, 14, 0, tzinfo=UTC)
    days = [d.date() for d in rules.monthly_schedule(first, 4)]
    assert days == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    assert rules.add_months(datetime(2026, 11, 10, tzinfo=UTC), 3).date() == date(2027, 2, 10)


def test_expected_meetings_counts_months_since_the_first_within_a_year():
    today = date(2026, 11, 23)
    assert rules.expected_meetings(None, today) == 0
    assert rules.expected_meetings(date(2026, 9, 5), today) == 3
    assert rules.expected_meetings(date(2020, 1, 1), today) == 12
    assert rules.expected_meetings(date(2026, 12, 1), today) == 0


def test_since_date_and_action_on_time():
    assert rules.since_date(date(2026, 10, 12), date(2026, 11, 12)) == date(2026, 10, 12)
    assert rules.since_date(None, date(2026, 11, 12)) == date(2026, 10, 12)
    assert rules.action_done_on_time("resolved", date(2026, 1, 5), date(2026, 1, 5))
    assert not rules.action_done_on_time("resolved", date(2026, 1, 6), date(2026, 1, 5))
    assert not rules.action_done_on_time("in_progress", None, date(2026, 1, 5))


def test_upward_summary_draft_names_decisions_and_barriers():
    text = rules.draft_upward_summary(
        "4 West", "Tue 10 Nov", ["Buy louder alarms", ""], ["Capital for pumps."], 2, 1
    )
    assert (
        "Buy louder alarms." in text
        and "Capital for pumps." in text
        and "2 action items" in text
        and "resolved 1 safety issue." in text
    )
    assert "No barriers currently need senior help." in rules.draft_upward_summary(
        "4 West", "Tue 10 Nov", [], [], 0, 0
    )


def test_move_swaps_neighbours_and_stops_at_the_ends():
    assert rules.move([1, 2, 3], 2, "up") == [2, 1, 3]
    assert rules.move([1, 2, 3], 3, "down") == [1, 2, 3]
    assert rules.move([1, 2, 3], 9, "up") == [1, 2, 3]
