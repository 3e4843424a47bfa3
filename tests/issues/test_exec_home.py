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


async def test_executive_owes_staff_feedback_on_her_units_issues_most_late_first(
    client, world, login, new_issue, query_counter
):
    """Feedback due (or overdue) on her units' issues is listed with her fixes, by lateness,
    using the measures' definition (feedback given: not listed)."""
    me, today = world.people["executive"], local_today()
    await new_issue("My fix two days late", owner=me, status="planned", due_on=today - timedelta(2))
    await new_issue(
        "Feedback five days late",
        owner=world.people["champion"],
        status="resolved",
        feedback_due_on=today - timedelta(days=5),
    )
    await new_issue("Feedback due in three days", feedback_due_on=today + timedelta(days=3))
    await new_issue(
        "Feedback already given",
        feedback_due_on=today - timedelta(days=4),
        feedback_given_on=today - timedelta(days=6),
    )
    await new_issue(
        "Other unit's feedback", unit=world.unit_b, feedback_due_on=today - timedelta(days=9)
    )
    await login(client, "executive")
    html = (await client.get("/")).text
    panel = html.split('id="issues-owed-h"')[1].split("</section>")[0]
    order = ["Feedback five days late", "My fix two days late", "Feedback due in three days"]
    assert [panel.index(t) for t in order] == sorted(panel.index(t) for t in order)
    assert "Staff feedback 5 days overdue" in panel and "Fix 2 days overdue" in panel
    assert "Staff feedback due in 3 days" in panel
    for absent in ("Feedback already given", "Other unit&#39;s feedback"):
        assert absent not in panel, absent
    # the panel's statements: the visit read and written, changes, fixes owed, feedback owed
    from rounds.issues import panels
    from tests.issues.conftest import viewer_for

    viewer = await viewer_for(me)
    with query_counter() as counted:
        await panels.home_panel(viewer)
    assert counted.n == 5, counted.queries


async def test_since_i_last_looked_counts_from_my_previous_visit(
    client, world, login, new_issue, fake_clock
):
    from rounds.core import clock

    def changed(text):
        return new_issue(text, status="resolved", status_changed_at=clock.now())

    await new_issue(
        "Changed 20 days ago", status="resolved", status_changed_at=clock.now() - timedelta(20)
    )
    await new_issue(
        "Changed 3 days ago", status="resolved", status_changed_at=clock.now() - timedelta(3)
    )
    await login(client, "executive")
    first = (await client.get("/")).text  # no previous visit: the last 14 days
    assert "in the last 14 days" in first and "Changed 3 days ago" in first
    assert "Changed 20 days ago" not in first
    fake_clock.advance(minutes=10)
    await changed("Changed during my visit")
    fake_clock.advance(minutes=1)
    again = (await client.get("/")).text  # back within half an hour: the same visit
    assert "Changed 3 days ago" in again and "Changed during my visit" in again
    fake_clock.advance(hours=20)
    await changed("Changed overnight")
    await login(client, "executive")  # signed out meanwhile
    later = (await client.get("/")).text  # a new visit: since the last view of the previous one
    assert "since your last visit" in later and "Changed overnight" in later
    for seen in ("Changed 3 days ago", "Changed during my visit"):
        assert seen not in later, seen


async def test_what_she_owes_is_only_on_units_she_sees(client, world, login, new_issue):
    """An issue she still owns on a unit she no longer belongs to (moved to another unit, say)
    is not read onto her home: its page would be a 404 for her, so its words are not hers to see
    there either."""
    me, today = world.people["executive"], local_today()
    await new_issue("Mine on my unit", owner=me, status="planned", due_on=today - timedelta(1))
    await new_issue(
        "Left behind on unit B",
        unit=world.unit_b,
        owner=me,
        status="planned",
        due_on=today - timedelta(days=2),
    )
    await login(client, "executive")
    html = (await client.get("/")).text
    assert "Mine on my unit" in html
    assert "Left behind on unit B" not in html
