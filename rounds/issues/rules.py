"""The tracking log's vocabulary and pure rules: priority, stoplight, status transitions.

No database here, so every rule is testable on its own.
"""

from __future__ import annotations

SOURCES = {
    "safety_round": "Safety round",
    "staff_assessment": "Staff safety assessment",
    "before_round": "Sent ahead of a round",
    "learning_from_defects": "Learning from defects",
    "event_report": "Event report",
    "patient_family": "Patient / family",
    "team_meeting": "Team meeting",
    "other": "Other",
}
HARMS = {
    "none": "None",
    "mild": "Mild",
    "moderate": "Moderate",
    "severe": "Severe",
    "death": "Death",
}
LIKELIHOODS = {"rare": "Rare", "possible": "Possible", "likely": "Likely", "frequent": "Frequent"}
EASE = {"easy": "Easy", "moderate": "Moderate", "hard": "Hard"}
STATUSES = {
    "new": "New",
    "planned": "Planned",
    "in_progress": "In progress",
    "resolved": "Resolved",
    "cannot_do": "Cannot do",
    "closed": "Closed",
}
FEEDBACK_HOW = {
    "huddle": "Huddle",
    "email": "E-mail",
    "posted_report": "Posted report",
    "in_person": "In person",
}
PRIORITY_LABELS = {3: "High", 2: "Medium", 1: "Low", 0: "Not rated"}
PRIORITY_CODES = {"high": 3, "medium": 2, "low": 1}

_HARM_SCORE = {"none": 0, "mild": 1, "moderate": 2, "severe": 3, "death": 4}
_LIKELIHOOD_SCORE = {"rare": 1, "possible": 2, "likely": 3, "frequent": 4}


def derived_priority(harm: str, likelihood: str) -> int:
    """Risk = worst credible harm x likelihood (0-16): 8+ high, 3-7 medium, 1-2 low, else not rated.

    "none" harm is low whatever the likelihood; a missing rating is 0 (not rated).
    """
    if harm not in _HARM_SCORE or likelihood not in _LIKELIHOOD_SCORE:
        return 0
    if harm == "none":
        return 1
    risk = _HARM_SCORE[harm] * _LIKELIHOOD_SCORE[likelihood]
    if risk >= 8:
        return 3
    if risk >= 3:
        return 2
    return 1


def effective_priority(harm: str, likelihood: str, override: str) -> int:
    """The team's override (high/medium/low) wins over the derived priority."""
    return PRIORITY_CODES.get(override, derived_priority(harm, likelihood))


def is_easy_win(priority: int, ease: str, status: str) -> bool:
    """Still to do (open), medium or high priority, and easy. log._EASY_WIN says it in SQL."""
    return status in OPEN_STATUSES and priority >= 2 and ease == "easy"


def stoplight(status: str) -> str | None:
    """What staff see: green done, yellow in progress, red cannot do; None before work starts."""
    if status in ("resolved", "closed"):
        return "green"
    if status in ("planned", "in_progress"):
        return "yellow"
    if status == "cannot_do":
        return "red"
    return None


# Allowed moves. "closed" needs feedback given; "cannot_do" needs a reason (checked in service).
TRANSITIONS = {
    "new": {"planned", "in_progress", "resolved", "cannot_do"},
    "planned": {"new", "in_progress", "resolved", "cannot_do"},
    "in_progress": {"planned", "resolved", "cannot_do"},
    "resolved": {"in_progress", "closed"},
    "cannot_do": {"planned", "in_progress", "closed"},
    "closed": {"in_progress"},  # reopening
}

OPEN_STATUSES = ("new", "planned", "in_progress")


def transition_problem(
    current: str, target: str, *, cannot_do_reason: str, feedback_given: bool
) -> str | None:
    """Why a status change is refused, in words a person can act on; None if allowed."""
    if target not in STATUSES:
        return "Choose a status from the list."
    if target == current:
        return None
    if target not in TRANSITIONS.get(current, set()):
        return f"An issue that is {STATUSES[current].lower()} cannot move to {STATUSES[target].lower()}."
    if target == "cannot_do" and not cannot_do_reason.strip():
        return "Say why this cannot be done – staff will be told this reason."
    if target == "closed" and not feedback_given:
        return "Record when and how staff were told the outcome before closing the issue."
    return None
