"""The tracking log's rules and queries. No Litestar imports: routes call these.

`capture()` is the one way an issue enters the log (quick capture, rounds, meetings, import):
identifier screening, defaults and idempotency live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rounds import db
from rounds.audit import service as audit
from rounds.auth.access import Viewer, ensure_can_contribute
from rounds.core import clock
from rounds.core.defaults import get_setting
from rounds.core.identifiers import explain, find_identifiers
from rounds.issues import rules
from rounds.issues.tables import SafetyIssue
from rounds.web.filters import local_today


class IssueInputError(Exception):
    """Bad input for an issue, by field: {field: message}."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def screen(fields: dict[str, str]) -> dict[str, str]:
    """{field: message} for every free-text field holding a likely patient identifier."""
    errors = {}
    for name, text in fields.items():
        findings = find_identifiers(text or "")
        if findings:
            errors[name] = explain(findings)
    return errors


async def feedback_window_days() -> int:
    try:
        return max(1, int(await get_setting("feedback.window_days", "14")))
    except ValueError:
        return 14


@dataclass
class Captured:
    id: int
    created: bool  # False when the idempotency key had already been used (a double tap)


async def capture(
    viewer: Viewer,
    unit_id: int,
    *,
    description: str,
    raised_by: str = "",
    source: str = "safety_round",
    round_id: int | None = None,
    category_id: int | None = None,
    needs_executive_help: bool = False,
    identified_on: date | None = None,
    idempotency_key: str | None = None,
) -> Captured:
    """Add one safety issue to a unit's log. Raises IssueInputError with field messages."""
    ensure_can_contribute(viewer, unit_id)
    description = (description or "").strip()
    raised_by = (raised_by or "").strip()
    errors: dict[str, str] = {}
    if not description:
        errors["description"] = "Describe the concern in the staff's words."
    elif len(description) > 4000:
        errors["description"] = "Keep it under 4,000 characters."
    if len(raised_by) > 80:
        errors["raised_by"] = "Use a role such as “RN, nights” (at most 80 characters)."
    if source not in rules.SOURCES:
        errors["source"] = "Choose a source from the list."
    errors.update({k: v for k, v in screen({"description": description, "raised_by": raised_by}).items() if k not in errors})
    if errors:
        raise IssueInputError(errors)
    key = (idempotency_key or "").strip()[:64] or None
    if key:
        existing = await SafetyIssue.select(SafetyIssue.id).where(SafetyIssue.idempotency_key == key).first()
        if existing:
            return Captured(existing["id"], False)
    identified = identified_on or local_today()
    now = clock.now()
    values = {
        "unit": unit_id,
        "identified_on": identified,
        "source": source,
        "round": round_id,
        "description": description,
        "raised_by": raised_by,
        "category": category_id,
        "status": "new",
        "priority": 0,
        "needs_executive_help": needs_executive_help,
        "feedback_due_on": identified + timedelta(days=await feedback_window_days()),
    }
    try:
        async with db.write_transaction():
            if key and await SafetyIssue.exists().where(SafetyIssue.idempotency_key == key):
                row = await SafetyIssue.select(SafetyIssue.id).where(SafetyIssue.idempotency_key == key).first()
                return Captured(row["id"], False)
            row = (await SafetyIssue.insert(SafetyIssue(
                **values, idempotency_key=key, created_by=viewer.id, created_at=now, updated_at=now,
                status_changed_at=now, version=1,
            )).returning(SafetyIssue.id))[0]
            await audit.record(viewer.actor, "create", "safety_issue", row["id"], unit_id=unit_id, changes=audit.created(values))
    except Exception:
        # A concurrent retry with the same key won the race: return the issue it created.
        if key:
            existing = await SafetyIssue.select(SafetyIssue.id).where(SafetyIssue.idempotency_key == key).first()
            if existing:
                return Captured(existing["id"], False)
        raise
    return Captured(row["id"], True)


async def assign(
    viewer: Viewer,
    issue_id: int,
    *,
    owner_id: int | None,
    due_on: date | None,
    action_plan: str | None = None,
) -> None:
    """Give an issue an owner and a due date (and optionally its action plan), audited.

    Used by round completion and meeting action items. Raises IssueInputError."""
    from litestar.exceptions import NotFoundException

    from rounds.core.tables import Membership

    issue = await SafetyIssue.select().where(SafetyIssue.id == issue_id).first()
    if issue is None:
        raise NotFoundException()
    ensure_can_contribute(viewer, issue["unit"])
    errors: dict[str, str] = {}
    if owner_id is not None and not await Membership.exists().where(
        (Membership.unit == issue["unit"]) & (Membership.person == owner_id)
    ):
        errors["owner"] = "Choose an owner from this unit's team."
    if action_plan is not None:
        errors.update(screen({"action_plan": action_plan}))
    if errors:
        raise IssueInputError(errors)
    values = {"owner": owner_id, "due_on": due_on}
    if action_plan is not None:
        values["action_plan"] = action_plan.strip()
    if issue["status"] == "new" and owner_id and due_on:
        values["status"] = "planned"
    changes = audit.diff(issue, values)
    if not changes:
        return
    async with db.write_transaction():
        update = {**values, "updated_at": clock.now(), "version": issue["version"] + 1}
        if "status" in changes:
            update["status_changed_at"] = clock.now()
        await SafetyIssue.update(update).where(SafetyIssue.id == issue_id)
        await audit.record(viewer.actor, "update", "safety_issue", issue_id, unit_id=issue["unit"], changes=changes)
