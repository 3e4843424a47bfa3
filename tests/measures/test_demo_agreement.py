"""On the demo hospital, the overview, the board report, the briefing and the meeting agenda agree
with each other and with a count made directly in the database (plain SQL written here, not the
measures module)."""

from __future__ import annotations

import re
from datetime import timedelta

from rounds import db, demo
from rounds.core.clock import local_today, start_of_day
from rounds.core.tables import Unit
from rounds.meetings.tables import Meeting
from rounds.rounding.tables import SafetyRound
from tests.conftest import sign_in
from tests.measures.test_fixture_hospital import _block, _cells, _measures


def _pct(part: int, whole: int) -> str:
    return "–" if whole == 0 else f"{int(100 * part / whole + 0.5)}%"


async def _direct(unit_id: int, headcount: int) -> dict[str, str]:
    """The strip's six figures for one unit over the last 365 days, counted by hand in SQL."""
    today = local_today()
    start = today - timedelta(days=364)

    async def one(sql: str, *args) -> int:
        rows = await db.raw(sql, *args)
        return int(list(rows[0].values())[0] or 0)

    issues = "FROM safety_issue WHERE unit = {} AND identified_on >= {} AND identified_on <= {}"
    fed = await one(
        f"SELECT COUNT(*) {issues} AND feedback_given_on IS NOT NULL", unit_id, start, today
    )
    late = await one(
        f"SELECT COUNT(*) {issues} AND feedback_given_on IS NULL AND feedback_due_on < {{}}",
        unit_id,
        start,
        today,
        today,
    )
    fix = await one(
        f"SELECT COUNT(*) {issues} AND status IN ('new', 'planned', 'in_progress') AND due_on < {{}}",
        unit_id,
        start,
        today,
        today,
    )
    barriers = await one(
        "SELECT COUNT(*) FROM barrier WHERE unit = {} AND status = 'open' "
        "AND (next_follow_up_on IS NULL OR next_follow_up_on < {})",
        unit_id,
        today,
    )
    window = (start_of_day(start), start_of_day(today + timedelta(days=1)))
    rounds = "FROM safety_round WHERE unit = {} AND scheduled_at >= {} AND scheduled_at < {}"
    due = await one(f"SELECT COUNT(*) {rounds} AND status <> 'cancelled'", unit_id, *window)
    done = await one(f"SELECT COUNT(*) {rounds} AND status = 'completed'", unit_id, *window)
    first = await one(
        f"SELECT SUM(first_timers) {rounds} AND status = 'completed'", unit_id, *window
    )
    return {
        "fed_back_pct": _pct(fed, fed + late),
        "feedback_overdue": str(late),
        "fix_overdue": str(fix),
        "barriers_overdue": str(barriers),
        "rounds": f"{done} of {due}",
        "reach": "–" if not headcount else f"{min(100, int(100 * first / headcount + 0.5))}%",
    }


async def test_demo_pages_agree_with_the_database(client, engine):
    await demo.load("demo-password-for-tests-1")
    await sign_in(client, "admin@example.org", "demo-password-for-tests-1")
    overview = (await client.get("/overview")).text
    board = (await client.get("/overview/board")).text
    units = await Unit.select().where(Unit.active == True).order_by(Unit.name)  # noqa: E712
    assert len(units) == 6
    flagged = 0
    for unit in units:
        direct = await _direct(unit["id"], unit["staff_headcount"])
        # overview: the same figures with the same words
        facts = _measures(_block(overview, "data-unit", unit["name"], "</li>"))
        assert facts["fed_back_pct"].split(" ")[0] == direct["fed_back_pct"], unit["name"]
        for key in ("feedback_overdue", "fix_overdue"):
            assert facts[key] == direct[key], (unit["name"], key)
        assert facts["barriers_overdue"].split(" ")[0] == direct["barriers_overdue"]
        assert facts["rounds"].split(";")[0] == direct["rounds"]
        assert facts["reach"].split(" ")[0] == direct["reach"]
        # board report: one row per unit
        row = _cells(_block(board, "data-unit", unit["name"], "</tr>"))
        assert row[:6] == [
            direct["rounds"],
            direct["reach"],
            direct["fed_back_pct"],
            direct["feedback_overdue"],
            direct["fix_overdue"],
            direct["barriers_overdue"],
        ], unit["name"]
        flagged += "Needs help" in _block(overview, "data-unit", unit["name"], "</li>")
        # briefing of the unit's next round, and the agenda of its next meeting
        nxt = (
            await SafetyRound.select(SafetyRound.id)
            .where(
                (SafetyRound.unit == unit["id"])
                & SafetyRound.status.is_in(["scheduled", "briefed"])
            )
            .order_by(SafetyRound.scheduled_at)
            .first()
        )
        if nxt:
            briefing = (await client.get(f"/rounds/{nxt['id']}/briefing?open=trends")).text
            assert _measures(_block(briefing, "class", "measures-strip", "</section>")) == direct
        meeting = (
            await Meeting.select(Meeting.id)
            .where(Meeting.unit == unit["id"])
            .order_by(Meeting.scheduled_at, ascending=False)
            .first()
        )
        if meeting:
            # the programme measures load when opened (?show=programme without JavaScript)
            agenda = (await client.get(f"/meetings/{meeting['id']}?show=programme")).text
            assert _measures(_block(agenda, "class", "measures-strip", "</section>")) == direct
    # the flag discriminates: some units need help, not all
    assert 0 < flagged < len(units)
    assert re.search(r"<h2>Units – \d units? needing help first</h2>", overview)
