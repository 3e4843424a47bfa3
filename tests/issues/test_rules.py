"""Pure rules: priority, easy wins, stoplight, status transitions."""

import pytest

from rounds.issues import rules


@pytest.mark.parametrize(
    ("harm", "likelihood", "expected"),
    [
        ("death", "rare", 2),
        ("death", "possible", 3),
        ("severe", "possible", 2),
        ("severe", "likely", 3),
        ("moderate", "frequent", 3),
        ("moderate", "likely", 2),
        ("moderate", "rare", 1),
        ("mild", "possible", 1),
        ("mild", "likely", 2),
        ("none", "frequent", 1),
        ("", "likely", 0),
        ("severe", "", 0),
        ("bogus", "likely", 0),
    ],
)
def test_derived_priority(harm, likelihood, expected):
    assert rules.derived_priority(harm, likelihood) == expected


def test_team_override_wins_and_blank_override_derives():
    assert rules.effective_priority("mild", "rare", "high") == 3
    assert rules.effective_priority("death", "frequent", "low") == 1
    assert rules.effective_priority("death", "frequent", "") == 3


def test_easy_win_needs_medium_priority_and_easy():
    assert rules.is_easy_win(2, "easy", "new") and rules.is_easy_win(3, "easy", "in_progress")
    assert not rules.is_easy_win(1, "easy", "new") and not rules.is_easy_win(3, "hard", "new")
    # done or shelved work is no longer a win to pick up
    for status in ("resolved", "cannot_do", "closed"):
        assert not rules.is_easy_win(3, "easy", status)


@pytest.mark.parametrize(
    ("status", "light"),
    [
        ("new", None),
        ("planned", "yellow"),
        ("in_progress", "yellow"),
        ("resolved", "green"),
        ("closed", "green"),
        ("cannot_do", "red"),
    ],
)
def test_stoplight(status, light):
    assert rules.stoplight(status) == light


def test_transitions():
    ok = dict(cannot_do_reason="", feedback_given=False)
    assert rules.transition_problem("new", "planned", **ok) is None
    assert rules.transition_problem("in_progress", "resolved", **ok) is None
    assert "cannot move" in rules.transition_problem("new", "closed", **ok)
    assert "cannot move" in rules.transition_problem("closed", "new", **ok)
    assert "Say why" in rules.transition_problem(
        "planned", "cannot_do", cannot_do_reason="  ", feedback_given=False
    )
    assert (
        rules.transition_problem(
            "planned", "cannot_do", cannot_do_reason="No budget this year", feedback_given=False
        )
        is None
    )
    assert "staff were told" in rules.transition_problem(
        "resolved", "closed", cannot_do_reason="", feedback_given=False
    )
    assert (
        rules.transition_problem("resolved", "closed", cannot_do_reason="", feedback_given=True)
        is None
    )
    assert rules.transition_problem("closed", "in_progress", **ok) is None  # reopening
    assert rules.transition_problem("new", "nonsense", **ok) == "Choose a status from the list."
