"""Monthly meetings by rule ("second Tuesday of the month"), and weekend or holiday days
flagged when scheduling."""

from datetime import date, datetime, timedelta

import httpx
from asgi_lifespan import LifespanManager

from rounds.app import create_app
from rounds.core.clock import local, local_today
from rounds.meetings import rules
from rounds.meetings.tables import Meeting
from tests.conftest import post_form


def test_weekday_rule_keeps_the_nth_weekday():
    first = datetime(2026, 1, 13, 14, 0)  # the second Tuesday of January 2026
    days = [d.date() for d in rules.weekday_schedule(first, 4)]
    assert days == [date(2026, 1, 13), date(2026, 2, 10), date(2026, 3, 10), date(2026, 4, 14)]
    assert all(d.weekday() == 1 and rules.week_of_month(d) == 2 for d in days)
    assert rules.repeat_words(date(2026, 1, 13), "weekday") == "the second Tuesday of each month"
    # a fifth weekday means the last one
    last = [d.date() for d in rules.weekday_schedule(datetime(2026, 1, 30, 9, 0), 2)]
    assert last == [date(2026, 1, 30), date(2026, 2, 27)]  # last Fridays
    assert rules.repeat_words(date(2026, 3, 22), "date") == "the 22nd of each month"
    assert rules.repeat_words(date(2026, 3, 11), "date") == "the 11th of each month"


def test_weekends_and_holidays_are_days_off():
    holidays = frozenset({date(2026, 12, 25)})
    assert rules.day_off(date(2026, 12, 25), holidays) == "a holiday"
    assert rules.day_off(date(2026, 3, 14), holidays) == "a Saturday"
    assert rules.day_off(date(2026, 3, 16), holidays) is None


def _nth_weekday_ahead(n: int, weekday: int) -> date:
    """A date at least a week ahead that is the n-th `weekday` of its month."""
    day = local_today() + timedelta(days=7)
    while not (day.weekday() == weekday and rules.week_of_month(day) == n):
        day += timedelta(days=1)
    return day


async def test_scheduling_by_rule_flags_weekends_and_holidays(settings, engine, world, login):
    first = _nth_weekday_ahead(2, 1)  # a second Tuesday
    second = rules.weekday_schedule(datetime.combine(first, datetime.min.time()), 2)[1].date()
    app = create_app(settings.model_copy(update={"holidays": second.isoformat()}), engine=engine)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await login(client, "champion")
            data = {"first_on": first.isoformat(), "at": "13:30", "count": "3", "repeat": "weekday"}
            r = await post_form(client, f"/units/{world.unit_a}/meetings", data)
            assert r.status_code == 303
            days = [
                local(m["scheduled_at"]).date()
                for m in await Meeting.select().order_by(Meeting.scheduled_at)
            ]
            assert all(d.weekday() == 1 and rules.week_of_month(d) == 2 for d in days)
            page = (await client.get(f"/units/{world.unit_a}/meetings")).text
            assert 'id="days-off"' in page and "is a holiday" in page
            assert page.count("On a holiday") == 1
            # the same date each month lands on a weekend somewhere: said too
            saturday = local_today() + timedelta(days=(5 - local_today().weekday()) % 7 + 7)
            data = {"first_on": saturday.isoformat(), "at": "09:00", "count": "1", "repeat": "date"}
            await post_form(client, f"/units/{world.unit_a}/meetings", data)
            page = (await client.get(f"/units/{world.unit_a}/meetings")).text
            assert "is a Saturday" in page and "On a Saturday" in page
