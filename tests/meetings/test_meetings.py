"""Monthly CUSP team meetings: the agenda, minutes saved as typed, attendance, action items,
locking, addenda, history and who may do what."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from rounds.audit import service as audit
from rounds.core.clock import local_today
from rounds.issues.tables import IssueUpdate, SafetyIssue
from rounds.meetings.tables import (
    Meeting,
    MeetingAction,
    MeetingAddendum,
    MeetingAttendee,
    MeetingItem,
)
from tests.conftest import form_error as raw_form_error
from tests.conftest import post_form
from tests.meetings.helpers import add_issue, add_meeting, items, seeded_unit, version_of


def form_error(page: str, field: str) -> str | None:
    message = raw_form_error(page, field)
    return unescape(message) if message else message


def section(page: str, key: str) -> str:
    """The HTML of one agenda section, without its action item forms (they list issues too)."""
    match = re.search(
        rf'<section class="card mtg-section" id="section-{key}".*?</section>', page, re.S
    )
    assert match, key
    return re.sub(r'<details class="mtg-action".*?</details>', "", match.group(0), flags=re.S)


async def test_agenda_builds_itself_from_the_units_data(client, world, login, query_counter):
    ids = await seeded_unit(world)
    await login(client, "champion")
    with query_counter() as counted:
        response = await client.get(f"/meetings/{ids['meeting']}")
    assert response.status_code == 200
    html = response.text
    data = section(html, "data")
    assert (
        "days since fall" in data
        and ">12<" in data
        and "800 patient days" in data
        and "2.5 per 1,000" in data
    )
    new = section(html, "new_issues")
    assert "Bed alarms not audible" in new
    assert "Old issue from before" not in new and "Suction regulators" not in new
    commitments = section(html, "commitments")
    assert "Suction regulators missing" in commitments and "4 days overdue" in commitments
    assert (
        "Biomed budget for new regulators" in commitments
        and "Asked the CFO for capital funds" in commitments
    )
    priorities = section(html, "priorities")
    assert (
        priorities.index("Suction regulators")
        < priorities.index("Bed alarms")
        < priorities.index("Old issue")
    )
    assert "Glucometer strips restocked" in section(html, "wins")
    assert "Biomed budget" in section(html, "upward")
    assert "Unit B issue" not in html
    # in order, as the meeting runs
    order = [
        html.index(f'id="section-{k}"')
        for k in ("data", "new_issues", "commitments", "case", "priorities", "wins", "upward")
    ]
    assert order == sorted(order)
    # a handful of indexed statements, whatever the size of the log: session, meeting, previous
    # meeting, items, team, attendance, actions, measures, last events, the case, the four issue
    # lists with their exact counts (one statement), barriers, their notes (23 before)
    assert counted.n <= 13, counted.queries
    assert len(response.content) < 50_000
    # the unit's programme measures load when opened (five statements over a year of the log)
    assert "Programme measures, last 12 months" in data and "Fed back %" not in html
    assert f'hx-get="/meetings/{ids["meeting"]}?show=programme"' in data
    # each action item's form (a list of issues) loads when opened
    assert "Add an action item" in html and 'name="idempotency_key"' not in html


async def test_long_agenda_lists_show_the_first_rows_and_the_rest_on_demand(
    client, world, login, query_counter
):
    """Ten new issues: five on the page with "Show all 10", which htmx loads in place and
    which, without JavaScript, opens the page with the list in full; the counts are exact."""
    ids = await seeded_unit(world)
    today = local_today()
    for n in range(9):
        await add_issue(
            world.unit_a, f"Extra concern {n:02d}", identified_on=today - timedelta(days=1)
        )
    await login(client, "champion")
    base = f"/meetings/{ids['meeting']}"
    html = (await client.get(base)).text
    new = section(html, "new_issues")
    assert new.count('class="row mtg-issue"') == 5
    assert f'href="{base}?show=new_issues#part-new_issues"' in new
    assert "Show all 10 new issues" in new
    with query_counter() as counted:
        part = await client.get(base + "?show=new_issues", headers={"HX-Request": "true"})
    assert part.status_code == 200 and "<html" not in part.text
    assert part.text.count('class="row mtg-issue"') == 10 and "Show all" not in part.text
    assert counted.n <= 13, counted.queries
    plain = (await client.get(base + "?show=new_issues")).text
    assert "<html" in plain and section(plain, "new_issues").count('class="row mtg-issue"') == 10
    # the other lists stay as they were; the programme measures open without JavaScript too
    programme = (await client.get(base + "?show=programme")).text
    assert 'id="more-programme" open' in programme and "Fed back %" in programme
    alone = await client.get(base + "?show=programme", headers={"HX-Request": "true"})
    assert "Fed back %" in alone.text and "<html" not in alone.text
    # an action item's form, alone for htmx, or open on the page without JavaScript
    item = (await items(ids["meeting"]))["new_issues"]
    form = await client.get(f"{base}?action={item}", headers={"HX-Request": "true"})
    assert 'action="/meetings/' in form.text and f'name="item" value="{item}"' in form.text
    assert "Extra concern 08" in form.text  # the section's issues, for an update
    opened = (await client.get(f"{base}?action={item}")).text
    assert f'id="item-{item}-action" open' in opened and f'name="item" value="{item}"' in opened
    # a top issue's owner and due date, and the case picker: forms loaded when opened too
    assert 'action="/meetings/' + str(ids["meeting"]) + '/case"' not in html
    assert "/assign" not in section(html, "priorities").split("hx-get")[0]
    top = re.search(r'id="top-(\d+)"', html).group(1)
    assign = await client.get(f"{base}?assign={top}", headers={"HX-Request": "true"})
    assert f'action="{base}/issues/{top}/assign"' in assign.text and "<html" not in assign.text
    plain = (await client.get(f"{base}?assign={top}")).text
    assert f'id="top-{top}-assign" open' in plain
    picker = await client.get(f"{base}?show=case", headers={"HX-Request": "true"})
    assert "Choose case" in picker.text and "Extra concern 08" in picker.text


async def test_champion_schedules_monthly_meetings_without_doubles(client, world, login):
    await login(client, "champion")
    first = local_today() + timedelta(days=3)
    data = {"first_on": first.isoformat(), "at": "13:30", "count": "3"}
    response = await post_form(client, f"/units/{world.unit_a}/meetings", data)
    assert response.status_code == 303
    again = await post_form(client, f"/units/{world.unit_a}/meetings", data)  # a double tap
    assert again.status_code == 303 and "skipped=3" in again.headers["location"]
    rows = await Meeting.select().where(Meeting.unit == world.unit_a).order_by(Meeting.scheduled_at)
    assert len(rows) == 3
    months = [(r["scheduled_at"].year, r["scheduled_at"].month) for r in rows]
    assert len(set(months)) == 3
    assert await MeetingItem.count().where(MeetingItem.meeting == rows[0]["id"]) == 7
    page = (await client.get(f"/units/{world.unit_a}/meetings")).text
    assert "Next meeting" in page and "Open the agenda" in page
    # a date in the past is refused next to the field, with the typed values kept
    bad = await post_form(
        client,
        f"/units/{world.unit_a}/meetings",
        {"first_on": "2001-01-01", "at": "09:00", "count": "2"},
    )
    assert bad.status_code == 200
    assert form_error(bad.text, "first_on") == "Choose today or a later date."
    assert 'value="2001-01-01"' in bad.text


async def test_members_cannot_schedule_and_leaders_cannot_write(client, world, login, make_client):
    meeting = await add_meeting(world.unit_a, local_today() + timedelta(days=1))
    item = (await items(meeting))["data"]
    await login(client, "member")
    response = await post_form(
        client,
        f"/units/{world.unit_a}/meetings",
        {"first_on": (local_today() + timedelta(days=2)).isoformat(), "count": "1"},
    )
    assert response.status_code == 403
    assert (await post_form(client, f"/meetings/{meeting}/finalise")).status_code == 403
    async with make_client() as leader:
        await login(leader, "leader")
        page = await leader.get(f"/meetings/{meeting}")
        assert page.status_code == 200 and "data-autosave" not in page.text
        denied = await post_form(
            leader, f"/meetings/{meeting}/items/{item}", {"minutes": "x", "version": "1"}, htmx=True
        )
        assert "can" in denied.text and await MeetingItem.select(MeetingItem.minutes).where(
            MeetingItem.id == item
        ).first() == {"minutes": ""}


async def test_minutes_autosave_and_a_stale_save_is_refused_with_both_texts(
    client, world, login, make_client
):
    meeting = await add_meeting(world.unit_a, local_today())
    item = (await items(meeting))["new_issues"]
    await login(client, "champion")
    html = (await client.get(f"/meetings/{meeting}")).text
    assert 'hx-trigger="keyup changed delay:800ms, change, submit, autosave:retry"' in html
    version = version_of(html, item)
    saved = await post_form(
        client,
        f"/meetings/{meeting}/items/{item}",
        {"minutes": "Alarm volume discussed", "decisions": "", "version": version},
        htmx=True,
    )
    assert (
        "Saved" in saved.text
        and f'id="item-{item}-version" value="{version + 1}"' in saved.text
        and "hx-swap-oob" in saved.text
    )
    # the same text again does not bump the version
    again = await post_form(
        client,
        f"/meetings/{meeting}/items/{item}",
        {"minutes": "Alarm volume discussed", "decisions": "", "version": version + 1},
        htmx=True,
    )
    assert f'value="{version + 1}"' in again.text
    # another device still holding the old version is refused, and shown both texts
    async with make_client() as other:
        await login(other, "member")
        stale = await post_form(
            other,
            f"/meetings/{meeting}/items/{item}",
            {
                "minutes": "Typed on the member's tablet",
                "decisions": "Buy louder alarms",
                "version": version,
            },
            htmx=True,
        )
        assert stale.status_code == 200
        assert (
            "Not saved" in stale.text
            and "Alarm volume discussed" in stale.text
            and "Typed on the member&#39;s tablet" in stale.text
        )
        assert "data-save-problem" in stale.text
        row = await MeetingItem.select().where(MeetingItem.id == item).first()
        assert row["minutes"] == "Alarm volume discussed" and row["version"] == version + 1
        # "Keep my text" posts it with the current version
        kept = await post_form(
            other,
            f"/meetings/{meeting}/items/{item}",
            {
                "minutes": "Typed on the member's tablet",
                "decisions": "Buy louder alarms",
                "version": version + 1,
            },
            htmx=True,
        )
        assert "Saved" in kept.text
    # without JavaScript the Save button reloads the page, and a stale save re-renders it with the text kept
    plain = await post_form(
        client,
        f"/meetings/{meeting}/items/{item}",
        {"minutes": "My plain text", "decisions": "", "version": version + 1},
    )
    assert (
        plain.status_code == 200
        and "My plain text" in plain.text
        and "Typed on the member" in plain.text
    )
    # a patient identifier is refused, the text kept in the page
    bad = await post_form(
        client,
        f"/meetings/{meeting}/items/{item}",
        {
            "minutes": "Mr Jones in bed 4 fell, MRN 12345678",
            "decisions": "",
            "version": version + 2,
        },
        htmx=True,
    )
    assert "Not saved" in bad.text and "patient identifiers" in bad.text
    assert len(await audit.history("meeting_item", item)) == 2


async def test_attendance_team_members_and_guests_by_role_only(client, world, login):
    meeting = await add_meeting(world.unit_a, local_today())
    await login(client, "champion")
    people = world.people
    ok = await post_form(
        client,
        f"/meetings/{meeting}/attendance",
        {
            "present": [str(people["executive"]), str(people["member"])],
            "guest_role": "Pharmacy director",
        },
    )
    assert ok.status_code == 303
    rows = await MeetingAttendee.select().where(MeetingAttendee.meeting == meeting)
    assert sorted(r["person"] for r in rows if r["person"]) == sorted(
        [people["executive"], people["member"]]
    )
    assert [r["guest_role"] for r in rows if r["person"] is None] == ["Pharmacy director"]
    # someone from another unit cannot be recorded as a member
    bad = await post_form(
        client,
        f"/meetings/{meeting}/attendance",
        {"present": [str(people["champion"]), str(people["outsider"])]},
    )
    assert bad.status_code == 200
    message = form_error(bad.text, "present")
    assert "is not on this unit's CUSP team" in message
    # the message never names the person behind a typed id (another unit's people included)
    assert "Olly" not in bad.text and "Outsider" not in bad.text
    assert await MeetingAttendee.count().where(MeetingAttendee.meeting == meeting) == 3
    html = (await client.get(f"/meetings/{meeting}")).text
    assert (
        f'id="present-{people["executive"]}" name="present" value="{people["executive"]}" checked'
        in html
    )


async def test_action_items_become_issues_with_owner_and_due_date(client, world, login):
    ids = await seeded_unit(world)
    meeting = ids["meeting"]
    item = (await items(meeting))["priorities"]
    await login(client, "champion")
    due = (local_today() + timedelta(days=14)).isoformat()
    # owner and due date are required; the typed text stays
    missing = await post_form(
        client,
        f"/meetings/{meeting}/actions",
        {
            "kind": "new",
            "item": item,
            "description": "Trial louder alarm tones",
            "owner": "",
            "due_on": "",
            "idempotency_key": "k1",
        },
    )
    assert missing.status_code == 200
    assert form_error(missing.text, f"a{item}-owner").startswith("Choose who owns this action")
    assert form_error(missing.text, f"a{item}-due_on").startswith("Give a due date")
    assert "Trial louder alarm tones</textarea>" in missing.text
    assert await MeetingAction.count() == 0
    # an owner from another unit is refused
    stranger = await post_form(
        client,
        f"/meetings/{meeting}/actions",
        {
            "kind": "new",
            "item": item,
            "description": "Trial louder alarm tones",
            "owner": world.people["outsider"],
            "due_on": due,
            "idempotency_key": "k1",
        },
    )
    assert (
        form_error(stranger.text, f"a{item}-owner") == "Choose an owner from this unit's CUSP team."
    )
    data = {
        "kind": "new",
        "item": item,
        "description": "Trial louder alarm tones",
        "owner": world.people["member"],
        "due_on": due,
        "idempotency_key": "k1",
    }
    first = await post_form(client, f"/meetings/{meeting}/actions", data)
    second = await post_form(client, f"/meetings/{meeting}/actions", data)  # a double tap
    assert first.status_code == second.status_code == 303
    actions = await MeetingAction.select()
    assert len(actions) == 1
    issue = await SafetyIssue.select().where(SafetyIssue.id == actions[0]["issue"]).first()
    assert (
        issue["source"] == "team_meeting"
        and issue["owner"] == world.people["member"]
        and issue["due_on"].isoformat() == due
    )
    assert issue["status"] == "planned" and issue["unit"] == world.unit_a
    # an update on an existing issue: an update row, and the issue gets the action's owner and date
    update = await post_form(
        client,
        f"/meetings/{meeting}/actions",
        {
            "kind": "update",
            "item": item,
            "issue": ids["overdue"],
            "description": "Biomed to quote by Friday",
            "owner": world.people["champion"],
            "due_on": due,
            "idempotency_key": "k2",
        },
    )
    assert update.status_code == 303
    updates = await IssueUpdate.select().where(IssueUpdate.issue == ids["overdue"])
    assert len(updates) == 1 and "Biomed to quote by Friday" in updates[0]["body"]
    overdue = await SafetyIssue.select().where(SafetyIssue.id == ids["overdue"]).first()
    assert overdue["owner"] == world.people["champion"] and overdue["due_on"].isoformat() == due
    # an update must name an issue of this unit
    other = await post_form(
        client,
        f"/meetings/{meeting}/actions",
        {
            "kind": "update",
            "item": item,
            "issue": ids["other_unit"],
            "description": "x",
            "owner": world.people["champion"],
            "due_on": due,
        },
    )
    assert (
        form_error(other.text, f"a{item}-issue") == "Choose an issue from this unit's tracking log."
    )
    page = (await client.get(f"/meetings/{meeting}")).text
    assert "Action items (2)" in page


async def test_priorities_reorder_and_assign_from_the_agenda(client, world, login):
    ids = await seeded_unit(world)
    meeting = ids["meeting"]
    await login(client, "champion")
    response = await post_form(client, f"/meetings/{meeting}/priorities/{ids['new_issue']}/up")
    assert response.status_code == 303
    priorities = section((await client.get(f"/meetings/{meeting}")).text, "priorities")
    assert priorities.index("Bed alarms") < priorities.index("Suction regulators")
    due = (local_today() + timedelta(days=10)).isoformat()
    missing = await post_form(
        client,
        f"/meetings/{meeting}/issues/{ids['new_issue']}/assign",
        {"owner": world.people["member"], "due_on": ""},
    )
    assert form_error(missing.text, f"due-{ids['new_issue']}") == "Give a due date."
    ok = await post_form(
        client,
        f"/meetings/{meeting}/issues/{ids['new_issue']}/assign",
        {"owner": world.people["member"], "due_on": due},
    )
    assert ok.status_code == 303
    issue = await SafetyIssue.select().where(SafetyIssue.id == ids["new_issue"]).first()
    assert issue["owner"] == world.people["member"] and issue["status"] == "planned"


async def test_finalise_locks_the_minutes_and_corrections_are_addenda(client, world, login):
    ids = await seeded_unit(world)
    meeting = ids["meeting"]
    item = (await items(meeting))["commitments"]
    await login(client, "champion")
    html = (await client.get(f"/meetings/{meeting}")).text
    await post_form(
        client,
        f"/meetings/{meeting}/items/{item}",
        {
            "minutes": "Regulators discussed",
            "decisions": "Escalate the regulator budget to the CFO",
            "version": version_of(html, item),
        },
        htmx=True,
    )
    await post_form(
        client, f"/meetings/{meeting}/attendance", {"present": [str(world.people["executive"])]}
    )
    await post_form(client, f"/meetings/{meeting}/case", {"case_issue": ids["overdue"]})
    # the draft summary comes from the decisions and the barriers needing help
    draft = await post_form(client, f"/meetings/{meeting}/summary", {"draft": "1", "version": "1"})
    assert (
        "Escalate the regulator budget to the CFO." in draft.text
        and "Biomed budget for new regulators" in draft.text
    )
    response = await post_form(client, f"/meetings/{meeting}/finalise")
    assert response.status_code == 303
    row = await Meeting.select().where(Meeting.id == meeting).first()
    assert (
        row["finalised_at"] is not None
        and row["finalised_by"] == world.people["champion"]
        and row["status"] == "finalised"
    )
    assert "Escalate the regulator budget" in row["upward_summary"]
    # the agenda as discussed is kept with the minutes
    snapshot = await MeetingItem.select().where(
        (MeetingItem.meeting == meeting) & MeetingItem.issue.is_not_null()
    )
    assert {s["section"] for s in snapshot} >= {
        "new_issues",
        "commitments",
        "case",
        "priorities",
        "wins",
    }
    assert any(s["barrier"] == ids["barrier"] for s in snapshot)
    page = (await client.get(f"/meetings/{meeting}")).text
    assert (
        "Minutes approved and locked" in page
        and "data-autosave" not in page
        and "Regulators discussed" in page
    )
    # editing locked minutes is refused with a clear message, the text kept
    locked = await post_form(
        client,
        f"/meetings/{meeting}/items/{item}",
        {"minutes": "Sneaky change", "decisions": "", "version": "2"},
        htmx=True,
    )
    assert "Not saved" in locked.text and "finalised" in locked.text and "addendum" in locked.text
    plain = await post_form(client, f"/meetings/{meeting}/attendance", {"present": []})
    assert plain.status_code == 200 and "locked" in plain.text
    assert (await MeetingItem.select(MeetingItem.minutes).where(MeetingItem.id == item).first())[
        "minutes"
    ] == "Regulators discussed"
    assert (await post_form(client, f"/meetings/{meeting}/finalise")).status_code == 200
    # every change to finalised minutes answers the same page (routes._locked_shows_meeting)
    for change in ("remove", "up"):
        refused = await post_form(client, f"/meetings/{meeting}/items/{item}/{change}")
        assert refused.status_code == 200 and "are locked" in refused.text, change
    # corrections are addenda
    empty = await post_form(client, f"/meetings/{meeting}/addenda", {"body": ""})
    assert form_error(empty.text, "body") == "This is required."
    added = await post_form(
        client,
        f"/meetings/{meeting}/addenda",
        {"body": "Correction: the CFO meeting is on the 3rd."},
    )
    assert added.status_code == 303
    assert await MeetingAddendum.count().where(MeetingAddendum.meeting == meeting) == 1
    printed = (await client.get(f"/meetings/{meeting}/print")).text
    assert (
        "Correction: the CFO meeting is on the 3rd." in printed
        and "Regulators discussed" in printed
    )
    assert "Confidential – patient safety work product" in printed and "Eve Executive" in printed
    # history: held vs expected, the executive's attendance
    history = (await client.get(f"/units/{world.unit_a}/meetings")).text
    assert "meetings held of those expected monthly" in history
    assert "Executive partner present" in history


async def test_addenda_only_after_finalising(client, world, login):
    meeting = await add_meeting(world.unit_a, local_today())
    await login(client, "champion")
    response = await post_form(client, f"/meetings/{meeting}/addenda", {"body": "Too early"})
    assert (
        response.status_code == 200
        and "The minutes are not final yet – edit them directly." in response.text
    )
    assert await MeetingAddendum.count() == 0


async def test_another_units_meeting_is_not_found(client, world, login):
    meeting = await add_meeting(world.unit_b, local_today())
    item = (await items(meeting))["data"]
    await login(client, "champion")
    assert (await client.get(f"/meetings/{meeting}")).status_code == 404
    assert (await client.get(f"/meetings/{meeting}/print")).status_code == 404
    assert (await client.get(f"/units/{world.unit_b}/meetings")).status_code == 404
    for url, data in [
        (f"/meetings/{meeting}/items/{item}", {"minutes": "x", "version": "1"}),
        (f"/meetings/{meeting}/attendance", {"present": []}),
        (f"/meetings/{meeting}/actions", {"kind": "new", "description": "x"}),
        (f"/meetings/{meeting}/finalise", {}),
        (f"/units/{world.unit_b}/meetings", {"first_on": "2099-01-01", "count": "1"}),
    ]:
        assert (await post_form(client, url, data)).status_code == 404, url
    listing = (await client.get("/meetings")).text
    assert f'/meetings/{meeting}"' not in listing


async def test_champion_edits_the_agenda(client, world, login):
    meeting = await add_meeting(world.unit_a, local_today() + timedelta(days=1))
    wins = (await items(meeting))["wins"]
    await login(client, "champion")
    bad = await post_form(client, f"/meetings/{meeting}/items", {"section": "wins", "title": ""})
    assert form_error(bad.text, "title") == "This is required."
    ok = await post_form(
        client,
        f"/meetings/{meeting}/items",
        {"section": "wins", "title": "Recognise the night team's huddle"},
    )
    assert ok.status_code == 303
    new_id = int(ok.headers["location"].split("#item-")[1])
    await post_form(client, f"/meetings/{meeting}/items/{new_id}/up")
    rows = (
        await MeetingItem.select()
        .where(MeetingItem.section == "wins")
        .order_by(MeetingItem.position)
    )
    assert [r["id"] for r in rows] == [new_id, wins]
    await post_form(client, f"/meetings/{meeting}/items/{new_id}/remove")
    html = (await client.get(f"/meetings/{meeting}")).text
    assert "Taken off the agenda" in html and f'id="item-{new_id}"' not in html
    await post_form(client, f"/meetings/{meeting}/items/{new_id}/restore")
    assert f'id="item-{new_id}"' in (await client.get(f"/meetings/{meeting}")).text


async def test_meetings_list_and_home_panel(client, world, login):
    upcoming = await add_meeting(world.unit_a, local_today() + timedelta(days=3))
    past = await add_meeting(world.unit_a, local_today() - timedelta(days=20), finalised=True)
    await login(client, "member")
    listing = (await client.get("/meetings")).text
    assert (
        f'href="/meetings/{upcoming}"' in listing
        and f'href="/meetings/{past}"' in listing
        and "in 3 days" in listing
    )
    home = (await client.get("/")).text
    assert "Next team meeting" in home and f'href="/meetings/{upcoming}"' in home


async def test_summary_autosaves_with_a_version_check(client, world, login, make_client):
    meeting = await add_meeting(world.unit_a, local_today())
    await login(client, "champion")
    saved = await post_form(
        client,
        f"/meetings/{meeting}/summary",
        {"upward_summary": "Pumps need capital funding.", "version": "1"},
        htmx=True,
    )
    assert "Saved" in saved.text and 'id="summary-version" value="2"' in saved.text
    async with make_client() as other:
        await login(other, "executive")
        stale = await post_form(
            other,
            f"/meetings/{meeting}/summary",
            {"upward_summary": "Staffing on nights needs a decision.", "version": "1"},
            htmx=True,
        )
        assert (
            "Not saved" in stale.text
            and "Pumps need capital funding." in stale.text
            and "Staffing on nights needs a decision." in stale.text
        )
    row = (
        await Meeting.select(Meeting.upward_summary, Meeting.version)
        .where(Meeting.id == meeting)
        .first()
    )
    assert row == {"upward_summary": "Pumps need capital funding.", "version": 2}


async def test_a_final_meeting_page_reads_its_snapshot_in_few_queries(
    client, world, login, query_counter
):
    ids = await seeded_unit(world)
    await login(client, "champion")
    assert (await post_form(client, f"/meetings/{ids['meeting']}/finalise")).status_code == 303
    with query_counter() as counted:
        page = await client.get(f"/meetings/{ids['meeting']}")
    assert (
        page.status_code == 200
        and "Bed alarms not audible" in page.text
        and "Biomed budget for new regulators" in page.text
    )
    assert counted.n <= 15, counted.queries


async def test_champion_moves_a_meeting(client, world, login):
    meeting = await add_meeting(world.unit_a, local_today() + timedelta(days=3))
    other = await add_meeting(world.unit_a, local_today() + timedelta(days=10))
    await login(client, "champion")
    new_day = local_today() + timedelta(days=5)
    ok = await post_form(
        client, f"/meetings/{meeting}/reschedule", {"on": new_day.isoformat(), "at": "15:30"}
    )
    assert ok.status_code == 303
    row = await Meeting.select(Meeting.scheduled_at).where(Meeting.id == meeting).first()
    from rounds.core.clock import local

    assert (
        local(row["scheduled_at"]).date() == new_day
        and local(row["scheduled_at"]).strftime("%H:%M") == "15:30"
    )
    clash = await post_form(
        client,
        f"/meetings/{meeting}/reschedule",
        {"on": (local_today() + timedelta(days=10)).isoformat(), "at": "09:00"},
    )
    assert form_error(clash.text, "on") == "This unit already has a team meeting that day."
    past = await post_form(
        client, f"/meetings/{other}/reschedule", {"on": "2001-02-03", "at": "09:00"}
    )
    assert (
        form_error(past.text, "on") == "Choose today or a later date."
        and 'value="2001-02-03"' in past.text
    )


async def test_items_from_an_unknown_section_are_still_shown(client, world, login):
    meeting = await add_meeting(world.unit_a, local_today() + timedelta(days=1))
    await MeetingItem.insert(
        MeetingItem(
            meeting=meeting,
            section="overdue",
            position=99,
            title="Imported agenda item",
            minutes="Kept from the old layout",
            decisions="",
            removed=False,
            version=1,
        )
    )
    await login(client, "champion")
    html = (await client.get(f"/meetings/{meeting}")).text
    assert (
        "Other items" in html
        and "Imported agenda item" in html
        and "Kept from the old layout" in html
    )


async def test_attendance_from_two_devices_is_never_silently_overwritten(
    client, world, login, make_client
):
    meeting = await add_meeting(world.unit_a, local_today())
    people = world.people
    await login(client, "champion")
    # the champion's form was loaded when nobody was marked present
    first = await post_form(
        client,
        f"/meetings/{meeting}/attendance",
        {"present": [str(people["executive"])], "was": ""},
    )
    assert first.status_code == 303
    async with make_client() as other:
        await login(other, "member")
        stale = await post_form(
            other,
            f"/meetings/{meeting}/attendance",
            {"present": [str(people["member"])], "was": "", "guest_role": "Pharmacy director"},
        )
        assert stale.status_code == 200 and "changed on another device" in stale.text
        assert (
            f'value="{people["executive"]}" checked' in stale.text
            and 'value="Pharmacy director"' in stale.text
        )
    rows = await MeetingAttendee.select(MeetingAttendee.person).where(
        MeetingAttendee.meeting == meeting
    )
    assert [r["person"] for r in rows] == [people["executive"]]


async def test_a_meeting_held_early_and_approved_is_no_longer_coming_up(client, world, login):
    held = await add_meeting(world.unit_a, local_today() + timedelta(days=3), finalised=True)
    next_one = await add_meeting(world.unit_a, local_today() + timedelta(days=30))
    await login(client, "champion")
    page = (await client.get("/meetings")).text
    coming_up, _, recent = page.partition('id="recent-h"')
    assert f'href="/meetings/{next_one}"' in coming_up
    assert f'href="/meetings/{held}"' not in coming_up and f'href="/meetings/{held}"' in recent
