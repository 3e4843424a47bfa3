"""Overview arithmetic on a hand-built unit, access scoping, and the board report."""

from datetime import timedelta

from rounds.barriers.tables import Barrier
from rounds.core import clock
from rounds.issues.tables import SafetyIssue
from rounds.rounding.tables import SafetyRound
from rounds.web.filters import local_today


async def _issue(
    unit,
    status,
    identified_days_ago,
    *,
    feedback_after=None,
    resolved_after=None,
    feedback_due_in=14,
    outcome="",
):
    today = local_today()
    identified = today - timedelta(days=identified_days_ago)
    now = clock.now()
    await SafetyIssue.insert(
        SafetyIssue(
            unit=unit,
            identified_on=identified,
            description="Pump tubing out of stock at night",
            status=status,
            feedback_due_on=identified + timedelta(days=feedback_due_in),
            feedback_given_on=identified + timedelta(days=feedback_after)
            if feedback_after is not None
            else None,
            resolved_on=identified + timedelta(days=resolved_after)
            if resolved_after is not None
            else None,
            closed_on=today if status == "closed" else None,
            outcome=outcome,
            created_at=now,
            updated_at=now,
            status_changed_at=now,
            priority=3,
        )
    )


async def test_unit_figures(client, world, login):
    a = world.unit_a
    now = clock.now()
    for days_ago, status, staff in [
        (70, "completed", 12),
        (40, "completed", 14),
        (10, "cancelled", 0),
        (5, "scheduled", 0),
    ]:
        await SafetyRound.insert(
            SafetyRound(
                unit=a,
                scheduled_at=now - timedelta(days=days_ago),
                status=status,
                staff_count=staff,
                created_at=now,
            )
        )
    await _issue(
        a,
        "closed",
        60,
        feedback_after=10,
        resolved_after=8,
        outcome="New pump stock par level agreed with supply chain.",
    )
    await _issue(a, "resolved", 50, feedback_after=20, resolved_after=12)
    await _issue(
        a, "cannot_do", 40, resolved_after=None
    )  # finished, never fed back, feedback overdue
    await _issue(a, "new", 3)
    await Barrier.insert(
        Barrier(
            issue=1,
            unit=a,
            description="Vendor contract",
            level="c_suite",
            next_follow_up_on=local_today() - timedelta(days=10),
            status="open",
            created_at=now,
            updated_at=now,
        )
    )
    await login(client, "admin")
    page = await client.get("/overview")
    assert page.status_code == 200
    html = page.text
    unit_a = html.split("Unit A ICU")[1].split("</li>")[0]
    assert "2 done of 4 due, 1 cancelled" in unit_a  # 70/40 done, 10 cancelled, 5 missed
    assert "65% of 40" in unit_a  # 26 staff / 40 headcount
    assert "4 raised, 1 open, 1 closed with feedback" in unit_a
    assert "67% of finished issues" in unit_a  # 2 of 3 finished fed back
    assert "median 15.0 days" in unit_a and "<strong>1 overdue</strong>" in unit_a
    assert "median 10.0" in unit_a  # resolution 8 and 12 days
    assert "C-suite 1" in unit_a
    assert "Needs help" in unit_a and "1 round missed" in unit_a
    board = await client.get("/overview/board")
    assert "Vendor contract" in board.text and "New pump stock par level" in board.text


async def test_scoped_to_own_units(client, world, login):
    await login(client, "executive")
    html = (await client.get("/overview")).text
    assert "Unit A ICU" in html and "Unit B Med-Surg" not in html


async def test_query_count_is_bounded(client, world, login, query_counter):
    await login(client, "leader")
    with query_counter() as counted:
        assert (await client.get("/overview")).status_code == 200
    assert counted.n <= 10, counted.queries
