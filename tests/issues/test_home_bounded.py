"""Home pages whose cost does not grow with the hospital (issue #16): every list on them is the
first few rows of an index, merged across the person's units (rounds.issues.log.first_of_units),
and each page sends a fixed number of statements, pinned here. The plans themselves are checked
on both databases by tests/test_query_plans.py; the timings at a million issues are in the
README."""

from __future__ import annotations

from datetime import timedelta

from rounds.core import clock
from rounds.core.clock import local_today


async def _two_units(world):
    from rounds.core.tables import Membership

    await Membership(
        person=world.people["executive"], unit=world.unit_b, unit_role="executive"
    ).save()


async def test_since_i_last_looked_merges_her_units_and_says_when_there_are_more(
    client, world, login, new_issue
):
    """The newest stoplight changes of all her units in one list, newest first; with more than
    fit, the five most recent and a link to the log - never a count it did not make."""
    await _two_units(world)
    now = clock.now()
    for n in range(4):
        await new_issue(
            f"Unit A change {n}",
            status="resolved",
            status_changed_at=now - timedelta(hours=10 * n + 1),
        )
        await new_issue(
            f"Unit B change {n}",
            unit=world.unit_b,
            status="in_progress",
            status_changed_at=now - timedelta(hours=10 * n + 5),
        )
    await new_issue("Raised, not changed", status="new", status_changed_at=now)
    await login(client, "executive")
    html = (await client.get("/")).text
    panel = html.split('id="issues-panel-h"')[1].split("</section>")[0]
    shown = [
        "Unit A change 0",
        "Unit B change 0",
        "Unit A change 1",
        "Unit B change 1",
        "Unit A change 2",
    ]
    assert [panel.index(t) for t in shown] == sorted(panel.index(t) for t in shown)
    for absent in ("Unit B change 2", "Unit A change 3", "Raised, not changed"):
        assert absent not in panel, absent
    assert "The 5 most recent; there are more." in panel and "/issues?sort=updated" in panel


async def test_no_more_link_when_everything_is_shown(client, world, login, new_issue):
    await _two_units(world)
    for n in range(5):
        await new_issue(
            f"Changed {n}",
            status="resolved",
            status_changed_at=clock.now() - timedelta(hours=n + 1),
        )
    await login(client, "executive")
    panel = (await client.get("/")).text.split('id="issues-panel-h"')[1].split("</section>")[0]
    assert all(f"Changed {n}" in panel for n in range(5))
    assert "there are more" not in panel


async def test_feedback_and_fixes_owed_across_her_units_most_late_first(
    client, world, login, new_issue
):
    await _two_units(world)
    me, today = world.people["executive"], local_today()
    await new_issue("A feedback 2 days late", feedback_due_on=today - timedelta(days=2))
    await new_issue(
        "B feedback 6 days late", unit=world.unit_b, feedback_due_on=today - timedelta(days=6)
    )
    await new_issue(
        "B fix of mine 4 days late",
        unit=world.unit_b,
        owner=me,
        status="planned",
        due_on=today - timedelta(days=4),
    )
    await new_issue("A fix of mine, no date", owner=me, status="planned")
    await new_issue("A fix done", owner=me, status="closed", due_on=today - timedelta(days=9))
    await new_issue(
        "A feedback given",
        feedback_due_on=today - timedelta(days=9),
        feedback_given_on=today - timedelta(days=8),
    )
    await login(client, "executive")
    panel = (await client.get("/")).text.split('id="issues-owed-h"')[1].split("</section>")[0]
    order = ["B feedback 6 days late", "B fix of mine 4 days late", "A feedback 2 days late"]
    assert [panel.index(t) for t in order] == sorted(panel.index(t) for t in order)
    for absent in ("no date", "A fix done", "A feedback given"):
        assert absent not in panel, absent


async def test_champion_sees_overdue_fixes_soonest_first(client, world, login, new_issue):
    today = local_today()
    await new_issue("Fix 9 days late", status="in_progress", due_on=today - timedelta(days=9))
    await new_issue("Fix 2 days late", status="planned", due_on=today - timedelta(days=2))
    await new_issue("Fix due today", status="planned", due_on=today)
    await new_issue("Fix late but resolved", status="resolved", due_on=today - timedelta(days=5))
    await login(client, "champion")
    html = (await client.get("/")).text
    part = html.split("Overdue fixes")[1].split("</ul>")[0]
    assert part.index("Fix 9 days late") < part.index("Fix 2 days late")
    assert "Fix due today" not in part and "resolved" not in part


async def _home_statements(client, login, query_counter, who) -> int:
    await login(client, who)
    await client.get("/")  # the visit is recorded; the next view is the same visit
    with query_counter() as counted:
        response = await client.get("/")
    assert response.status_code == 200
    return counted.n


async def test_home_statement_counts_are_pinned(client, world, login, new_issue, query_counter):
    """The statements each home page sends (signed-in session, every panel, the visit). They do
    not depend on how many issues there are; a change here is a new query on every home view."""
    today = local_today()
    await _two_units(world)
    await new_issue("Feedback late", feedback_due_on=today - timedelta(days=2))
    await new_issue("Fix late", status="planned", due_on=today - timedelta(days=2))
    await new_issue("Changed", status="resolved", status_changed_at=clock.now())
    counts = {
        who: await _home_statements(client, login, query_counter, who)
        for who in ("champion", "executive", "leader")
    }
    assert counts == PINNED, counts


PINNED = {"champion": 17, "executive": 16, "leader": 10}
