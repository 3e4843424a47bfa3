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
LEVELS = {"unit": "Unit", "department": "Department", "executive": "Executive partner", "c_suite": "C-suite", "board": "Board"}
LEVEL_ORDER = list(LEVELS)
STATUSES = {"open": "Open", "removed": "Removed", "cannot_remove": "Cannot remove"}


def next_level(level: str) -> str | None:
    index = LEVEL_ORDER.index(level) if level in LEVEL_ORDER else -1
    return LEVEL_ORDER[index + 1] if 0 <= index < len(LEVEL_ORDER) - 1 else None


def is_higher(new: str, old: str) -> bool:
    return new in LEVEL_ORDER and old in LEVEL_ORDER and LEVEL_ORDER.index(new) > LEVEL_ORDER.index(old)


def days_overdue(next_follow_up_on: date, today: date) -> int:
    return max(0, (today - next_follow_up_on).days)
