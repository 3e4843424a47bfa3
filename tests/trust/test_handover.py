"""Issue #11 case 6: deactivating a person first hands over everything they own or lead (one
transaction, audited); nothing is left with an owner who cannot act, and what ends up
ownerless is flagged to the unit's champions (home panel, reminders digest); an issue whose
owner left never loses its owner silently on a later edit."""

from datetime import timedelta
from html import unescape

import pytest

from rounds.admin import handover
from rounds.barriers import reminders
from rounds.barriers.tables import Barrier
from rounds.core import clock
from rounds.core.clock import local_today
from rounds.core.tables import AuditEntry, Membership, Person
from rounds.issues.tables import SafetyIssue
from rounds.meetings.tables import MeetingAction
from rounds.rounding.tables import SafetyRound
from tests.conftest import create_person, post_form
from tests.issues.conftest import viewer_for
from tests.meetings.helpers import add_meeting
from tests.rounding.helpers import make_barrier, make_issue, make_round
from tests.trust.forms import form_fields


async def _holdings_of_member(world):
    """The team member leaves: owns an issue, a barrier and a meeting action; champions a round."""
    issue = await make_issue(world, "Suction regulators missing", status="planned", owner="member")
    barrier = await make_barrier(
        world, issue, "Vendor contract", owner="member", follow_up=local_today()
    )
    meeting = await add_meeting(world.unit_a, local_today())
    action = (
        await MeetingAction.insert(
            MeetingAction(
                meeting=meeting,
                issue=issue,
                kind="update",
                description="Chase the vendor",
                owner=world.people["member"],
                due_on=local_today() + timedelta(days=7),
                created_at=clock.now(),
            )
        ).returning(MeetingAction.id)
    )[0]["id"]
    round_id = await make_round(world, days=5, champion="member")
    return issue, barrier, action, round_id


async def test_admin_deactivation_lists_everything_and_hands_it_over(client, world, login):
    issue, barrier, action, round_id = await _holdings_of_member(world)
    await login(client, "admin")
    member = world.people["member"]
    form = form_fields(
        (await client.get(f"/admin/people/{member}")).text, f"/admin/people/{member}"
    )
    form.pop("active", None)  # untick "Active"
    answer = await post_form(client, f"/admin/people/{member}", form)
    assert answer.status_code == 303 and answer.headers["location"].endswith("/handover")
    assert (await Person.select(Person.active).where(Person.id == member).first())["active"]
    page = await client.get(f"/admin/people/{member}/handover")
    html = unescape(page.text)
    for what in ("Safety issue", "Barrier", "Meeting action", "Safety round – champion"):
        assert what in html, what
    choices = form_fields(page.text, f"/admin/people/{member}/handover")
    # defaults: the unit's champion for the issue, the executive partner for the barrier
    assert choices[f"issue_{issue}"] == str(world.people["champion"])
    assert choices[f"barrier_{barrier}"] == str(world.people["executive"])
    done = await post_form(client, f"/admin/people/{member}/handover", choices)
    assert done.status_code == 303
    assert not (await Person.select(Person.active).where(Person.id == member).first())["active"]
    owner = lambda t, i: t.select(t.owner).where(t.id == i).first()  # noqa: E731
    assert (await owner(SafetyIssue, issue))["owner"] == world.people["champion"]
    assert (await owner(Barrier, barrier))["owner"] == world.people["executive"]
    assert (await owner(MeetingAction, action))["owner"] == world.people["champion"]
    r = await SafetyRound.select(SafetyRound.champion).where(SafetyRound.id == round_id).first()
    assert r["champion"] == world.people["champion"]
    assert await handover.needs_owner([world.unit_a]) == []  # nothing left ownerless
    audited = await AuditEntry.select(AuditEntry.object_type).where(
        AuditEntry.actor_id == world.people["admin"]
    )
    kinds = {a["object_type"] for a in audited}
    assert {"safety_issue", "barrier", "meeting_action", "safety_round", "person"} <= kinds


async def test_a_failure_during_hand_over_moves_nothing(world, monkeypatch):
    issue, barrier, action, _ = await _holdings_of_member(world)
    admin = await viewer_for(world.people["admin"])
    real = handover.audit.record

    async def failing(actor, action_name, object_type, *args, **kwargs):
        if object_type == "meeting_action":
            raise RuntimeError("disk full")
        return await real(actor, action_name, object_type, *args, **kwargs)

    monkeypatch.setattr(handover.audit, "record", failing)
    found = await handover.holdings(admin, world.people["member"])
    with pytest.raises(RuntimeError):
        await handover.hand_over(
            admin, world.people["member"], {i["key"]: i["default"] for i in found["items"]}
        )
    issue_row = await SafetyIssue.select(SafetyIssue.owner).where(SafetyIssue.id == issue).first()
    assert issue_row["owner"] == world.people["member"]
    person = await Person.select(Person.active).where(Person.id == world.people["member"]).first()
    assert person["active"]


async def test_ownerless_items_are_flagged_to_the_champion(client, world, login):
    issue, barrier, _, _ = await _holdings_of_member(world)
    admin = await viewer_for(world.people["admin"])
    found = await handover.holdings(admin, world.people["member"])
    # the admin leaves the issue and barrier with nobody for now
    chosen = {i["key"]: i["default"] for i in found["items"]}
    chosen[f"issue_{issue}"] = None
    chosen[f"barrier_{barrier}"] = None
    await handover.hand_over(admin, world.people["member"], chosen)
    flagged = await handover.needs_owner([world.unit_a])
    assert {(f["kind"], f["id"]) for f in flagged} == {("issue", issue), ("barrier", barrier)}
    await login(client, "champion")
    home = unescape((await client.get("/")).text)
    assert "Needs a new owner (2)" in home and f"/issues/{issue}" in home
    digest = await reminders.digest_for(world.people["champion"], local_today())
    assert {i["id"] for i in digest.needs_owner} == {issue, barrier}
    # the e-mail groups by what to do (#15): this group is "Find a new owner"
    assert "Find a new owner" in digest.text("Chris Champion", "http://rounds.test")
    page = unescape((await client.get("/reminders")).text)
    assert "Needs a new owner on your units (2)" in page


async def test_owner_deactivated_without_hand_over_is_flagged_and_never_silently_cleared(
    client, world, login
):
    """An owner deactivated some other way (the CLI, an older version): the issue shows the
    departed owner and asks for a new one; saving other details keeps the owner."""
    leaver = await create_person(
        "left@test.org", "member", {world.unit_a: "member"}, name="Lou Left"
    )
    world.people["left"] = leaver
    issue = await make_issue(world, "Call bells unanswered", status="planned", owner="left")
    await Person.update({Person.active: False}).where(Person.id == leaver)
    await login(client, "champion")
    page = await client.get(f"/issues/{issue}")
    html = unescape(page.text)
    assert "Lou Left" in html and "has left" in html
    form = form_fields(page.text, f"/issues/{issue}/edit")
    assert form["owner"] == str(leaver)
    saved = await post_form(client, f"/issues/{issue}/edit", {**form, "action_plan": "New bells"})
    assert saved.status_code == 303
    row = await SafetyIssue.select().where(SafetyIssue.id == issue).first()
    assert row["owner"] == leaver and row["action_plan"] == "New bells"
    # the departed owner cannot be chosen for another issue
    other = await make_issue(world, "Another concern")
    other_form = form_fields((await client.get(f"/issues/{other}")).text, f"/issues/{other}/edit")
    refused = await post_form(client, f"/issues/{other}/edit", {**other_form, "owner": str(leaver)})
    assert refused.status_code == 200
    assert (await SafetyIssue.select().where(SafetyIssue.id == other).first())["owner"] is None
    # and it is on the champion's home panel
    assert "Needs a new owner" in unescape((await client.get("/")).text)


async def test_units_they_lead_get_a_new_champion(world):
    admin = await viewer_for(world.people["admin"])
    newcomer = await create_person("new@test.org", "member", {world.unit_a: "member"})
    found = await handover.holdings(admin, world.people["champion"])
    unit_items = [i for i in found["items"] if i["kind"] == "unit"]
    assert len(unit_items) == 1 and unit_items[0]["role_word"] == "champion"
    await handover.hand_over(admin, world.people["champion"], {unit_items[0]["key"]: newcomer})
    row = (
        await Membership.select()
        .where((Membership.person == newcomer) & (Membership.unit == world.unit_a))
        .first()
    )
    assert row["unit_role"] == "champion"


async def test_an_admin_cannot_hand_over_and_deactivate_themselves(client, world, login):
    """Found by the hostile-input suite: the hand-over form let an admin deactivate their own
    account (the person form already refused it), ending their session mid-request."""
    await login(client, "admin")
    me = world.people["admin"]
    r = await post_form(client, f"/admin/people/{me}/handover", {})
    assert r.status_code == 200 and "You cannot deactivate yourself" in r.text
    assert (await Person.select(Person.active).where(Person.id == me).first())["active"]
    assert (await client.get("/")).status_code == 200  # still signed in
