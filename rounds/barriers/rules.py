"""Barrier vocabulary and pure rules (escalation order, overdue)."""

from __future__ import annotations

from datetime import date

KINDS = {
    "budget": "Budget or resources",
    "department": "Another department",
    "equipment": "Equipment or vendor",
    "policy": "Policy",
    "it": "IT",
    "staffing": "Staffing",
    "other": "Other",
}
LEVELS = {
    "unit": "Unit",
    "department": "Department",
    "executive": "Executive partner",
    "c_suite": "C-suite",
    "board": "Board",
}
LEVEL_ORDER = list(LEVELS)
STATUSES = {"open": "Open", "removed": "Removed", "cannot_remove": "Cannot remove"}


def next_level(level: str) -> str | None:
    index = LEVEL_ORDER.index(level) if level in LEVEL_ORDER else -1
    return LEVEL_ORDER[index + 1] if 0 <= index < len(LEVEL_ORDER) - 1 else None


def is_higher(new: str, old: str) -> bool:
    return (
        new in LEVEL_ORDER
        and old in LEVEL_ORDER
        and LEVEL_ORDER.index(new) > LEVEL_ORDER.index(old)
    )


def days_overdue(next_follow_up_on: date, today: date) -> int:
    return max(0, (today - next_follow_up_on).days)


# --- follow-up state (pure: callers pass today and the settings) ---------------------------

FOLLOW_UP_STATES = {
    "escalation_due": "Escalation due",
    "overdue": "Follow-up overdue",
    "due_today": "Follow-up due today",
    "this_week": "Due this week",
    "later": "Later",
}


def follow_up_state(next_follow_up_on: date | None, today: date, escalate_after_days: int) -> str:
    """Where an open barrier's next follow-up stands. Escalation is due once the follow-up is
    `escalate_after_days` or more days late; it is only ever suggested, never done silently."""
    if next_follow_up_on is None:
        return "overdue"
    late = (today - next_follow_up_on).days
    if late >= max(1, escalate_after_days):
        return "escalation_due"
    if late > 0:
        return "overdue"
    if late == 0:
        return "due_today"
    if late >= -7:
        return "this_week"
    return "later"


def is_escalation_due(
    next_follow_up_on: date | None, today: date, escalate_after_days: int
) -> bool:
    return follow_up_state(next_follow_up_on, today, escalate_after_days) == "escalation_due"


def over_wip_limit(open_count: int, limit: int) -> bool:
    """More open barriers than the limit (default 5) for one owner is flagged."""
    return open_count > limit


def higher_levels(level: str) -> list[str]:
    """The levels a barrier at `level` may be escalated to, lowest first."""
    return [candidate for candidate in LEVEL_ORDER if is_higher(candidate, level)]


def escalation_problem(current: str, target: str) -> str | None:
    """Why an escalation is refused, in words a person can act on; None if allowed."""
    if target not in LEVELS:
        return "Choose a level from the list."
    if current == "board":
        return "This barrier is already at board level; it cannot go higher."
    if target == current:
        return f"It is already at {LEVELS[current].lower()} level – choose a higher level."
    if not is_higher(target, current):
        return f"Escalation goes upwards only: choose a level above {LEVELS[current].lower()}."
    return None


def level_label(level: str) -> str:
    return LEVELS.get(level, level.replace("_", " ").capitalize())


# What a person is told after each action (also read from ?done= after a plain form post).
DONE_MESSAGES = {
    "note": "Follow-up note saved; the next follow-up date is set.",
    "escalated": "Escalated. The new owner sees it in their follow-ups.",
    "removed": "Marked as removed. Tell staff through the issue's feedback.",
    "cannot_remove": "Marked as cannot remove, with your reason.",
}
