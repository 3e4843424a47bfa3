"""A barrier the executive escalated stays on her home page (issue #20): "escalated to X, waiting
since ..." until it is removed; one she still owns is not listed twice."""

from __future__ import annotations

from datetime import timedelta

from rounds.barriers.tables import Barrier
from rounds.core import clock
from rounds.core.clock import local_today
from rounds.web.filters import day
from tests.barriers.helpers import make_barrier
from tests.conftest import post_form


async def test_escalated_barrier_stays_on_the_executives_home(client, world, login):
    escalated = await make_barrier(world, description="Bed alarm vendor contract stalled")
    await make_barrier(world, description="Hand-off sheet printer broken")
    await login(client, "executive")
    home = (await client.get("/")).text
    assert "Bed alarm vendor contract stalled" in home and "Escalated by me" not in home
    done = await post_form(
        client,
        f"/barriers/{escalated}/escalate",
        {
            "esc_level": "c_suite",
            "esc_owner": str(world.people["leader"]),
            "esc_reason": "Needs capital approval",
            "esc_next": (local_today() + timedelta(days=5)).isoformat(),
            "version": "1",
            "next": f"/barriers/{escalated}",
        },
    )
    assert done.status_code == 303
    home = (await client.get("/")).text
    panel = home.split('id="followups-h"')[1].split("</section>")[0]
    waiting = panel.split("Escalated by me, waiting")[1]
    assert "Bed alarm vendor contract stalled" in waiting
    assert f"Escalated to Lee Leader, waiting since {day(clock.now())}" in waiting
    # one she still owns is in her follow-ups above, not among the escalated
    assert "Hand-off sheet printer broken" not in waiting
    assert "Hand-off sheet printer broken" in panel.split("Escalated by me")[0]
    # once removed, nothing is owed any more
    await Barrier.update({Barrier.status: "removed"}).where(Barrier.id == escalated)
    assert "Escalated by me" not in (await client.get("/")).text
