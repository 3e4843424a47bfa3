"""Demo barriers: every level and state, some overdue and due for escalation, a follow-up log,
the demo executive above the WIP limit, nothing that looks like a patient identifier."""

from rounds import demo
from rounds.auth.access import Viewer
from rounds.barriers import rules, service
from rounds.barriers.tables import Barrier, BarrierNote
from rounds.core.tables import Person
from rounds.issues.service import screen
from rounds.issues.tables import SafetyIssue


async def test_demo_barriers_cover_every_level_and_state(engine):
    await demo.load("demo-password-for-tests-1")
    barriers = await Barrier.select()
    assert {b["level"] for b in barriers} == set(rules.LEVELS)
    assert {b["status"] for b in barriers} == set(rules.STATUSES)
    issues = {
        i["id"]: i["unit"] for i in await SafetyIssue.select(SafetyIssue.id, SafetyIssue.unit)
    }
    for b in barriers:
        assert issues[b["issue"]] == b["unit"] and b["owner"] is not None
        assert not screen({"description": b["description"], "reason": b["cannot_remove_reason"]})
        if b["status"] == "cannot_remove":
            assert b["cannot_remove_reason"]
    for note in await BarrierNote.select():
        assert not screen({"body": note["body"]})
    assert await BarrierNote.count() > len(barriers)
    exec_row = await Person.select().where(Person.email == "executive@example.org").first()
    viewer = Viewer(exec_row["id"], exec_row["email"], exec_row["display_name"], "executive", {})
    mine = await service.my_follow_ups(viewer)
    assert mine["over_limit"] and mine["overdue_count"] >= 2 and mine["escalation_due_count"] >= 1
    board = await service.board(Viewer(0, "a", "A", "admin"))
    assert board.escalation_due_count >= 2
    assert [level for level, rows in board.groups if rows][0] == "board"
