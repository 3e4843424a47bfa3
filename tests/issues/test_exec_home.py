"""The executive's home lists what she owes (issue #20): issues she owns that are overdue or due
this week, latest first; not someone else's, not next month's, not closed ones."""

from __future__ import annotations

from datetime import timedelta

from rounds.core.clock import local_today


async def test_executive_home_lists_issues_she_owns_overdue_or_due_this_week(
    client, world, login, new_issue, query_counter
):
    me, today = world.people["executive"], local_today()
    await new_issue(
        "Mine and overdue", owner=me, status="in_progress", due_on=today - timedelta(days=3)
    )
    await new_issue(
        "Mine due in five days", owner=me, status="planned", due_on=today + timedelta(days=5)
    )
    await new_issue(
        "Mine next month", owner=me, status="planned", due_on=today + timedelta(days=30)
    )
    await new_issue("Mine but done", owner=me, status="resolved", due_on=today - timedelta(days=3))
    await new_issue(
        "Someone else's overdue",
        owner=world.people["champion"],
        status="in_progress",
        due_on=today - timedelta(days=3),
    )
    await login(client, "executive")
    with query_counter() as counted:
        html = (await client.get("/")).text
    panel = html.split('id="issues-owed-h"')[1].split("</section>")[0]
    assert panel.index("Mine and overdue") < panel.index("Mine due in five days")
    assert "3 days overdue" in panel and "due in 5 days" in panel
    for absent in ("Mine next month", "Mine but done", "Someone else"):
        assert absent not in panel, absent
    assert counted.n < 30
    # nothing owed: no empty panel
    await login(client, "champion")
    assert 'id="issues-owed-h"' not in (await client.get("/")).text
