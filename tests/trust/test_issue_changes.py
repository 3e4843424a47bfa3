"""Issue #11 cases 4 and 5: every route that changes an existing issue obeys the issue page's
rules (issues.service.change_issue), and meeting actions change an issue's owner or due date
only when the person chose to."""

from datetime import timedelta
from html import unescape

import pytest
from litestar.exceptions import NotFoundException, PermissionDeniedException

from rounds.core.clock import local_today
from rounds.issues import service as issues
from rounds.issues.tables import IssueUpdate, SafetyIssue
from rounds.meetings import service as meetings
from rounds.meetings.service import ActionInput, MeetingInputError
from rounds.meetings.tables import MeetingItem
from tests.conftest import post_form
from tests.issues.conftest import viewer_for
from tests.meetings.helpers import add_issue, add_meeting

LATE = local_today() - timedelta(days=40)  # a long-overdue fix date


async def _setup(world, owner="executive"):
    issue_id = await add_issue(
        world.unit_a,
        "Bed alarms do not reset after turning",
        identified_on=local_today() - timedelta(days=60),
        status="planned",
        priority=3,
        owner=world.people[owner],
        due_on=LATE,
    )
    meeting_id = await add_meeting(world.unit_a, local_today())
    return issue_id, meeting_id


async def _issue(issue_id):
    return await SafetyIssue.select().where(SafetyIssue.id == issue_id).first()


# who may reassign an issue owned by the executive partner, on every route
ALLOWED = {"admin": True, "executive": True, "champion": True, "member": False}


@pytest.mark.parametrize("who", ["admin", "executive", "champion", "member"])
async def test_agenda_assignment_obeys_issue_page_rules(world, who):
    issue_id, meeting_id = await _setup(world)
    viewer = await viewer_for(world.people[who])
    new_due = local_today() + timedelta(days=14)
    call = meetings.assign_from_agenda(
        viewer, meeting_id, issue_id, owner_id=world.people["member"], due_on=new_due
    )
    if ALLOWED[who]:
        await call
        row = await _issue(issue_id)
        assert row["owner"] == world.people["member"] and row["due_on"] == new_due
    else:
        with pytest.raises(MeetingInputError) as refused:
            await call
        assert "issue's owner" in refused.value.errors["owner"]
        row = await _issue(issue_id)
        assert row["owner"] == world.people["executive"] and row["due_on"] == LATE
    # the issue page gives the same answer
    assert issues.can_edit(viewer, row) is ALLOWED[who] or row["owner"] == viewer.id


@pytest.mark.parametrize("who", ["admin", "executive", "champion", "member"])
async def test_update_action_changes_owner_only_when_chosen_and_allowed(world, who):
    issue_id, meeting_id = await _setup(world)
    viewer = await viewer_for(world.people[who])
    # owner and due date left empty: an update is added, owner and due date stay
    await meetings.add_action(
        viewer,
        meeting_id,
        ActionInput(
            kind="update",
            description="Vendor visit booked",
            owner_id=None,
            due_on=None,
            issue_id=issue_id,
        ),
    )
    row = await _issue(issue_id)
    assert row["owner"] == world.people["executive"] and row["due_on"] == LATE
    notes = await IssueUpdate.select().where(IssueUpdate.issue == issue_id)
    assert len(notes) == 1 and "Vendor visit booked" in notes[0]["body"]
    # choosing a new owner: only for those the issue page lets change it
    take_over = ActionInput(
        kind="update",
        description="I will chase the vendor",
        owner_id=world.people["member" if who == "member" else "champion"],
        due_on=None,
        issue_id=issue_id,
    )
    if ALLOWED[who]:
        await meetings.add_action(viewer, meeting_id, take_over)
        row = await _issue(issue_id)
        assert row["owner"] == take_over.owner_id and row["due_on"] == LATE  # due kept
    else:
        with pytest.raises(MeetingInputError) as refused:
            await meetings.add_action(viewer, meeting_id, take_over)
        assert "Leave Owner and Due date empty" in refused.value.errors["owner"]
        row = await _issue(issue_id)
        assert row["owner"] == world.people["executive"]
        assert await IssueUpdate.count().where(IssueUpdate.issue == issue_id) == 1


async def test_member_who_owns_the_issue_may_hand_it_on_from_a_meeting(world):
    issue_id, meeting_id = await _setup(world, owner="member")
    member = await viewer_for(world.people["member"])
    new_due = local_today() + timedelta(days=7)
    await meetings.add_action(
        member,
        meeting_id,
        ActionInput(
            kind="update",
            description="Handing to the champion, who holds the budget",
            owner_id=world.people["champion"],
            due_on=new_due,
            issue_id=issue_id,
        ),
    )
    row = await _issue(issue_id)
    assert row["owner"] == world.people["champion"] and row["due_on"] == new_due


async def test_leader_and_other_units_cannot_change_an_issue(world):
    issue_id, meeting_id = await _setup(world)
    leader = await viewer_for(world.people["leader"])
    outsider = await viewer_for(world.people["outsider"])
    with pytest.raises(PermissionDeniedException):
        await meetings.assign_from_agenda(
            leader, meeting_id, issue_id, owner_id=world.people["member"], due_on=local_today()
        )
    with pytest.raises(NotFoundException):
        await meetings.assign_from_agenda(
            outsider, meeting_id, issue_id, owner_id=world.people["member"], due_on=local_today()
        )
    with pytest.raises((NotFoundException, PermissionDeniedException)):
        await issues.change_issue(leader, issue_id, {"owner": world.people["member"]})
    with pytest.raises(NotFoundException):
        await issues.change_issue(outsider, issue_id, {"owner": world.people["outsider"]})
    assert (await _issue(issue_id))["owner"] == world.people["executive"]


async def test_member_take_over_through_the_http_routes_is_refused(client, world, login):
    """The two routes named in the issue, as a browser posts them."""
    issue_id, meeting_id = await _setup(world)
    await login(client, "member")
    assigned = await post_form(
        client,
        f"/meetings/{meeting_id}/issues/{issue_id}/assign",
        {"owner": str(world.people["member"]), "due_on": local_today().isoformat()},
    )
    assert assigned.status_code == 200 and "issue's owner" in unescape(assigned.text)
    await client.get(f"/meetings/{meeting_id}")
    item = await MeetingItem.select(MeetingItem.id).where(MeetingItem.meeting == meeting_id).first()
    action = await post_form(
        client,
        f"/meetings/{meeting_id}/actions",
        {
            "item": str(item["id"]),
            "kind": "update",
            "issue": str(issue_id),
            "description": "Taking this over",
            "owner": str(world.people["member"]),
            "due_on": local_today().isoformat(),
            "idempotency_key": "take-over-1",
        },
    )
    assert action.status_code == 200 and "Leave Owner and Due date empty" in unescape(action.text)
    row = await _issue(issue_id)
    assert row["owner"] == world.people["executive"] and row["due_on"] == LATE


async def test_new_action_item_is_created_with_its_owner_by_any_member(world):
    _, meeting_id = await _setup(world)
    member = await viewer_for(world.people["member"])
    due = local_today() + timedelta(days=10)
    action_id = await meetings.add_action(
        member,
        meeting_id,
        ActionInput(
            kind="new",
            description="Order a second portable suction unit",
            owner_id=world.people["champion"],
            due_on=due,
            idempotency_key="new-1",
        ),
    )
    assert action_id
    row = await SafetyIssue.select().where(SafetyIssue.source == "team_meeting").first()
    assert row["owner"] == world.people["champion"] and row["due_on"] == due
    assert row["status"] == "planned"


async def test_agenda_offers_the_owner_form_only_to_those_who_may_use_it(client, world, login):
    issue_id, meeting_id = await _setup(world)
    await login(client, "member")
    # the form loads when opened (?assign=<issue>, which is also the link without JavaScript)
    page = (await client.get(f"/meetings/{meeting_id}")).text
    opened = (await client.get(f"/meetings/{meeting_id}?assign={issue_id}")).text
    assert f"top-{issue_id}-assign" not in page
    assert f"/issues/{issue_id}/assign" not in opened
    await SafetyIssue.update({SafetyIssue.owner: world.people["member"]}).where(
        SafetyIssue.id == issue_id
    )
    assert f"top-{issue_id}-assign" in (await client.get(f"/meetings/{meeting_id}")).text
    opened = (await client.get(f"/meetings/{meeting_id}?assign={issue_id}")).text
    assert f"/issues/{issue_id}/assign" in opened
