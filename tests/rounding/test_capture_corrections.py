"""Issue 20 item 3: what was heard on a round can be corrected or removed until the round is
finished (by the people who may change the issue), audited; removal never destroys what someone
else relied on; "what's in the way" titles the barrier and is screened like all free text."""

import json

import pytest
from litestar.exceptions import NotFoundException, PermissionDeniedException

from rounds.barriers.tables import Barrier
from rounds.core.tables import AuditEntry
from rounds.issues import service as issues
from rounds.issues.tables import SafetyIssue
from rounds.rounding import service
from rounds.rounding.service import RoundInputError
from tests.conftest import form_error, post_form
from tests.issues.conftest import viewer_for
from tests.rounding.helpers import make_round


async def _running(world, who="executive"):
    round_id = await make_round(world, days=0, status="in_progress")
    viewer = await viewer_for(world.people[who])
    return viewer, await service.get_round(viewer, round_id)


async def _capture(viewer, row, text="Bed alarms do not reset", **extra):
    return await service.capture_concern(
        viewer,
        row,
        description=text,
        raised_by=extra.pop("raised_by", "RN, nights"),
        needs_help=extra.pop("needs_help", False),
        idempotency_key=extra.pop("key", text[:60]),
        **extra,
    )


async def _entries(object_type, object_id):
    rows = (
        await AuditEntry.select()
        .where((AuditEntry.object_type == object_type) & (AuditEntry.object_id == str(object_id)))
        .order_by(AuditEntry.seq)
    )
    for r in rows:
        r["changes"] = json.loads(r["changes"])
    return rows


def _correct(viewer, row, issue_id, *, text, was, version=1, **extra):
    return service.correct_concern(
        viewer,
        row,
        issue_id,
        values={"description": text, "raised_by": extra.pop("raised_by", "RN, nights")},
        base={"description": was, "raised_by": extra.pop("base_raised_by", "RN, nights")},
        version=version,
        needs_help=extra.pop("needs_help", False),
        in_the_way=extra.pop("in_the_way", ""),
        base_in_the_way=extra.pop("base_in_the_way", ""),
    )


async def test_correcting_a_concern_is_audited_and_merges(world):
    viewer, row = await _running(world)
    issue_id = await _capture(viewer, row)
    await _correct(
        viewer,
        row,
        issue_id,
        text="Bed alarms do not reset after turning",
        was="Bed alarms do not reset",
    )
    issue = await SafetyIssue.select().where(SafetyIssue.id == issue_id).first()
    assert issue["description"] == "Bed alarms do not reset after turning"
    update = [e for e in await _entries("safety_issue", issue_id) if e["action"] == "update"]
    assert len(update) == 1 and update[0]["actor_id"] == world.people["executive"]
    assert update[0]["changes"]["description"] == [
        "Bed alarms do not reset",
        "Bed alarms do not reset after turning",
    ]
    # the champion changed "Raised by" meanwhile: the executive's rewording (from the old form)
    # merges with it instead of undoing it
    champion = await viewer_for(world.people["champion"])
    await issues.change_issue(champion, issue_id, {"raised_by": "RN, days"}, base={})
    await _correct(
        viewer,
        row,
        issue_id,
        text="Bed alarms never reset after turning",
        was="Bed alarms do not reset after turning",
        version=2,
    )
    issue = await SafetyIssue.select().where(SafetyIssue.id == issue_id).first()
    assert issue["raised_by"] == "RN, days"
    assert issue["description"] == "Bed alarms never reset after turning"
    # both changed the words: a conflict, nothing overwritten
    await issues.change_issue(champion, issue_id, {"description": "Champion's words"}, base={})
    with pytest.raises(issues.Conflict):
        await _correct(
            viewer,
            row,
            issue_id,
            text="Executive's words",
            was="Bed alarms never reset after turning",
        )
    issue = await SafetyIssue.select().where(SafetyIssue.id == issue_id).first()
    assert issue["description"] == "Champion's words"


async def test_identifiers_are_refused_in_corrections_and_in_the_way(world):
    viewer, row = await _running(world)
    issue_id = await _capture(viewer, row)
    with pytest.raises(RoundInputError) as bad:
        await _correct(
            viewer, row, issue_id, text="Mr Jones MRN 12345678 fell", was="Bed alarms do not reset"
        )
    assert "description" in bad.value.errors
    with pytest.raises(RoundInputError) as bad:
        await _capture(viewer, row, "No suction", needs_help=True, in_the_way="MRN 12345678 waits")
    assert "in_the_way" in bad.value.errors
    with pytest.raises(RoundInputError) as missing:
        await _capture(viewer, row, "No suction", needs_help=True, in_the_way="  ")
    assert "one line" in missing.value.errors["in_the_way"]
    assert await SafetyIssue.count().where(SafetyIssue.round == row["id"]) == 1


async def test_in_the_way_titles_the_barrier_and_can_be_reworded(world):
    viewer, row = await _running(world)
    issue_id = await _capture(
        viewer, row, "No portable suction", needs_help=True, in_the_way="No budget for suction"
    )
    barrier = await Barrier.select().where(Barrier.issue == issue_id).first()
    assert barrier["description"] == "No budget for suction"
    assert barrier["owner"] == world.people["executive"]
    await _correct(
        viewer,
        row,
        issue_id,
        text="No portable suction",
        was="No portable suction",
        in_the_way="Suction units need capital approval",
        base_in_the_way="No budget for suction",
    )
    barrier = await Barrier.select().where(Barrier.issue == issue_id).first()
    assert barrier["description"] == "Suction units need capital approval"
    assert any(e["changes"].get("description") for e in await _entries("barrier", barrier["id"]))
    # ticking "Needs my help" on a correction opens the barrier with its line
    other = await _capture(viewer, row, "Hoist battery flat by noon")
    await _correct(
        viewer,
        row,
        other,
        text="Hoist battery flat by noon",
        was="Hoist battery flat by noon",
        needs_help=True,
        in_the_way="Second charger needs estates approval",
    )
    barrier = await Barrier.select().where(Barrier.issue == other).first()
    assert barrier["description"] == "Second charger needs estates approval"


async def test_removal_withdraws_from_the_log_and_the_audit_keeps_everything(world):
    viewer, row = await _running(world)
    issue_id = await _capture(viewer, row, "Said twice", needs_help=True, in_the_way="Budget")
    barrier_id = (await Barrier.select().where(Barrier.issue == issue_id).first())["id"]
    await service.remove_concern(viewer, row, issue_id)
    assert not await SafetyIssue.exists().where(SafetyIssue.id == issue_id)
    assert not await Barrier.exists().where(Barrier.id == barrier_id)
    deleted = [e for e in await _entries("safety_issue", issue_id) if e["action"] == "delete"]
    assert len(deleted) == 1 and deleted[0]["actor_id"] == world.people["executive"]
    assert deleted[0]["changes"]["description"] == ["Said twice", None]
    assert deleted[0]["changes"]["withdrawn_on_round"] == [row["id"], None]
    assert [e["action"] for e in await _entries("barrier", barrier_id)] == ["create", "delete"]


async def test_removal_refused_when_someone_else_relied_on_it(world):
    viewer, row = await _running(world)
    champion = await viewer_for(world.people["champion"])
    changed = await _capture(viewer, row, "Changed by the champion")
    await issues.change_issue(champion, changed, {"category": None, "harm": "mild"}, base={})
    noted = await _capture(viewer, row, "Has an update")
    await issues.add_update(champion, noted, "Ordered two more pumps.")
    for issue_id in (changed, noted):
        with pytest.raises(RoundInputError) as refused:
            await service.remove_concern(viewer, row, issue_id)
        assert "stays on the log" in refused.value.errors["__all__"]
        assert await SafetyIssue.exists().where(SafetyIssue.id == issue_id)


async def test_who_may_and_until_when(world):
    viewer, row = await _running(world)
    issue_id = await _capture(viewer, row)
    member = await viewer_for(world.people["member"])  # captures, but owns nothing
    leader = await viewer_for(world.people["leader"])
    for who in (member, leader):
        with pytest.raises(PermissionDeniedException):
            await _correct(who, row, issue_id, text="Other words", was="Bed alarms do not reset")
        with pytest.raises(PermissionDeniedException):
            await service.remove_concern(who, row, issue_id)
    # someone who cannot see the unit gets a 404 before anything else
    outsider = await viewer_for(world.people["outsider"])
    with pytest.raises(NotFoundException):
        await service.get_round(outsider, row["id"])
    # an issue of another round is not this round's to change
    other_round = await service.get_round(
        viewer, await make_round(world, days=0, status="in_progress")
    )
    with pytest.raises(NotFoundException):
        await service.remove_concern(viewer, other_round, issue_id)
    # once the round is finished, it is an ordinary issue: edited on the issue page
    await service.finish(viewer, row, assignments={}, debrief="", version=row["version"])
    row = await service.get_round(viewer, row["id"])
    with pytest.raises(RoundInputError) as finished:
        await _correct(viewer, row, issue_id, text="Other words", was="Bed alarms do not reset")
    assert "finished" in finished.value.errors["__all__"]
    with pytest.raises(RoundInputError):
        await service.remove_concern(viewer, row, issue_id)
    assert await SafetyIssue.exists().where(SafetyIssue.id == issue_id)


async def test_finish_opens_a_barrier_titled_with_what_is_in_the_way(world):
    viewer, row = await _running(world)
    issue_id = await _capture(viewer, row, "Hoist battery flat by noon")
    plain = await _capture(viewer, row, "Linen cart blocks the corridor")
    with pytest.raises(RoundInputError) as bad:
        await service.finish(
            viewer,
            row,
            assignments={},
            debrief="",
            version=row["version"],
            in_the_way={issue_id: "Patient MRN 12345678 waits"},
        )
    assert f"in_the_way_{issue_id}" in bad.value.errors
    await service.finish(
        viewer,
        row,
        assignments={},
        debrief="",
        version=row["version"],
        in_the_way={issue_id: "Second charger needs estates approval", plain: " "},
    )
    barrier = await Barrier.select().where(Barrier.issue == issue_id).first()
    assert barrier["description"] == "Second charger needs estates approval"
    assert not await Barrier.exists().where(Barrier.issue == plain)
    issue = await SafetyIssue.select().where(SafetyIssue.id == issue_id).first()
    assert issue["needs_executive_help"] is True


async def test_routes_correct_and_remove_without_javascript(client, world, login, query_counter):
    round_id = await make_round(world, days=0, status="in_progress")
    await login(client, "executive")
    url = f"/rounds/{round_id}/run/capture"
    added = await post_form(
        client, url, {"description": "Sharps bin full", "raised_by": "RN", "pin_raised_by": "on"}
    )
    assert added.status_code == 303 and added.headers["location"].endswith("&pin=1#heard")
    page = await client.get(added.headers["location"].split("#")[0])
    assert 'role="status"' in page.text and "Added" in page.text
    assert 'id="raised_by" name="raised_by" type="text" value="RN"' in page.text
    issue_id = (await SafetyIssue.select().where(SafetyIssue.round == round_id).first())["id"]
    edit = await client.get(f"/rounds/{round_id}/run/issues/{issue_id}/edit")
    assert edit.status_code == 200 and 'name="edit_description"' in edit.text
    base = {"base_description": "Sharps bin full", "base_raised_by": "RN", "version": "1"}
    empty = await post_form(
        client,
        f"/rounds/{round_id}/run/issues/{issue_id}",
        {**base, "edit_description": " ", "edit_raised_by": "RN"},
    )
    assert empty.status_code == 200 and form_error(empty.text, "edit_description")
    with query_counter() as correcting:
        saved = await post_form(
            client,
            f"/rounds/{round_id}/run/issues/{issue_id}",
            {**base, "edit_description": "Sharps bin full by noon", "edit_raised_by": "RN"},
        )
    assert saved.status_code == 303
    assert correcting.n <= 12, correcting.queries  # 10 on both databases
    with query_counter() as removing:
        removed = await post_form(client, f"/rounds/{round_id}/run/issues/{issue_id}/remove")
        # 19: the "relied on" checks are 8 of them, then the row lock and the retired id (no reuse)
        assert removing.n <= 21, removing.queries
    assert removed.status_code == 303 and "done=removed" in removed.headers["location"]
    assert await SafetyIssue.count().where(SafetyIssue.round == round_id) == 0


async def test_a_concern_typed_by_the_scribe_can_be_removed_by_the_executive(world):
    """Typing it in is not relying on it: the champion scribes, the executive removes a
    duplicate; the audit says who did which."""
    executive, row = await _running(world)
    champion = await viewer_for(world.people["champion"])
    issue_id = await _capture(champion, row, "Said twice by the scribe")
    await service.remove_concern(executive, row, issue_id)
    actions = [(e["action"], e["actor_id"]) for e in await _entries("safety_issue", issue_id)]
    assert actions == [
        ("create", world.people["champion"]),
        ("delete", world.people["executive"]),
    ]


async def test_remove_pressed_twice_answers_removed_both_times(client, world, login):
    """A double tap on Remove (no JavaScript, or two htmx requests in flight): the second press
    finds the concern gone - it says it was removed, it does not open 'Page not found' over the
    round screen, and the audit log has one removal."""
    round_id = await make_round(world, days=0, status="in_progress")
    await login(client, "executive")
    for htmx in (False, True):
        added = await post_form(
            client, f"/rounds/{round_id}/run/capture", {"description": f"Said twice {htmx}"}
        )
        assert added.status_code == 303
        issue_id = (
            await SafetyIssue.select()
            .where(
                (SafetyIssue.round == round_id) & (SafetyIssue.description == f"Said twice {htmx}")
            )
            .first()
        )["id"]
        url = f"/rounds/{round_id}/run/issues/{issue_id}/remove"
        for _ in range(2):
            r = await post_form(client, url, htmx=htmx)
            if htmx:
                assert r.status_code == 200 and "HX-Retarget" not in r.headers
                assert "Removed from the tracking log" in r.text
            else:
                assert r.status_code == 303 and "done=removed" in r.headers["location"]
        deleted = [
            e
            for e in await _entries("safety_issue", issue_id)
            if e["action"] == "delete" and e["changes"]["description"][0] == f"Said twice {htmx}"
        ]
        assert len(deleted) == 1
    # someone else's concern that never was on this round is still not found
    r = await post_form(client, f"/rounds/{round_id}/run/issues/987654/remove")
    assert r.status_code == 404


async def test_a_removed_concerns_words_never_show_in_another_issues_history(client, world, login):
    """SQLite gives the next issue the id of a removed concern that was the newest row (its
    rowid is reused). The issue page's history (the audit log of that id) starts after the
    removal: the removed concern's words, of another unit, never show on the new issue."""
    from rounds.issues.service import capture

    viewer, row = await _running(world)
    removed = await _capture(viewer, row, "Words only unit A heard")
    await service.remove_concern(viewer, row, removed)
    outsider = await viewer_for(world.people["outsider"])  # champion of unit B
    new = (
        await capture(
            outsider,
            world.unit_b,
            description="Unit B door sticks",
            raised_by="RN",
            idempotency_key="b-door",
        )
    ).id
    await login(client, "outsider")
    page = await client.get(f"/issues/{new}")
    assert page.status_code == 200 and "Unit B door sticks" in page.text
    assert "Words only unit A heard" not in page.text


async def test_a_reused_id_does_not_inherit_what_others_did_to_a_removed_concern(world):
    """SQLite gives the next concern the id of a removed newest one: what the champion did to
    the removed concern does not stop the executive removing the new one."""
    executive, row = await _running(world)
    champion = await viewer_for(world.people["champion"])
    first = await _capture(champion, row, "Champion's concern, then withdrawn")
    await _correct(
        champion,
        row,
        first,
        text="Champion's concern, reworded",
        was="Champion's concern, then withdrawn",
    )
    await service.remove_concern(champion, row, first)
    second = await _capture(executive, row, "Executive's duplicate")
    await service.remove_concern(executive, row, second)
    assert not await SafetyIssue.exists().where(SafetyIssue.id == second)


async def test_removal_checks_what_others_relied_on_inside_its_transaction(world, monkeypatch):
    """An update someone adds while the removal is on its way (two people on two tablets: it
    lands just before the removal's transaction) keeps the concern: what others relied on is
    checked inside that transaction, so an update is never deleted with the concern."""
    from rounds import db

    viewer, row = await _running(world)
    champion = await viewer_for(world.people["champion"])
    issue_id = await _capture(viewer, row, "Checked, then updated")
    transaction = db.write_transaction
    landed = []

    def someone_updates_first(*args, **kwargs):
        if not landed:
            landed.append(True)
            return _then(transaction(*args, **kwargs))
        return transaction(*args, **kwargs)

    class _then:
        def __init__(self, inner):
            self.inner = inner

        async def __aenter__(self):
            await issues.add_update(champion, issue_id, "Ordered two more pumps.")
            return await self.inner.__aenter__()

        async def __aexit__(self, *exc):
            return await self.inner.__aexit__(*exc)

    monkeypatch.setattr(db, "write_transaction", someone_updates_first)
    with pytest.raises(RoundInputError) as refused:
        await service.remove_concern(viewer, row, issue_id)
    assert "stays on the log" in refused.value.errors["__all__"]
    assert await SafetyIssue.exists().where(SafetyIssue.id == issue_id)
    assert await issues.IssueUpdate.count().where(issues.IssueUpdate.issue == issue_id) == 1


async def test_a_removed_concerns_id_never_names_another_issue_or_barrier(world):
    """Removing the newest concern (and its barrier) does not hand its id to the next one, on
    SQLite as on PostgreSQL: an old link, a printed list or the audit trail keep meaning the
    removed concern, never a new one."""
    viewer, row = await _running(world)
    removed = await _capture(viewer, row, "Typo, withdrawn", needs_help=True, in_the_way="Budget")
    removed_barrier = (await Barrier.select().where(Barrier.issue == removed).first())["id"]
    await service.remove_concern(viewer, row, removed)
    again = await _capture(viewer, row, "Typo fixed", needs_help=True, in_the_way="Budget")
    assert again > removed
    barrier = (await Barrier.select().where(Barrier.issue == again).first())["id"]
    assert barrier > removed_barrier
    # and an imported or ordinary capture after it too
    from rounds.issues.service import capture

    other = await capture(
        viewer, row["unit"], description="Next one", raised_by="RN", idempotency_key="next-one"
    )
    assert other.id > again


async def test_an_update_written_while_the_concern_is_removed_is_refused_not_lost(
    world, monkeypatch
):
    """The update read the issue just before the removal committed: inside its own transaction
    it finds the issue gone and is refused as not found - nothing half-written, no server error
    (on PostgreSQL it waits for the removal's row lock, then sees the row gone)."""
    from rounds import db

    viewer, row = await _running(world)
    champion = await viewer_for(world.people["champion"])
    issue_id = await _capture(viewer, row, "Removed while someone types an update")
    transaction = db.write_transaction

    def removal_lands_first(*args, **kwargs):
        monkeypatch.setattr(db, "write_transaction", transaction)
        return _after_removal(transaction(*args, **kwargs))

    class _after_removal:
        def __init__(self, inner):
            self.inner = inner

        async def __aenter__(self):
            await service.remove_concern(viewer, row, issue_id)
            return await self.inner.__aenter__()

        async def __aexit__(self, *exc):
            return await self.inner.__aexit__(*exc)

    monkeypatch.setattr(db, "write_transaction", removal_lands_first)
    with pytest.raises(NotFoundException):
        await issues.add_update(champion, issue_id, "Too late")
    assert not await SafetyIssue.exists().where(SafetyIssue.id == issue_id)
    assert await issues.IssueUpdate.count().where(issues.IssueUpdate.issue == issue_id) == 0


async def test_a_leader_is_not_offered_the_needs_my_help_form(client, world, login):
    """A leader reads the round: the "what's in the way" form is not shown to them (it would
    only be refused once filled in); the answer says why."""
    viewer, row = await _running(world)
    issue_id = await _capture(viewer, row, "Leader looks at this one")
    await login(client, "leader")
    page = await client.get(f"/rounds/{row['id']}/run/issues/{issue_id}/edit?help=1")
    assert page.status_code == 403
    assert "CUSP team" in page.text and 'name="in_the_way"' not in page.text


async def test_a_closed_barriers_title_is_not_reworded_from_the_round(world):
    """Once the barrier is decided (removed, or cannot be removed), correcting the concern on
    the round keeps its title as decided, and says so; other corrections still save."""
    viewer, row = await _running(world)
    issue_id = await _capture(
        viewer, row, "Pump stands missing", needs_help=True, in_the_way="Budget"
    )
    await Barrier.update({Barrier.status: "removed"}).where(Barrier.issue == issue_id)
    with pytest.raises(RoundInputError) as refused:
        await _correct(
            viewer,
            row,
            issue_id,
            text="Pump stands missing",
            was="Pump stands missing",
            in_the_way="Budget for six stands",
            base_in_the_way="Budget",
        )
    assert "already closed" in refused.value.errors["in_the_way"]
    assert (await Barrier.select().where(Barrier.issue == issue_id).first())[
        "description"
    ] == "Budget"
    await _correct(
        viewer,
        row,
        issue_id,
        text="Pump stands missing on 4 West",
        was="Pump stands missing",
        in_the_way="Budget",
        base_in_the_way="Budget",
    )
