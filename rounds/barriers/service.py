"""Barriers: what stands in the way of an issue's fix, who removes it, and when we look again.

Every write checks access, takes the row's version (no silent overwrite), appends to the dated
follow-up log (BarrierNote) and to the audit log in one write transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from litestar.exceptions import NotFoundException, PermissionDeniedException

from rounds import db
from rounds.audit import service as audit
from rounds.auth.access import Viewer, ensure_admin, ensure_can_contribute, ensure_can_see
from rounds.barriers import rules
from rounds.barriers.tables import Barrier, BarrierNote
from rounds.core import clock, merging
from rounds.core.clock import local_today
from rounds.core.errors import Conflict
from rounds.core.errors import InputError as IssueInputError
from rounds.core.identifiers import screen
from rounds.core.tables import Membership, Person, Setting
from rounds.issues.tables import SafetyIssue
from rounds.measures import definitions as measures

DEFAULT_WIP_LIMIT = 5
DEFAULT_ESCALATE_AFTER_DAYS = 7
BOARD_LIMIT = 1000
HOME_LIMIT = 8  # follow-ups listed on the home page; the rest are on /barriers/mine
MINE_PAGE = 10  # rows per page of /barriers/mine (each action's form loads when opened)


class BarrierConflict(Conflict):
    """Someone changed the barrier since the form was opened: nothing was saved. From a merging
    form (with a base), `fields` names what both people changed (the saved value is in
    `barrier`, this person's in `mine`), so the person can choose."""

    def __init__(
        self,
        barrier: dict,
        latest_note: dict | None,
        fields: tuple[str, ...] = (),
        mine: dict | None = None,
    ):
        self.barrier = barrier
        self.latest_note = latest_note
        self.fields = fields
        self.mine = mine or {}
        who = (latest_note or {}).get("author_name") or "Someone"
        super().__init__(
            f"{who} updated this barrier while you had it open (shown below). Your change was not "
            "saved – check the latest follow-up and try again if it is still needed."
        )


# --- settings ------------------------------------------------------------------------------

SETTING_KEYS = {
    "wip_limit": "barriers.wip_limit",
    "escalate_after_days": "barriers.escalate_after_days",
}


async def barrier_settings() -> dict[str, int]:
    """{"wip_limit": 5, "escalate_after_days": 7} from the Setting rows (one query)."""
    rows = await Setting.select(Setting.key, Setting.value).where(
        Setting.key.is_in(list(SETTING_KEYS.values()))
    )
    stored = {row["key"]: row["value"] for row in rows}
    result = {}
    for name, key in SETTING_KEYS.items():
        default = DEFAULT_WIP_LIMIT if name == "wip_limit" else DEFAULT_ESCALATE_AFTER_DAYS
        try:
            result[name] = max(1, int(stored.get(key, default)))
        except ValueError:
            result[name] = default
    return result


async def save_barrier_settings(
    viewer: Viewer, *, wip_limit: int, escalate_after_days: int, seen: dict[str, int]
) -> None:
    """Admins only. `seen` is what the form showed: a change made meanwhile is not overwritten."""
    ensure_admin(viewer)
    errors = {}
    if not 1 <= wip_limit <= 100:
        errors["wip_limit"] = "Enter a number from 1 to 100."
    if not 1 <= escalate_after_days <= 90:
        errors["escalate_after_days"] = "Enter a number of days from 1 to 90."
    if errors:
        raise IssueInputError(errors)
    new = {"wip_limit": wip_limit, "escalate_after_days": escalate_after_days}
    async with db.write_transaction():
        current = await barrier_settings()
        if any(current[name] != seen.get(name, current[name]) for name in new):
            raise IssueInputError(
                {
                    "__all__": "Another administrator changed these settings while you were editing. "
                    "Their values are shown below; yours were not saved."
                }
            )
        changes = audit.diff(current, new)
        if not changes:
            return
        for name, value in new.items():
            key = SETTING_KEYS[name]
            if await Setting.exists().where(Setting.key == key):
                await Setting.update({Setting.value: str(value)}).where(Setting.key == key)
            else:
                await Setting.insert(Setting(key=key, value=str(value)))
        await audit.record(viewer.actor, "update", "setting", "barriers", changes=changes)


# --- reading -------------------------------------------------------------------------------


async def unit_executive(unit_id: int) -> int | None:
    row = (
        await Membership.select(Membership.person)
        .where((Membership.unit == unit_id) & (Membership.unit_role == "executive"))
        .first()
    )
    return row["person"] if row else None


def _can_see(viewer: Viewer, barrier: dict) -> bool:
    return barrier["owner"] == viewer.id or viewer.can_see(barrier["unit"])


def can_act(viewer: Viewer, barrier: dict) -> bool:
    """The unit's team (and admins) act on its barriers; so does the owner, wherever they sit."""
    if viewer.read_only:
        return False
    return barrier["owner"] == viewer.id or viewer.can_contribute(barrier["unit"])


def _decorate(row: dict, today: date, escalate_after_days: int) -> dict:
    if row.get("status", "open") == "open":
        row["state"] = rules.follow_up_state(row["next_follow_up_on"], today, escalate_after_days)
        row["days_overdue"] = (
            rules.days_overdue(row["next_follow_up_on"], today) if row["next_follow_up_on"] else 0
        )
    else:
        row["state"], row["days_overdue"] = "closed", 0
    row["suggested_level"] = rules.next_level(row["level"])
    row["higher_levels"] = rules.higher_levels(row["level"])
    return row


async def get_barrier(viewer: Viewer, barrier_id: int) -> dict:
    """One barrier with its follow-up log (newest first). Another unit's barrier is a 404."""
    row = (
        await Barrier.select(
            *Barrier.all_columns(),
            Barrier.owner.display_name.as_alias("owner_name"),
            Barrier.owner.job_title.as_alias("owner_title"),
            Barrier.unit.name.as_alias("unit_name"),
            Barrier.issue.description.as_alias("issue_description"),
            Barrier.issue.status.as_alias("issue_status"),
        )
        .where(Barrier.id == barrier_id)
        .first()
    )
    if row is None or not _can_see(viewer, row):
        raise NotFoundException()
    settings = await barrier_settings()
    _decorate(row, local_today(), settings["escalate_after_days"])
    row["notes"] = (
        await BarrierNote.select(
            *BarrierNote.all_columns(), BarrierNote.author.display_name.as_alias("author_name")
        )
        .where(BarrierNote.barrier == barrier_id)
        .order_by(BarrierNote.at, ascending=False)
        .order_by(BarrierNote.id, ascending=False)
    )
    row["can_act"] = can_act(viewer, row)
    return row


async def barriers_for_issue(viewer: Viewer, issue_id: int, unit_id: int) -> list[dict]:
    """Barriers on one issue with their follow-up notes (newest note first), for the issue page.

    The caller has already checked that the viewer can see the issue's unit."""
    ensure_can_see(viewer, unit_id)
    barriers = (
        await Barrier.select(
            *Barrier.all_columns(), Barrier.owner.display_name.as_alias("owner_name")
        )
        .where(Barrier.issue == issue_id)
        .order_by(Barrier.created_at)
    )
    if not barriers:
        return []
    notes = (
        await BarrierNote.select(
            *BarrierNote.all_columns(), BarrierNote.author.display_name.as_alias("author_name")
        )
        .where(BarrierNote.barrier.is_in([b["id"] for b in barriers]))
        .order_by(BarrierNote.at, ascending=False)
    )
    by_barrier: dict[int, list[dict]] = {}
    for note in notes:
        by_barrier.setdefault(note["barrier"], []).append(note)
    settings = await barrier_settings()
    today = local_today()
    for barrier in barriers:
        barrier["notes"] = by_barrier.get(barrier["id"], [])
        _decorate(barrier, today, settings["escalate_after_days"])
    return barriers


async def my_follow_ups(viewer: Viewer, *, show_all: bool = False, page: int = 1) -> dict:
    """The open barriers this person owns, soonest follow-up first (so overdue ones lead), with
    the counts and the WIP flag. The home page lists what is due within a week (HOME_LIMIT);
    /barriers/mine lists them all, MINE_PAGE at a time. Three queries, all on the
    (owner, status, next_follow_up_on) index, however many barriers the person owns."""
    settings = await barrier_settings()
    today = local_today()
    week_end = today + timedelta(days=7)
    escalation_from = today - timedelta(days=settings["escalate_after_days"])
    counts = (
        await db.raw(
            "SELECT COUNT(*) AS open_count, "
            f"COALESCE(SUM(CASE WHEN {measures.sql(measures.BARRIER_OVERDUE)} THEN 1 ELSE 0 END), 0) "
            "AS overdue_count, "
            "COALESCE(SUM(CASE WHEN next_follow_up_on <= {} THEN 1 ELSE 0 END), 0) AS escalation_due_count, "
            "COALESCE(SUM(CASE WHEN next_follow_up_on <= {} THEN 1 ELSE 0 END), 0) AS due_count "
            "FROM barrier WHERE owner = {} AND status = 'open'",
            today,
            escalation_from,
            week_end,
            viewer.id,
        )
    )[0]
    counts = {key: int(value or 0) for key, value in counts.items()}
    page = min(max(1, page), 100_000)
    query = Barrier.select(
        Barrier.id,
        Barrier.description,
        Barrier.kind,
        Barrier.level,
        Barrier.status,
        Barrier.owner,
        Barrier.next_follow_up_on,
        Barrier.version,
        Barrier.issue,
        Barrier.unit,
        Barrier.created_at,
        Barrier.unit.name.as_alias("unit_name"),
        Barrier.issue.description.as_alias("issue_description"),
    ).where((Barrier.owner == viewer.id) & (Barrier.status == "open"))
    if show_all:
        query = query.offset((page - 1) * MINE_PAGE).limit(MINE_PAGE)
    else:
        query = query.where(Barrier.next_follow_up_on <= week_end).limit(HOME_LIMIT)
    rows = await query.order_by(Barrier.next_follow_up_on).order_by(Barrier.id)
    for row in rows:
        _decorate(row, today, settings["escalate_after_days"])
    return {
        "barriers": rows,
        **counts,
        "later_count": counts["open_count"] - counts["due_count"],
        "page": page,
        "page_size": MINE_PAGE,
        "has_next": show_all and page * MINE_PAGE < counts["open_count"],
        "wip_limit": settings["wip_limit"],
        "over_limit": rules.over_wip_limit(counts["open_count"], settings["wip_limit"]),
        "escalate_after_days": settings["escalate_after_days"],
        "today": today,
    }


async def follow_ups_panel(
    viewer: Viewer, *, show_all: bool, back: str, page: int = 1, people: bool = False
) -> dict:
    """ "My follow-ups" plus what its one-tap forms need (three statements; the forms load when
    opened, so the people one may escalate to are read only for an escalation form shown open)."""
    panel = await my_follow_ups(viewer, show_all=show_all, page=page)
    panel["people"] = await escalation_people() if people and panel["barriers"] else []
    panel["show_all"] = show_all
    panel["back"] = back
    panel["default_next"] = panel["today"] + timedelta(days=7)
    panel["levels"], panel["states"], panel["messages"] = (
        rules.LEVELS,
        rules.FOLLOW_UP_STATES,
        rules.DONE_MESSAGES,
    )
    return panel


async def follow_up_form(
    viewer: Viewer, barrier_id: int, *, kind: str, back: str, seen: dict | None = None
) -> dict:
    """What one follow-up action's form needs, for a barrier in "My follow-ups" (loaded when its
    button is opened). `seen`: the barrier's version, level, owner and next follow-up as the list
    showed them, kept as the form's base so a change made since is merged or offered as a choice.
    Another unit's barrier is a 404."""
    row = await get_barrier(viewer, barrier_id)
    today = local_today()
    if seen:
        row.update(seen)
        settings = await barrier_settings()
        _decorate(row, today, settings["escalate_after_days"])
    return {
        "b": row,
        "panel": {
            "back": back,
            "today": today,
            "default_next": today + timedelta(days=7),
            "levels": rules.LEVELS,
            "people": await escalation_people() if kind == "escalated" else [],
        },
    }


async def escalated_by(viewer: Viewer) -> list[dict]:
    """Open barriers this person escalated to someone else: still promised, so they stay on the
    home page ("escalated to X, waiting since ..."). One query; the latest escalation counts."""
    rows = (
        await BarrierNote.select(
            BarrierNote.barrier.as_alias("id"),
            BarrierNote.at,
            BarrierNote.to_level,
            BarrierNote.barrier.description.as_alias("description"),
            BarrierNote.barrier._.unit._.name.as_alias("unit_name"),
            BarrierNote.barrier._.owner._.display_name.as_alias("owner_name"),
        )
        .where(
            (BarrierNote.author == viewer.id)
            & (BarrierNote.kind == "escalated")
            & (BarrierNote.barrier.status == "open")
            & (BarrierNote.barrier.owner != viewer.id)
        )
        .order_by(BarrierNote.at, ascending=False)
        .limit(50)
    )
    latest: dict[int, dict] = {}
    for row in rows:
        latest.setdefault(row["id"], row)
    return sorted(latest.values(), key=lambda r: r["at"])[:HOME_LIMIT]


async def escalation_people() -> list[tuple[int, str]]:
    """Likely owners one level up: executives, admins, senior leaders (the full list of active
    people is on the barrier's own page)."""
    rows = (
        await Person.select(Person.id, Person.display_name, Person.job_title)
        .where(
            (Person.active == True) & Person.role.is_in(["executive", "admin", "leader"])  # noqa: E712
        )
        .order_by(Person.display_name)
    )
    return [
        (r["id"], r["display_name"] + (f" – {r['job_title']}" if r["job_title"] else ""))
        for r in rows
    ]


async def active_people() -> list[tuple[int, str]]:
    rows = (
        await Person.select(Person.id, Person.display_name, Person.job_title)
        .where(Person.active == True)
        .order_by(Person.display_name)
    )  # noqa: E712
    return [
        (r["id"], r["display_name"] + (f" – {r['job_title']}" if r["job_title"] else ""))
        for r in rows
    ]


def _visible(query, viewer: Viewer):
    if viewer.sees_all_units:
        return query
    units = list(viewer.unit_roles)
    condition = Barrier.owner == viewer.id
    if units:
        condition = condition | Barrier.unit.is_in(units)
    return query.where(condition)


@dataclass(frozen=True)
class BarrierBoard:
    """Open barriers by escalation level, board and C-suite first, each level oldest first."""

    groups: list[tuple[str, list[dict[str, Any]]]]  # (level, its barriers)
    total: int  # shown (at most BOARD_LIMIT)
    escalation_due_count: int
    overdue_count: int  # overdue, escalation due included
    truncated: bool  # more than BOARD_LIMIT open: choose a unit, or export
    settings: dict[str, int]  # barrier_settings()


async def board(viewer: Viewer, *, unit_id: int | None = None) -> BarrierBoard:
    """Open barriers across the units the viewer can see, by escalation level (board and C-suite
    on top) and age (oldest first)."""
    settings = await barrier_settings()
    today = local_today()
    query = Barrier.select(
        Barrier.id,
        Barrier.description,
        Barrier.kind,
        Barrier.level,
        Barrier.status,
        Barrier.owner,
        Barrier.next_follow_up_on,
        Barrier.issue,
        Barrier.unit,
        Barrier.created_at,
        Barrier.version,
        Barrier.owner.display_name.as_alias("owner_name"),
        Barrier.unit.name.as_alias("unit_name"),
        Barrier.issue.description.as_alias("issue_description"),
    ).where(Barrier.status == "open")
    query = _visible(query, viewer)
    if unit_id:
        query = query.where(Barrier.unit == unit_id)
    rows = await query.order_by(Barrier.created_at).order_by(Barrier.id).limit(BOARD_LIMIT + 1)
    truncated = len(rows) > BOARD_LIMIT
    rows = rows[:BOARD_LIMIT]
    groups: dict[str, list[dict]] = {level: [] for level in reversed(rules.LEVEL_ORDER)}
    for row in rows:
        _decorate(row, today, settings["escalate_after_days"])
        row["age_days"] = (today - _local_date(row["created_at"])).days
        groups.setdefault(row["level"], []).append(row)
    return BarrierBoard(
        groups=[(level, groups[level]) for level in groups],
        total=len(rows),
        escalation_due_count=sum(1 for r in rows if r["state"] == "escalation_due"),
        overdue_count=sum(1 for r in rows if r["state"] in ("overdue", "escalation_due")),
        truncated=truncated,
        settings=settings,
    )


def _local_date(value) -> date:
    from rounds.core.clock import local

    return local(value).date() if hasattr(value, "tzinfo") else value


async def issue_for_new_barrier(viewer: Viewer, issue_id: int) -> dict:
    issue = (
        await SafetyIssue.select(
            SafetyIssue.id,
            SafetyIssue.unit,
            SafetyIssue.description,
            SafetyIssue.status,
            SafetyIssue.unit.name.as_alias("unit_name"),
        )
        .where(SafetyIssue.id == issue_id)
        .first()
    )
    if issue is None:
        raise NotFoundException()
    ensure_can_contribute(viewer, issue["unit"])
    issue["default_owner"] = await unit_executive(issue["unit"])
    return issue


# --- writing -------------------------------------------------------------------------------


async def _check_owner(owner_id: int | None, field: str, errors: dict[str, str]) -> None:
    if owner_id is not None and not await Person.exists().where(
        (Person.id == owner_id) & (Person.active == True)
    ):  # noqa: E712
        errors[field] = "Choose an owner from the list of active people."


async def open_barrier(
    viewer: Viewer,
    issue_id: int,
    *,
    description: str,
    kind: str = "other",
    owner_id: int | None = None,
    level: str = "executive",
    next_follow_up_on: date | None = None,
    idempotency_key: str | None = None,
    from_form: bool = False,
) -> int:
    """Open a barrier on an issue. The owner defaults to the unit's executive partner (or, on a
    unit without one, the person opening it); the first
    follow-up defaults to a week from today. A repeated idempotency key returns the first barrier.
    Raises IssueInputError with field messages; `from_form` also requires the owner and the date."""
    issue = (
        await SafetyIssue.select(SafetyIssue.id, SafetyIssue.unit)
        .where(SafetyIssue.id == issue_id)
        .first()
    )
    if issue is None:
        raise NotFoundException()
    unit_id = issue["unit"]
    ensure_can_contribute(viewer, unit_id)
    key = (idempotency_key or "").strip()[:64] or None
    if key:
        existing = await Barrier.select(Barrier.id).where(Barrier.idempotency_key == key).first()
        if existing:
            return existing["id"]
    description = (description or "").strip()
    today = local_today()
    follow_up = next_follow_up_on or today + timedelta(days=7)
    errors: dict[str, str] = {}
    if not description:
        errors["description"] = "Say what stands in the way."
    elif len(description) > 2000:
        errors["description"] = "Keep it under 2,000 characters."
    if kind not in rules.KINDS:
        errors["kind"] = "Choose a kind from the list."
    if level not in rules.LEVELS:
        errors["level"] = "Choose a level from the list."
    if from_form and owner_id is None:
        errors["owner"] = "Choose who removes it."
    if from_form and next_follow_up_on is None:
        errors["next_follow_up_on"] = "Choose the date of the first follow-up."
    elif follow_up < today:
        errors["next_follow_up_on"] = "The next follow-up cannot be in the past."
    elif follow_up > today + timedelta(days=366):
        errors["next_follow_up_on"] = "Choose a date within the next year."
    await _check_owner(owner_id, "owner", errors)
    errors.update(
        {k: v for k, v in screen({"description": description}).items() if k not in errors}
    )
    if errors:
        raise IssueInputError(errors)
    # Never without an owner: the executive partner, else whoever opened it.
    owner = owner_id or await unit_executive(unit_id) or viewer.id
    now = clock.now()
    values = {
        "issue": issue_id,
        "unit": unit_id,
        "description": description,
        "kind": kind,
        "owner": owner,
        "level": level,
        "next_follow_up_on": follow_up,
        "status": "open",
    }
    try:
        async with db.write_transaction():
            if key and (
                existing := await Barrier.select(Barrier.id)
                .where(Barrier.idempotency_key == key)
                .first()
            ):
                return existing["id"]
            row = (
                await Barrier.insert(
                    Barrier(
                        **values,
                        **await db.new_id("barrier"),
                        idempotency_key=key,
                        created_by=viewer.id,
                        created_at=now,
                        updated_at=now,
                        version=1,
                    )
                ).returning(Barrier.id)
            )[0]
            await BarrierNote.insert(
                BarrierNote(
                    barrier=row["id"],
                    author=viewer.id,
                    at=now,
                    kind="created",
                    body=description,
                    next_follow_up_on=follow_up,
                    to_level=level,
                )
            )
            await audit.record(
                viewer.actor,
                "create",
                "barrier",
                row["id"],
                unit_id=unit_id,
                changes=audit.created(values),
            )
    except Exception:
        # A concurrent double tap with the same key won the race: return what it created.
        if key and (
            existing := await Barrier.select(Barrier.id)
            .where(Barrier.idempotency_key == key)
            .first()
        ):
            return existing["id"]
        raise
    return row["id"]


async def _load_for_action(viewer: Viewer, barrier_id: int) -> dict:
    row = await Barrier.select().where(Barrier.id == barrier_id).first()
    if row is None or not _can_see(viewer, row):
        raise NotFoundException()
    if not can_act(viewer, row):
        raise PermissionDeniedException(
            "Only the barrier's owner and the unit's CUSP team can update it."
        )
    return row


def _follow_up_errors(value: date | None, field: str, errors: dict[str, str]) -> None:
    if value is None:
        errors[field] = "Choose the date of the next follow-up."
    elif value < local_today():
        errors[field] = "The next follow-up cannot be in the past."
    elif value > local_today() + timedelta(days=366):
        errors[field] = "Choose a date within the next year."


def _text_errors(text: str, field: str, empty_message: str, errors: dict[str, str]) -> None:
    if not text:
        errors[field] = empty_message
    elif len(text) > 4000:
        errors[field] = "Keep it under 4,000 characters."
    else:
        errors.update(screen({field: text}))


def _clashes(current: dict, values: dict, base: dict) -> tuple[str, ...]:
    """The fields this change sets that someone else also changed (to something else) since:
    the one merging rule of every edit form (rounds.core.merging)."""
    _, conflicts = merging.merge(current, {k: v for k, v in values.items() if k in base}, base)
    return tuple(conflicts)


async def _apply(
    viewer: Viewer,
    barrier_id: int,
    version: int | None,
    values: dict,
    note: dict,
    base: dict | None = None,
) -> bool:
    """Write a change and its log entry if the barrier is still at `version` - or, with `base`
    (the level, owner and next follow-up the form was opened with), if nobody else changed a
    field this change sets: notes are added, and only the fields this person changed are written.

    Returns False when the very same change by the same person is already there (a double tap).
    Raises BarrierConflict when someone else changed the same thing meanwhile."""
    if base is not None:
        values = {k: v for k, v in values.items() if k not in base or v != base[k]}
    async with db.write_transaction():
        current = await Barrier.select().where(Barrier.id == barrier_id).first()
        if current is None:
            raise NotFoundException()
        if version is None or current["version"] != version:
            latest = (
                await BarrierNote.select(
                    *BarrierNote.all_columns(),
                    BarrierNote.author.display_name.as_alias("author_name"),
                )
                .where(BarrierNote.barrier == barrier_id)
                .order_by(BarrierNote.id, ascending=False)
                .first()
            )
            if (
                latest
                and latest["author"] == viewer.id
                and latest["kind"] == note["kind"]
                and latest["body"] == note["body"]
            ):
                return False
            if base is None or version is None:
                raise BarrierConflict(current, latest)
            if clashes := _clashes(current, values, base):
                raise BarrierConflict(current, latest, clashes, values)
        if current["status"] != "open":
            raise IssueInputError(
                {"__all__": "This barrier is already closed; nothing was changed."}
            )
        now = clock.now()
        await Barrier.update(
            {**values, "updated_at": now, "version": current["version"] + 1}
        ).where(Barrier.id == barrier_id)
        await BarrierNote.insert(BarrierNote(barrier=barrier_id, author=viewer.id, at=now, **note))
        changes = audit.diff(current, values)
        changes[f"{note['kind']}_note"] = [None, note["body"]]
        await audit.record(
            viewer.actor, "update", "barrier", barrier_id, unit_id=current["unit"], changes=changes
        )
    return True


async def add_note(
    viewer: Viewer,
    barrier_id: int,
    *,
    body: str,
    next_follow_up_on: date | None,
    version: int | None,
    base: dict | None = None,
) -> bool:
    """A dated follow-up note and the date of the next follow-up."""
    await _load_for_action(viewer, barrier_id)
    body = (body or "").strip()
    errors: dict[str, str] = {}
    _text_errors(body, "note_body", "Write what happened since the last follow-up.", errors)
    _follow_up_errors(next_follow_up_on, "note_next", errors)
    if errors:
        raise IssueInputError(errors)
    return await _apply(
        viewer,
        barrier_id,
        version,
        {"next_follow_up_on": next_follow_up_on},
        {"kind": "note", "body": body, "next_follow_up_on": next_follow_up_on},
        base,
    )


async def escalate(
    viewer: Viewer,
    barrier_id: int,
    *,
    to_level: str,
    owner_id: int | None,
    reason: str,
    next_follow_up_on: date | None,
    version: int | None,
    base: dict | None = None,
) -> bool:
    """Move a barrier up (never sideways or down), say why, and hand it to its new owner."""
    current = await _load_for_action(viewer, barrier_id)
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if problem := rules.escalation_problem(current["level"], to_level):
        errors["esc_level"] = problem
    _text_errors(reason, "esc_reason", "Say why it needs help from higher up.", errors)
    _follow_up_errors(next_follow_up_on, "esc_next", errors)
    if owner_id is None:
        errors["esc_owner"] = "Choose who owns it from now on."
    else:
        await _check_owner(owner_id, "esc_owner", errors)
    if errors:
        raise IssueInputError(errors)
    values = {"level": to_level, "owner": owner_id, "next_follow_up_on": next_follow_up_on}
    return await _apply(
        viewer,
        barrier_id,
        version,
        values,
        {
            "kind": "escalated",
            "body": reason,
            "next_follow_up_on": next_follow_up_on,
            "from_level": current["level"],
            "to_level": to_level,
        },
        base,
    )


async def mark_removed(
    viewer: Viewer, barrier_id: int, *, note: str, version: int | None, base: dict | None = None
) -> bool:
    """The barrier is gone: say how (the team will tell staff)."""
    await _load_for_action(viewer, barrier_id)
    note = (note or "").strip()
    errors: dict[str, str] = {}
    _text_errors(note, "removed_note", "Say how the barrier was removed.", errors)
    if errors:
        raise IssueInputError(errors)
    return await _apply(
        viewer,
        barrier_id,
        version,
        {"status": "removed", "closed_at": clock.now()},
        {"kind": "removed", "body": note},
        base,
    )


async def mark_cannot_remove(
    viewer: Viewer, barrier_id: int, *, reason: str, version: int | None, base: dict | None = None
) -> bool:
    """The barrier cannot be removed: the reason is kept and shown."""
    await _load_for_action(viewer, barrier_id)
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    _text_errors(
        reason,
        "cannot_reason",
        "Say why it cannot be removed – the team and staff will be told.",
        errors,
    )
    if errors:
        raise IssueInputError(errors)
    return await _apply(
        viewer,
        barrier_id,
        version,
        {"status": "cannot_remove", "cannot_remove_reason": reason, "closed_at": clock.now()},
        {"kind": "cannot_remove", "body": reason},
        base,
    )
