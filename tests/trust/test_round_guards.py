"""Issue #11 case 8 (server part): starting a round not due today, or while another round on
the unit is in progress, asks to confirm (a plain form, no JavaScript); a round left in progress
for more than a day is flagged on its executive's and champion's home panel."""

from datetime import timedelta
from html import unescape

from rounds.core import clock
from rounds.rounding.tables import SafetyRound
from tests.conftest import post_form
from tests.rounding.helpers import make_round


async def _status(round_id):
    row = await SafetyRound.select(SafetyRound.status).where(SafetyRound.id == round_id).first()
    return row["status"]


async def test_starting_a_round_not_due_today_asks_to_confirm(client, world, login):
    later = await make_round(world, days=3)
    await login(client, "executive")
    asked = await post_form(client, f"/rounds/{later}/start")
    html = unescape(asked.text)
    assert asked.status_code == 200 and "not today" in html
    assert 'name="confirm" value="yes"' in html and "Start the round anyway" in html
    assert await _status(later) == "scheduled"
    confirmed = await post_form(client, f"/rounds/{later}/start", {"confirm": "yes"})
    assert confirmed.status_code == 303 and await _status(later) == "in_progress"


async def test_round_due_today_starts_straight_away(client, world, login):
    today = await make_round(world, days=0)
    await login(client, "executive")
    assert (await post_form(client, f"/rounds/{today}/start")).status_code == 303


async def test_second_round_on_a_unit_in_progress_needs_confirming(client, world, login):
    first = await make_round(world, days=0)
    second = await make_round(world, days=0)
    await login(client, "champion")
    assert (await post_form(client, f"/rounds/{first}/start")).status_code == 303
    asked = await post_form(client, f"/rounds/{second}/start")
    assert asked.status_code == 200 and "still in progress" in unescape(asked.text)
    assert await _status(second) == "scheduled"
    # another unit's round is not affected
    other = await make_round(world, unit=world.unit_b, days=0, executive=None, champion="outsider")
    assert await _status(other) == "scheduled"


async def test_round_left_in_progress_for_a_day_is_flagged(client, make_client, world, login):
    stale = await make_round(
        world, days=-2, status="in_progress", started_at=clock.now() - timedelta(days=2)
    )
    fresh = await make_round(
        world, days=0, status="in_progress", started_at=clock.now() - timedelta(hours=2)
    )
    for who in ("executive", "champion"):
        async with make_client() as c:
            await login(c, who)
            panel = (await c.get("/")).text.split('id="next-round-h"')[1].split("</section>")[0]
            assert "Rounds still “in progress”" in panel
            assert f"/rounds/{stale}/run" in panel and "more than a day" in panel
            flagged = panel.split("Rounds still")[1]
            assert f"/rounds/{fresh}/run" not in flagged
    async with make_client() as c:
        await login(c, "outsider")
        assert "Rounds still" not in (await c.get("/")).text
