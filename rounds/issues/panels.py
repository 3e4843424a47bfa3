"""Home page panel for the tracking log (None hides it).

Team members and champions: staff feedback due within a week or overdue, and overdue fixes, on
their units. Executive partners: what they owe on the tracking log, most late first - issues
they own whose fix is overdue or due this week, and staff feedback due (or overdue) on their
units' issues (the measures' definitions: fix_due_by_where, feedback_pending_where) - and
"since I last looked – you said, we did": issues from their units whose stoplight changed since
their previous visit (rounds.home.visits). Three queries, and the visit's read and write.
"""

from __future__ import annotations

from datetime import timedelta

from rounds.auth.access import Viewer
from rounds.core.clock import local_today
from rounds.home import visits
from rounds.issues.service import ISSUE_COLUMNS, decorate
from rounds.issues.tables import SafetyIssue
from rounds.measures.service import (
    feedback_pending_where,
    fix_due_by_where,
    fix_overdue_where,
)

LIMIT = 5  # a glance on a phone; the links go to the full filtered log


async def home_panel(viewer: Viewer) -> dict | None:
    if viewer.role in ("admin", "leader") or not viewer.unit_roles:
        return None
    units = list(viewer.unit_roles)
    if viewer.role == "executive":
        return await _executive_panel(viewer, units)
    today = local_today()
    feedback = (
        await SafetyIssue.select(*ISSUE_COLUMNS())
        .where(SafetyIssue.unit.is_in(units) & feedback_pending_where(today + timedelta(days=7)))
        .order_by(SafetyIssue.feedback_due_on)
        .limit(LIMIT)
    )
    overdue = (
        await SafetyIssue.select(*ISSUE_COLUMNS())
        .where(SafetyIssue.unit.is_in(units) & fix_overdue_where(today))
        .order_by(SafetyIssue.due_on)
        .limit(LIMIT)
    )
    return {
        "kind": "team",
        "feedback": [decorate(r) for r in feedback],
        "overdue": [decorate(r) for r in overdue],
    }


async def _executive_panel(viewer: Viewer, units: list[int]) -> dict:
    look = await visits.look(viewer)
    due_by = local_today() + timedelta(days=7)
    rows = (
        await SafetyIssue.select(*ISSUE_COLUMNS())
        .where(
            SafetyIssue.unit.is_in(units)
            & (SafetyIssue.status_changed_at >= look.since)
            & SafetyIssue.status.is_in(
                ["planned", "in_progress", "resolved", "cannot_do", "closed"]
            )
        )
        .order_by(SafetyIssue.status_changed_at, ascending=False)
        .limit(LIMIT)
    )
    # what I owe: issues I own whose fix is overdue or due within the week (on units I see)
    fixes = (
        await SafetyIssue.select(*ISSUE_COLUMNS())
        .where(
            (SafetyIssue.owner == viewer.id)
            & SafetyIssue.unit.is_in(units)
            & fix_due_by_where(due_by)
        )
        .order_by(SafetyIssue.due_on)
        .limit(LIMIT)
    )
    # ... and staff feedback due this week or overdue on my units' issues
    feedback = (
        await SafetyIssue.select(*ISSUE_COLUMNS())
        .where(SafetyIssue.unit.is_in(units) & feedback_pending_where(due_by))
        .order_by(SafetyIssue.feedback_due_on)
        .limit(LIMIT)
    )
    owed = [{"what": "fix", "due": r["due_on"], "issue": decorate(r)} for r in fixes] + [
        {"what": "feedback", "due": r["feedback_due_on"], "issue": decorate(r)} for r in feedback
    ]
    owed.sort(key=lambda o: (o["due"], o["what"] != "fix"))  # most late first
    return {
        "kind": "executive",
        "owed": owed,
        "changed": [decorate(r) for r in rows],
        "since": look.since,
        "first_look": look.first,
    }
