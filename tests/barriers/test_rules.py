"""Pure barrier rules: escalation order, follow-up state, the WIP flag."""

from datetime import date, timedelta

import pytest

from rounds.barriers import rules

TODAY = date(2026, 3, 16)


def test_levels_go_up_in_order():
    assert rules.LEVEL_ORDER == ["unit", "department", "executive", "c_suite", "board"]
    assert rules.next_level("executive") == "c_suite"
    assert rules.next_level("board") is None
    assert rules.higher_levels("department") == ["executive", "c_suite", "board"]
    assert rules.higher_levels("board") == []


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("executive", "c_suite", True),
        ("unit", "board", True),
        ("executive", "executive", False),
        ("c_suite", "department", False),
        ("board", "board", False),
        ("executive", "nonsense", False),
    ],
)
def test_escalation_only_upwards(current, target, allowed):
    problem = rules.escalation_problem(current, target)
    assert (problem is None) is allowed
    if not allowed:
        assert problem and problem[0].isupper()


def test_same_level_message_says_what_to_do():
    assert "higher" in rules.escalation_problem("executive", "executive")
    assert "upwards" in rules.escalation_problem("c_suite", "unit")


@pytest.mark.parametrize(
    ("offset", "state"),
    [
        (-30, "escalation_due"),
        (-7, "escalation_due"),
        (-6, "overdue"),
        (-1, "overdue"),
        (0, "due_today"),
        (1, "this_week"),
        (7, "this_week"),
        (8, "later"),
    ],
)
def test_follow_up_state(offset, state):
    assert rules.follow_up_state(TODAY + timedelta(days=offset), TODAY, 7) == state


def test_escalation_threshold_is_configurable():
    late_three = TODAY - timedelta(days=3)
    assert rules.follow_up_state(late_three, TODAY, 7) == "overdue"
    assert rules.follow_up_state(late_three, TODAY, 3) == "escalation_due"
    assert rules.is_escalation_due(late_three, TODAY, 2)
    assert rules.days_overdue(late_three, TODAY) == 3
    assert rules.days_overdue(TODAY + timedelta(days=2), TODAY) == 0


def test_wip_limit_flags_only_above_the_limit():
    assert not rules.over_wip_limit(5, 5)
    assert rules.over_wip_limit(6, 5)
    assert rules.over_wip_limit(2, 1)
