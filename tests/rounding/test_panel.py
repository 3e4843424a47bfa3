"""The home panel: next round per unit with its briefing status, and missing measures."""

from rounds.core import clock
from rounds.core.clock import local_today
from rounds.rounding import rules
from rounds.rounding.tables import Briefing, UnitMeasure
from tests.rounding.helpers import make_round


async def test_home_panel_next_round_and_measures(client, world, login, make_client, query_counter):
    first = await make_round(world, days=2)
    await make_round(world, days=30)
    await Briefing.insert(
        Briefing(round=first, ready_at=clock.now(), updated_at=clock.now(), version=1)
    )
    await login(client, "champion")
    with query_counter() as counted:
        html = (await client.get("/")).text
    panel = html.split('id="next-round-h"')[1].split("</section>")[0]
    assert panel.count("next-round__what") == 1  # only the next round on the unit
    assert (
        "Briefing ready" in panel
        and f"/rounds/{first}/briefing/edit" in panel
        and "Prepare briefing" in panel
    )
    assert (
        "Measures to enter this month" in panel
        and rules.month_label(rules.previous_month(local_today())) in panel
    )
    await UnitMeasure.insert(
        UnitMeasure(
            unit=world.unit_a,
            month=rules.previous_month(local_today()),
            patient_days=10,
            entered_at=clock.now(),
            version=1,
        )
    )
    assert "Measures to enter this month" not in (await client.get("/")).text
    assert counted.n <= 30  # the whole home page, every feature's panel
    async with make_client() as executive:
        await login(executive, "executive")
        panel = (await executive.get("/")).text.split('id="next-round-h"')[1].split("</section>")[0]
        assert f'/rounds/{first}/briefing"' in panel and "Open briefing" in panel
        assert "Measures to enter" not in panel
    async with make_client() as outsider:
        await login(outsider, "outsider")
        assert "Unit A ICU" not in (await outsider.get("/")).text
