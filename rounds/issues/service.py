"""The tracking log's rules and queries. No Litestar imports: routes call these.

`capture()` is the one way an issue enters the log (quick capture, rounds, meetings, import):
identifier screening, defaults and idempotency live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from rounds import db
from rounds.audit import service as audit
from rounds.auth.access import Viewer, ensure_can_contribute, ensure_can_see
from rounds.core import clock, merging
from rounds.core.clock import local_today
from rounds.core.errors import Conflict as CoreConflict
from rounds.core.errors import InputError as IssueInputError
from rounds.core.identifiers import ROLE_FIELDS as ROLE_FIELDS
from rounds.core.identifiers import find_personal_names, screen
from rounds.core.tables import Membership, Unit
from rounds.issues import rules
from rounds.issues.tables import Category, IssueUpdate, SafetyIssue
from rounds.measures import definitions as measures


async def roles_in_use(unit_id: int, limit: int = 6) -> list[str]:
    """The "Raised by" roles this unit has used, most used first (never one holding a name)."""
    rows = await db.fetch(
        "SELECT raised_by, COUNT(*) AS n FROM safety_issue WHERE unit = {} AND raised_by <> '' "
        "GROUP BY raised_by ORDER BY n DESC, raised_by LIMIT 40",
        unit_id,
    )
    return [r["raised_by"] for r in rows if not find_personal_names(r["raised_by"])][:limit]


async def feedback_window_days() -> int:
    """Days from identification to staff feedback due: ROUNDS_FEEDBACK_WINDOW_DAYS."""
    return measures.feedback_window_days()


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
    owner_id: int | None = None,
    due_on: date | None = None,
) -> Captured:
    """Add one safety issue to a unit's log (with an owner and a due date it starts planned).
    Raises IssueInputError with field messages."""
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
    if category_id is not None:
        from rounds.issues.tables import Category

        if not await Category.exists().where(
            (Category.id == category_id) & (Category.active == True)
        ):  # noqa: E712
            errors["category"] = "Choose a category from the list."
    if owner_id is not None and not await _is_active_member(unit_id, owner_id):
        errors["owner"] = "Choose an owner from this unit's team."
    errors.update(
        {
            k: v
            for k, v in screen({"description": description, "raised_by": raised_by}).items()
            if k not in errors
        }
    )
    if "raised_by" in errors and raised_by and len(raised_by) <= 80:
        errors.update(screen({"raised_by": raised_by}, roles=await roles_in_use(unit_id)))
    if errors:
        raise IssueInputError(errors)
    key = (idempotency_key or "").strip()[:64] or None
    if key:
        existing = (
            await SafetyIssue.select(SafetyIssue.id)
            .where(SafetyIssue.idempotency_key == key)
            .first()
        )
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
        "status": "planned" if owner_id and due_on else "new",
        "owner": owner_id,
        "due_on": due_on,
        "priority": 0,
        "needs_executive_help": needs_executive_help,
        "feedback_due_on": measures.default_feedback_due(identified),
    }
    try:
        async with db.write_transaction():
            if key and await SafetyIssue.exists().where(SafetyIssue.idempotency_key == key):
                row = db.found(
                    await SafetyIssue.select(SafetyIssue.id)
                    .where(SafetyIssue.idempotency_key == key)
                    .first()
                )
                return Captured(row["id"], False)
            row = (
                await SafetyIssue.insert(
                    SafetyIssue(
                        **values,
                        **await db.new_id("safety_issue"),
                        idempotency_key=key,
                        created_by=viewer.id,
                        created_at=now,
                        updated_at=now,
                        status_changed_at=now,
                        version=1,
                    )
                ).returning(SafetyIssue.id)
            )[0]
            await audit.record(
                viewer.actor,
                "create",
                "safety_issue",
                row["id"],
                unit_id=unit_id,
                changes=audit.created(values),
            )
    except Exception:
        # A concurrent retry with the same key won the race: return the issue it created.
        if key:
            existing = (
                await SafetyIssue.select(SafetyIssue.id)
                .where(SafetyIssue.idempotency_key == key)
                .first()
            )
            if existing:
                return Captured(existing["id"], False)
        raise
    return Captured(row["id"], True)


async def _is_active_member(unit_id: int, person_id: int) -> bool:
    return await Membership.exists().where(
        (Membership.unit == unit_id)
        & (Membership.person == person_id)
        & (Membership.person.active == True)  # noqa: E712
    )


# --- reading ------------------------------------------------------------------------------


class Conflict(CoreConflict):
    """Someone saved the issue after the form was opened. `changes`: [(field label, old, new, who, when)].

    From a merging edit (`base` given), `fields` names the fields both people changed (their
    value is in `changes`, this person's in `mine`); everything else this person changed is
    in `mine` too, so the form can show the current issue with their own changes on top."""

    def __init__(
        self,
        changes: list[dict],
        current: dict,
        *,
        fields: tuple[str, ...] = (),
        mine: dict | None = None,
    ):
        super().__init__("stale version")
        self.changes = changes
        self.current = current
        self.fields = fields
        self.mine = mine or {}


def _not_found():
    from litestar.exceptions import NotFoundException

    return NotFoundException()


ISSUE_COLUMNS = lambda: (  # noqa: E731 - evaluated lazily so the tables are bound
    *SafetyIssue.all_columns(),
    SafetyIssue.owner.display_name.as_alias("owner_name"),
    SafetyIssue.owner.active.as_alias("owner_active"),
    SafetyIssue.category.name.as_alias("category_name"),
    SafetyIssue.unit.name.as_alias("unit_name"),
)


def decorate(issue: dict) -> dict:
    """Derived words for templates: stoplight, labels, easy win."""
    issue["light"] = rules.stoplight(issue["status"])
    issue["status_label"] = rules.STATUSES.get(issue["status"], issue["status"])
    issue["source_label"] = rules.SOURCES.get(issue["source"], issue["source"])
    issue["priority_label"] = rules.PRIORITY_LABELS.get(issue["priority"], "Not rated")
    issue["easy_win"] = rules.is_easy_win(issue["priority"], issue["ease"], issue["status"])
    today = local_today()
    issue["feedback_overdue"] = measures.is_feedback_overdue(issue, today)
    issue["fix_overdue"] = measures.is_fix_overdue(issue, today)
    return issue


async def get_issue(viewer: Viewer, issue_id: int) -> dict:
    issue = await SafetyIssue.select(*ISSUE_COLUMNS()).where(SafetyIssue.id == issue_id).first()
    if issue is None:
        raise _not_found()
    ensure_can_see(viewer, issue["unit"])
    return decorate(issue)


def units_to_add_to(viewer: Viewer, units: list[dict]) -> list[dict]:
    """Of these units (dicts with id, name, active), the active ones this person may add a safety
    issue to: empty for leaders (read-only), so "Add a safety issue" is never offered to them."""
    return [u for u in units if u["active"] and viewer.can_contribute(u["id"])]


def can_edit(viewer: Viewer, issue: dict) -> bool:
    """Champions, executive partners and admins edit any issue of their unit; members edit what they own."""
    if viewer.read_only:
        return False
    return viewer.can_manage(issue["unit"]) or (
        viewer.can_contribute(issue["unit"]) and issue.get("owner") == viewer.id
    )


def ensure_can_edit(viewer: Viewer, issue: dict) -> None:
    ensure_can_see(viewer, issue["unit"])
    if not can_edit(viewer, issue):
        from litestar.exceptions import PermissionDeniedException

        raise PermissionDeniedException(
            "Only the unit's champions, executive partners, admins and the issue's owner can change it."
        )


async def unit_team_choices(unit_id: int) -> list[tuple[int, str]]:
    """People on the unit's team, as (id, "Name – role") for the owner select."""
    rows = (
        await Membership.select(
            Membership.person.id.as_alias("id"),
            Membership.person.display_name.as_alias("name"),
            Membership.person.job_title.as_alias("title"),
            Membership.person.active.as_alias("active"),
        )
        .where(Membership.unit == unit_id)
        .order_by(Membership.person.display_name)
    )
    seen, out = set(), []
    for row in rows:
        if row["id"] not in seen and row["active"]:
            seen.add(row["id"])
            out.append(
                (row["id"], f"{row['name']}" + (f" – {row['title']}" if row["title"] else ""))
            )
    return out


async def category_choices(*, include_inactive_id: int | None = None) -> list[tuple[int, str]]:
    rows = (
        await Category.select(Category.id, Category.name, Category.active)
        .order_by(Category.position)
        .order_by(Category.name)
    )
    return [(r["id"], r["name"]) for r in rows if r["active"] or r["id"] == include_inactive_id]


async def updates_for(issue_id: int) -> list[dict]:
    return (
        await IssueUpdate.select(
            *IssueUpdate.all_columns(), IssueUpdate.author.display_name.as_alias("author_name")
        )
        .where(IssueUpdate.issue == issue_id)
        .order_by(IssueUpdate.at)
    )


# --- changing an issue --------------------------------------------------------------------

FIELD_LABELS = {
    "identified_on": "Identified on",
    "source": "Source",
    "description": "Description",
    "raised_by": "Raised by",
    "category": "Category",
    "harm": "Worst credible harm",
    "likelihood": "Likelihood",
    "ease": "Ease of fixing",
    "priority": "Priority",
    "priority_override": "Priority set by the team",
    "priority_reason": "Why the team set the priority",
    "action_plan": "Action plan",
    "owner": "Owner",
    "due_on": "Due",
    "success_measure": "How we will know the risk is reduced",
    "status": "Status",
    "cannot_do_reason": "Why it cannot be done",
    "resolved_on": "Resolved on",
    "closed_on": "Closed on",
    "feedback_due_on": "Staff feedback due",
    "feedback_given_on": "Staff told on",
    "feedback_how": "How staff were told",
    "feedback_said": "What staff were told",
    "outcome": "Outcome for the stoplight report",
    "needs_executive_help": "Needs the executive partner's help",
}
EDITABLE = (
    "identified_on",
    "source",
    "description",
    "raised_by",
    "category",
    "harm",
    "likelihood",
    "ease",
    "priority_override",
    "priority_reason",
    "action_plan",
    "owner",
    "due_on",
    "success_measure",
    "feedback_due_on",
    "feedback_given_on",
    "feedback_how",
    "feedback_said",
    "outcome",
    "needs_executive_help",
)
FREE_TEXT = (
    "description",
    "raised_by",
    "priority_reason",
    "action_plan",
    "success_measure",
    "feedback_said",
    "outcome",
    "cannot_do_reason",
)


async def _changes_since(issue_id: int, version: int) -> list[dict]:
    """What others changed after `version`, field by field, from the audit log (newest last)."""
    out = []
    for entry in await audit.history("safety_issue", issue_id):
        changes = entry["changes"]
        v = changes.get("version")
        if not v or v[1] is None or int(v[1]) <= version:
            continue
        for name, (old, new) in changes.items():
            if name in ("version", "updated_at", "status_changed_at", "priority"):
                continue
            out.append(
                {
                    "field": name,
                    "label": FIELD_LABELS.get(name, name.replace("_", " ")),
                    "old": old,
                    "new": new,
                    "who": entry["actor_label"],
                    "at": entry["at"],
                }
            )
    return out


async def _check_version(issue: dict, version: int | None) -> None:
    if version is not None and int(version) != issue["version"]:
        raise Conflict(await _changes_since(issue["id"], int(version)), issue)


async def _load_for_change(viewer: Viewer, issue_id: int) -> dict:
    issue = await SafetyIssue.select().where(SafetyIssue.id == issue_id).first()
    if issue is None:
        raise _not_found()
    ensure_can_edit(viewer, issue)
    return issue


async def _write(viewer: Viewer, issue: dict, values: dict) -> dict:
    """Apply values to the row (in the caller's transaction), audit the diff with the version."""
    changes = audit.diff(issue, values)
    if not changes:
        return {}
    now = clock.now()
    update = {**values, "updated_at": now, "version": issue["version"] + 1}
    if "status" in changes:
        update["status_changed_at"] = now
    result = (
        await SafetyIssue.update(update)
        .where((SafetyIssue.id == issue["id"]) & (SafetyIssue.version == issue["version"]))
        .returning(SafetyIssue.id)
    )
    if not result:
        raise Conflict(await _changes_since(issue["id"], issue["version"]), issue)
    changes["version"] = [issue["version"], issue["version"] + 1]
    await audit.record(
        viewer.actor, "update", "safety_issue", issue["id"], unit_id=issue["unit"], changes=changes
    )
    return changes


# The one merging rule (rounds.core.merging), here under the names other modules import.
merge = merging.merge


async def change_issue(
    viewer: Viewer,
    issue_id: int,
    values: dict,
    *,
    base: dict | None = None,
    version: int | None = None,
    note: str | None = None,
) -> dict:
    """The one way an existing issue is changed: the issue page, meeting actions and the agenda's
    owner form, round completion. The issue page's rules hold for all of them: champions,
    executive partners and admins change any issue of their unit, a member only what they own
    (so nobody takes over an issue by the back door); a new owner is an active team member.

    `values` holds EDITABLE fields, already typed. With `base` (what the form showed) only the
    fields this person changed are written and only a field changed by both is a Conflict;
    without it a stale `version` is refused. `note` adds a dated update in the same transaction.
    Raises IssueInputError, Conflict or PermissionDeniedException."""
    try:
        return await _change_issue(viewer, issue_id, values, base=base, version=version, note=note)
    except Conflict as exc:
        if base is None or exc.fields:
            raise
    # Lost a race: another save committed while this one waited for the row (PostgreSQL reads
    # before it locks; SQLite's write transactions queue whole). Once more against what that
    # save wrote, so a field both changed is offered as a choice and the rest merges.
    return await _change_issue(viewer, issue_id, values, base=base, version=version, note=note)


async def _change_issue(
    viewer: Viewer,
    issue_id: int,
    values: dict,
    *,
    base: dict | None,
    version: int | None,
    note: str | None,
) -> dict:
    async with db.write_transaction():
        issue = await _load_for_change(viewer, issue_id)
        values = {k: v for k, v in values.items() if k in EDITABLE}
        for name in FREE_TEXT:
            if name in values and isinstance(values[name], str):
                values[name] = values[name].strip()
        if base is not None:
            values, conflicts = merge(issue, values, base, FIELD_LABELS)
            if conflicts:
                raise Conflict(
                    await _changes_since(issue["id"], int(version or 0)),
                    issue,
                    fields=tuple(conflicts),
                    mine=values,
                )
        else:
            await _check_version(issue, version)
        errors = await _field_problems(issue, values)
        if errors:
            raise IssueInputError(errors)
        touches_risk = {"harm", "likelihood", "priority_override"} & values.keys()
        if touches_risk or base is None:
            values["priority"] = rules.effective_priority(
                values.get("harm", issue["harm"]),
                values.get("likelihood", issue["likelihood"]),
                values.get("priority_override", issue["priority_override"]),
            )
        if "priority_override" in values and not values["priority_override"]:
            values["priority_reason"] = ""
        # An owner and a due date make a new issue planned.
        if (
            issue["status"] == "new"
            and values.get("owner", issue["owner"])
            and values.get("due_on", issue["due_on"])
        ):
            values["status"] = "planned"
        changes = await _write(viewer, issue, values)
        if note:
            await insert_update(viewer, issue, note)
        return changes


async def update_issue(viewer: Viewer, issue_id: int, values: dict, *, version: int | None) -> dict:
    """The issue page's edit form without a base (older forms): a stale version is refused."""
    return await change_issue(viewer, issue_id, values, version=version)


async def _field_problems(issue: dict, values: dict) -> dict[str, str]:
    errors: dict[str, str] = {}
    if "description" in values and not values["description"]:
        errors["description"] = "Describe the concern in the staff's words."
    limits = {
        "description": 4000,
        "raised_by": 80,
        "priority_reason": 2000,
        "action_plan": 4000,
        "success_measure": 2000,
        "feedback_said": 4000,
        "outcome": 2000,
    }
    for name, limit in limits.items():
        if len(values.get(name) or "") > limit:
            errors.setdefault(name, f"Keep it under {limit:,} characters.")
    if (
        values.get("priority_override")
        and not values.get("priority_reason", issue["priority_reason"]).strip()
    ):
        errors["priority_reason"] = (
            "Say why the team set this priority (for example “easy win, staff raise it every round”)."
        )
    if "owner" in values and values["owner"] is not None and values["owner"] != issue["owner"]:
        if not await _is_active_member(issue["unit"], values["owner"]):
            errors["owner"] = "Choose an owner from this unit's team."
    if (
        "category" in values
        and values["category"] is not None
        and values["category"] != issue["category"]
    ):
        if not await Category.exists().where(
            (Category.id == values["category"]) & (Category.active == True)
        ):  # noqa: E712
            errors["category"] = "Choose a category from the list."
    today = local_today()
    given = values.get("feedback_given_on", issue["feedback_given_on"])
    if given and given > today:
        errors["feedback_given_on"] = (
            "Staff cannot have been told in the future – use today's date or earlier."
        )
    if given and not values.get("feedback_how", issue["feedback_how"]):
        errors["feedback_how"] = (
            "Say how staff were told (huddle, e-mail, posted report, in person)."
        )
    identified = values.get("identified_on", issue["identified_on"])
    if identified and identified > today:
        errors["identified_on"] = "The date it was raised cannot be in the future."
    if given and identified and given < identified:
        # days to feedback would be negative and skew the median the board sees
        errors.setdefault(
            "feedback_given_on",
            f"Staff cannot have been told before the issue was raised ({identified:%d %b %Y}). "
            "Check both dates.",
        )
    if issue["status"] == "closed" and "feedback_given_on" in values and not given:
        errors["feedback_given_on"] = (
            "This issue is closed: staff feedback must stay recorded (reopen it first)."
        )
    problems = screen({k: values[k] for k in FREE_TEXT if isinstance(values.get(k), str)})
    if "raised_by" in problems:
        problems.update(
            screen({"raised_by": values["raised_by"]}, roles=await roles_in_use(issue["unit"]))
        )
    for k, v in problems.items():
        errors.setdefault(k, v)
    return errors


NEXT_ACTION = {
    "new": ("planned", "Plan it"),
    "planned": ("in_progress", "Start work"),
    "in_progress": ("resolved", "Mark resolved"),
    "resolved": ("closed", "Close – staff have been told"),
    "cannot_do": ("closed", "Close – staff have been told"),
    "closed": ("in_progress", "Reopen"),
}


def status_choices(status: str) -> list[tuple[str, str]]:
    return [
        (s, rules.STATUSES[s]) for s in rules.STATUSES if s in rules.TRANSITIONS.get(status, set())
    ]


async def change_status(
    viewer: Viewer,
    issue_id: int,
    target: str,
    *,
    reason: str = "",
    version: int | None = None,
    base_status: str = "",
) -> dict:
    """Move an issue along new -> planned -> in progress -> resolved / cannot do -> closed.

    Closing needs staff feedback recorded; "cannot do" needs the reason staff will be told.
    With `base_status` (the status the page showed) only a status someone else changed since
    is a conflict; other people's edits of other fields are not."""
    reason = (reason or "").strip()
    async with db.write_transaction():
        issue = await _load_for_change(viewer, issue_id)
        if base_status and version is not None:
            if issue["status"] != base_status:
                raise Conflict(await _changes_since(issue["id"], int(version)), issue)
        else:
            await _check_version(issue, version)
        problem = rules.transition_problem(
            issue["status"],
            target,
            cannot_do_reason=reason or (issue["cannot_do_reason"] if target != "cannot_do" else ""),
            feedback_given=issue["feedback_given_on"] is not None,
        )
        errors = {}
        if problem:
            errors["reason" if target == "cannot_do" and not reason else "status"] = problem
        if reason:
            errors.update(
                {
                    ("reason" if k == "cannot_do_reason" else k): v
                    for k, v in screen({"cannot_do_reason": reason}).items()
                }
            )
        if errors:
            raise IssueInputError(errors)
        if target == issue["status"]:
            return {}
        today = local_today()
        values: dict = {"status": target}
        if target == "cannot_do":
            values["cannot_do_reason"] = reason
        if target == "resolved":
            values["resolved_on"] = today
        if target == "closed":
            values["closed_on"] = today
        if issue["status"] == "closed":
            values["closed_on"] = None
        if target in rules.OPEN_STATUSES:
            values["resolved_on"] = None
        return await _write(viewer, issue, values)


async def add_update(viewer: Viewer, issue_id: int, body: str) -> int:
    """A dated note on the issue (any member of the unit's team)."""
    issue = (
        await SafetyIssue.select(SafetyIssue.id, SafetyIssue.unit)
        .where(SafetyIssue.id == issue_id)
        .first()
    )
    if issue is None:
        raise _not_found()
    ensure_can_contribute(viewer, issue["unit"])
    body = (body or "").strip()
    if not body:
        raise IssueInputError({"body": "Write the update first."})
    if len(body) > 4000:
        raise IssueInputError({"body": "Keep it under 4,000 characters."})
    errors = screen({"body": body})
    if errors:
        raise IssueInputError(errors)
    async with db.write_transaction():
        if not await db.lock_row("safety_issue", issue["id"]):
            raise _not_found()  # removed from its round a moment ago
        return await insert_update(viewer, issue, body)


async def insert_update(viewer: Viewer, issue: dict, body: str) -> int:
    """A dated note on the issue, audited (in the caller's transaction)."""
    row = (
        await IssueUpdate.insert(
            IssueUpdate(issue=issue["id"], author=viewer.id, at=clock.now(), body=body)
        ).returning(IssueUpdate.id)
    )[0]
    await SafetyIssue.update({SafetyIssue.updated_at: clock.now()}).where(
        SafetyIssue.id == issue["id"]
    )
    await audit.record(
        viewer.actor,
        "create",
        "issue_update",
        row["id"],
        unit_id=issue["unit"],
        changes={"issue": [None, issue["id"]], "body": [None, body]},
    )
    return row["id"]


async def recently_captured(viewer: Viewer, unit_id: int, *, limit: int = 20) -> list[dict]:
    """What this person captured on this unit today, newest first (the quick-capture list)."""
    start = clock.start_of_day(clock.local_today())
    rows = (
        await SafetyIssue.select(*ISSUE_COLUMNS())
        .where(
            (SafetyIssue.unit == unit_id)
            & (SafetyIssue.created_by == viewer.id)
            & (SafetyIssue.created_at >= start)
        )
        .order_by(SafetyIssue.id, ascending=False)
        .limit(limit)
    )
    return [decorate(r) for r in rows]


# --- staff stoplight report -----------------------------------------------------------------


@dataclass(frozen=True)
class StoplightReport:
    """The staff stoplight ("you said, we did") of a unit: no names, only what was raised and
    what happened to it."""

    unit: dict[str, Any]  # id, name
    groups: dict[str, list[dict[str, Any]]]  # "green", "yellow", "red": newest change first
    days: int  # changed within this many days (or still in progress)
    today: date
    count: int


async def stoplight_report(viewer: Viewer, unit_id: int, *, days: int = 90) -> StoplightReport:
    """ "You said, we did": issues with a stoplight that changed in the last `days` days, plus
    everything still in progress. Only staff words, outcomes and reasons - no names."""
    ensure_can_see(viewer, unit_id)
    unit = await Unit.select(Unit.id, Unit.name).where(Unit.id == unit_id).first()
    if unit is None:
        raise _not_found()
    since = clock.now() - timedelta(days=days)
    rows = (
        await SafetyIssue.select(
            SafetyIssue.id,
            SafetyIssue.description,
            SafetyIssue.status,
            SafetyIssue.outcome,
            SafetyIssue.cannot_do_reason,
            SafetyIssue.action_plan,
            SafetyIssue.identified_on,
            SafetyIssue.status_changed_at,
            SafetyIssue.category.name.as_alias("category_name"),
        )
        .where(
            (SafetyIssue.unit == unit_id)
            & SafetyIssue.status.is_in(
                ["planned", "in_progress", "resolved", "cannot_do", "closed"]
            )
            & (
                (SafetyIssue.status_changed_at >= since)
                | SafetyIssue.status.is_in(["planned", "in_progress"])
            )
        )
        .order_by(SafetyIssue.status_changed_at, ascending=False)
    )
    groups: dict[str, list[dict]] = {"green": [], "yellow": [], "red": []}
    for row in rows:
        light = rules.stoplight(row["status"])
        assert light is not None  # only statuses with a light are selected above
        row["light"] = light
        groups[light].append(row)
    return StoplightReport(
        unit=unit, groups=groups, days=days, today=local_today(), count=len(rows)
    )


def stoplight_markdown(report: StoplightReport) -> str:
    from rounds.web.filters import day

    lines = [
        f"# {report.unit['name']} – you said, we did",
        "",
        f"Safety concerns staff raised and what happened, as of {day(report.today)}.",
        "",
    ]
    titles = {
        "green": "Done (green)",
        "yellow": "In progress (yellow)",
        "red": "Can't do – here's why (red)",
    }
    for light in ("green", "yellow", "red"):
        items = report.groups[light]
        lines.append(f"## {titles[light]} – {len(items)}")
        lines.append("")
        if not items:
            lines.append("Nothing here right now.")
        for item in items:
            lines.append(f"- **You said:** {item['description'].strip()}")
            if light == "green":
                did = item["outcome"] or "Fixed."
            elif light == "red":
                did = item["cannot_do_reason"] or item["outcome"]
            else:
                did = item["outcome"] or item["action_plan"] or "Being worked on."
            lines.append(f"  **We did:** {did.strip()}")
        lines.append("")
    lines.append("Confidential – patient safety work product.")
    return "\n".join(lines) + "\n"


# --- categories (admin) ---------------------------------------------------------------------


def _contains(column, pattern: str):
    """Case-insensitive LIKE: SQLite's LIKE already is (for ASCII); PostgreSQL needs ILIKE."""
    return column.like(pattern) if db.is_sqlite() else column.ilike(pattern)


async def list_categories() -> list[dict]:
    return await Category.select().order_by(Category.position).order_by(Category.name)


async def save_category(viewer: Viewer, name: str, category_id: int | None = None) -> int:
    from rounds.auth.access import ensure_admin

    ensure_admin(viewer)
    name = " ".join((name or "").split())
    if not name:
        raise IssueInputError({"name": "Give the category a name."})
    if len(name) > 80:
        raise IssueInputError({"name": "Use at most 80 characters."})
    if problems := screen({"name": name}):
        raise IssueInputError(problems)
    async with db.write_transaction():
        clash = (
            await Category.select(Category.id)
            .where(_contains(Category.name, name.replace("%", "").replace("_", " ")))
            .first()
        )
        if clash and clash["id"] != category_id:
            raise IssueInputError({"name": "There is already a category with this name."})
        if category_id is None:
            last = (
                await Category.select(Category.position)
                .order_by(Category.position, ascending=False)
                .first()
            )
            position = (last["position"] + 1) if last else 0
            row = (
                await Category.insert(
                    Category(name=name, position=position, active=True)
                ).returning(Category.id)
            )[0]
            await audit.record(
                viewer.actor,
                "create",
                "category",
                row["id"],
                changes=audit.created({"name": name, "position": position}),
            )
            return row["id"]
        old = await Category.select().where(Category.id == category_id).first()
        if old is None:
            raise _not_found()
        if old["name"] != name:
            await Category.update({Category.name: name}).where(Category.id == category_id)
            await audit.record(
                viewer.actor,
                "update",
                "category",
                category_id,
                changes={"name": [old["name"], name]},
            )
        return category_id


async def set_category_active(viewer: Viewer, category_id: int, active: bool) -> None:
    from rounds.auth.access import ensure_admin

    ensure_admin(viewer)
    async with db.write_transaction():
        old = await Category.select().where(Category.id == category_id).first()
        if old is None:
            raise _not_found()
        if old["active"] != active:
            await Category.update({Category.active: active}).where(Category.id == category_id)
            await audit.record(
                viewer.actor,
                "update",
                "category",
                category_id,
                changes={"active": [old["active"], active]},
            )


async def move_category(viewer: Viewer, category_id: int, direction: int) -> None:
    """Swap with the neighbour above (-1) or below (+1); positions are renumbered 0..n-1."""
    from rounds.auth.access import ensure_admin

    ensure_admin(viewer)
    async with db.write_transaction():
        rows = (
            await Category.select(Category.id, Category.position)
            .order_by(Category.position)
            .order_by(Category.name)
        )
        ids = [r["id"] for r in rows]
        if category_id not in ids:
            raise _not_found()
        i = ids.index(category_id)
        j = i + (1 if direction > 0 else -1)
        if not 0 <= j < len(ids):
            return
        ids[i], ids[j] = ids[j], ids[i]
        for position, cid in enumerate(ids):
            old = next(r["position"] for r in rows if r["id"] == cid)
            if old != position:
                await Category.update({Category.position: position}).where(Category.id == cid)
        await audit.record(
            viewer.actor, "update", "category", category_id, changes={"position": [i, j]}
        )
