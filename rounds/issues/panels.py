"""Home page panel for the tracking log (None hides it).

Team members and champions: staff feedback due within a week or overdue, and overdue fixes, on
their units. Executive partners: what they owe on the tracking log, most late first - issues
they own whose fix is overdue or due this week, and staff feedback due (or overdue) on their
units' issues (the measures' definitions: fix_due_by_where, feedback_pending_where) - and
"since I last looked – you said, we did": issues from their units whose stoplight changed since
their previous visit (rounds.issues.visits). Three queries, and the visit's read and write.

Every list is a short one read from an index whatever the size of the hospital: each unit's
first rows, merged (rounds.issues.log.first_of_units, the log's own plan); none is counted.
At a million issues a unit has thousands of feedbacks pending and stoplight changes in two
weeks, and reading them all to show five cost seconds (see the README's scale section).
"""

from __future__ import annotations

from datetime import timedelta

from rounds.auth.access import Viewer
from rounds.core.clock import local_today
from rounds.issues import log, visits
from rounds.measures import definitions as measures
from rounds.measures.definitions import is_feedback_overdue, is_fix_overdue

LIMIT = 5  # a glance on a phone; the links go to the full filtered log

# The measures' definitions (rounds.measures.service: feedback_pending_where, fix_due_by_where)
# written on the log's indexes. Staff feedback pending: not given, due on or before a date -
# (unit, feedback_given_on, feedback_due_on).
_FEEDBACK_PENDING = measures.sql(measures.FEEDBACK_PENDING_BY, table="i")
_FEEDBACK_ORDER = "i.feedback_due_on, i.id"
# A fix due: open, with a due date on or before a date - the log's "due soonest" index
# (unit, open first, no date last, due_on, id), its expressions as equalities so the range
# ends where the open, dated issues do.
_FIX_DUE = (
    f"({log._OPEN_FIRST}) = 0 AND (CASE WHEN due_on IS NULL THEN 1 ELSE 0 END) = 0 "
    "AND i.due_on <= {}"
)
# (the index's order once its expressions are fixed; SQLite sorts again if given the
# expressions in the ORDER BY as well)
_FIX_ORDER = "i.due_on, i.id"
# Stoplight changes (a status other than new) since a moment - (unit, status_changed_at).
_CHANGED = "i.status_changed_at >= {} AND i.status <> 'new'"
_CHANGED_ORDER = "i.status_changed_at DESC, i.id DESC"


def _flags(rows, today):
    """The overdue flags by the measures' definitions (the log's SQL flags leave closed issues'
    feedback out of "overdue"; these lists are the measures')."""
    for row in rows:
        row.feedback_overdue = is_feedback_overdue(row.__dict__, today)
        row.fix_overdue = is_fix_overdue(row.__dict__, today)
    return rows


async def home_panel(viewer: Viewer) -> dict | None:
    if viewer.role in ("admin", "leader") or not viewer.unit_roles:
        return None
    units = sorted(viewer.unit_roles)
    if viewer.role == "executive":
        return await _executive_panel(viewer, units)
    today = local_today()
    feedback = await log.first_of_units(
        units, _FEEDBACK_PENDING, [today + timedelta(days=7)], _FEEDBACK_ORDER, LIMIT
    )
    overdue = await log.first_of_units(
        units, _FIX_DUE, [today - timedelta(days=1)], _FIX_ORDER, LIMIT
    )
    return {
        "kind": "team",
        "feedback": _flags(feedback, today),
        "overdue": _flags(overdue, today),
    }


async def _executive_panel(viewer: Viewer, units: list[int]) -> dict:
    look = await visits.look(viewer)
    today = local_today()
    due_by = today + timedelta(days=7)
    # one more than shown: whether there are more (not how many - that would read them all)
    changed = await log.first_of_units(
        units,
        _CHANGED,
        [look.since],
        _CHANGED_ORDER,
        LIMIT + 1,
        columns=", i.status_changed_at",
    )
    for row in changed:
        row.status_changed_at = _moment(row.status_changed_at)
    # what I owe: issues I own whose fix is overdue or due within the week (on units I see)
    # (from the index of what a person owns: owner, open first, no date last, due_on, id)
    fixes = await log.first_of_units(
        units, "i.owner = {} AND " + _FIX_DUE, [viewer.id, due_by], _FIX_ORDER, LIMIT, merge=False
    )
    # ... and staff feedback due this week or overdue on my units' issues
    feedback = await log.first_of_units(units, _FEEDBACK_PENDING, [due_by], _FEEDBACK_ORDER, LIMIT)
    owed = [{"what": "fix", "due": r.due_on, "issue": r} for r in _flags(fixes, today)] + [
        {"what": "feedback", "due": r.feedback_due_on, "issue": r} for r in _flags(feedback, today)
    ]
    owed.sort(key=lambda o: (o["due"], o["what"] != "fix"))  # most late first
    return {
        "kind": "executive",
        "owed": owed,
        "changed": changed[:LIMIT],
        "more_changed": len(changed) > LIMIT,
        "since": look.since,
        "first_look": look.first,
    }


def _moment(value):
    """db.fetch gives SQLite timestamps as text ('2026-11-17 06:41:00+00:00')."""
    if value.__class__ is str:
        from datetime import datetime

        return datetime.fromisoformat(value)
    return value
