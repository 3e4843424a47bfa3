"""Monthly CUSP team meetings: scheduling, running the meeting from one page, locking the minutes.

No Litestar imports except the access exceptions. Every read checks the unit; every write checks
that the person may contribute (minutes, attendance, actions) or manage (agenda, schedule,
finalise), refuses changes to locked minutes, and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypedDict

from litestar.exceptions import NotFoundException, PermissionDeniedException

from rounds import db
from rounds.audit import service as audit
from rounds.auth.access import Viewer, ensure_can_contribute, ensure_can_manage, ensure_can_see
from rounds.core import clock, merging
from rounds.core.clock import local, local_today
from rounds.core.errors import Conflict as CoreConflict
from rounds.core.errors import InputError
from rounds.core.errors import Locked as CoreLocked
from rounds.core.tables import Unit
from rounds.issues import service as issues
from rounds.issues.service import screen
from rounds.issues.tables import SafetyIssue
from rounds.meetings import rules
from rounds.meetings.agenda import build_agenda, programme_measures, snapshot_items
from rounds.meetings.tables import (
    Meeting,
    MeetingAction,
    MeetingAddendum,
    MeetingAttendee,
    MeetingItem,
)
from rounds.meetings.team import unit_team
from rounds.web.filters import day

MeetingInputError = InputError  # one input error for every feature (rounds.core.errors)


class Locked(CoreLocked):
    """The minutes are final: corrections are addenda, never edits."""

    def __init__(self, meeting: dict):
        when = day(meeting["finalised_at"]) if meeting.get("finalised_at") else ""
        super().__init__(
            f"These minutes were finalised{(' on ' + when) if when else ''} and are locked. "
            "Add an addendum below to correct or add to them."
        )
        self.meeting = meeting


class Conflict(CoreConflict):
    """Someone saved this item from another device since this one loaded it. `mine`: what
    saving "my text" would write (this person's changed fields, the saved text elsewhere)."""

    def __init__(self, current: dict, mine: dict | None = None, fields: tuple[str, ...] = ()):
        super().__init__("Not saved: this item was changed on another device.")
        self.current = current
        self.mine = mine
        self.fields = fields  # the fields both devices changed (a merging save)


def tz():
    return local(clock.now()).tzinfo


def meeting_day(meeting: dict) -> date:
    return local(meeting["scheduled_at"]).date()


# --- reading --------------------------------------------------------------------------------


async def get_meeting(viewer: Viewer, meeting_id: int) -> dict:
    meeting = (
        await Meeting.select(
            *Meeting.all_columns(),
            Meeting.unit.name.as_alias("unit_name"),
            Meeting.finalised_by.display_name.as_alias("finalised_by_name"),
        )
        .where(Meeting.id == meeting_id)
        .first()
    )
    if meeting is None:
        raise NotFoundException()
    ensure_can_see(viewer, meeting["unit"])
    return meeting


async def _meeting_for_change(viewer: Viewer, meeting_id: int, *, manage: bool = False) -> dict:
    meeting = await get_meeting(viewer, meeting_id)
    (ensure_can_manage if manage else ensure_can_contribute)(viewer, meeting["unit"])
    if meeting["finalised_at"] is not None:
        raise Locked(meeting)
    return meeting


async def meeting_page(viewer: Viewer, meeting_id: int, *, programme: bool = False) -> dict:
    """Everything the "run the meeting" page shows, in a handful of indexed queries; the unit's
    programme measures (five statements over a year of the log) only when asked for."""
    meeting = await get_meeting(viewer, meeting_id)
    context = await build_agenda(meeting)
    context["programme"] = (
        await programme_measures(meeting["unit"])
        if programme and meeting["finalised_at"] is None
        else None
    )
    unit_id = meeting["unit"]
    context["can_edit"] = viewer.can_contribute(unit_id) and meeting["finalised_at"] is None
    context["can_manage"] = viewer.can_manage(unit_id) and meeting["finalised_at"] is None
    context["can_add_addendum"] = (
        viewer.can_contribute(unit_id) and meeting["finalised_at"] is not None
    )
    return context


async def list_for_viewer(viewer: Viewer, *, limit: int = 20) -> dict:
    """Upcoming meetings on the person's units, and recent ones. A meeting whose minutes are
    approved (finalised) is recent even if it was held before its scheduled day."""
    start_of_today = datetime.combine(local_today(), time(0), tzinfo=tz())

    def base():
        return Meeting.select(
            Meeting.id,
            Meeting.unit,
            Meeting.scheduled_at,
            Meeting.status,
            Meeting.finalised_at,
            Meeting.unit.name.as_alias("unit_name"),
        )

    scope = None if viewer.sees_all_units else Meeting.unit.is_in(list(viewer.unit_roles) or [-1])
    upcoming_q = base().where(
        (Meeting.scheduled_at >= start_of_today) & Meeting.finalised_at.is_null()
    )
    recent_q = base().where(
        (Meeting.scheduled_at < start_of_today) | Meeting.finalised_at.is_not_null()
    )
    if scope is not None:
        upcoming_q = upcoming_q.where(scope)
        recent_q = recent_q.where(scope)
    upcoming = await upcoming_q.order_by(Meeting.scheduled_at).limit(limit)
    today = local_today()
    for row in upcoming:
        days = (meeting_day(row) - today).days
        row["relative"] = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    recent = await recent_q.order_by(Meeting.scheduled_at, ascending=False).limit(limit)
    return {"upcoming": upcoming, "recent": recent}


async def next_meeting(viewer: Viewer) -> dict | None:
    start_of_today = datetime.combine(local_today(), time(0), tzinfo=tz())
    query = Meeting.select(
        Meeting.id,
        Meeting.unit,
        Meeting.scheduled_at,
        Meeting.unit.name.as_alias("unit_name"),
    ).where((Meeting.scheduled_at >= start_of_today) & (Meeting.finalised_at.is_null()))
    if not viewer.sees_all_units:
        if not viewer.unit_roles:
            return None
        query = query.where(Meeting.unit.is_in(list(viewer.unit_roles)))
    return await query.order_by(Meeting.scheduled_at).first()


class UnitHistory(TypedDict):
    """A unit's meetings page (spread into its template, so a dict with these keys)."""

    unit: dict[str, Any]  # id, name
    meetings: list[dict[str, Any]]  # newest first, with day, executive_present, actions...
    upcoming: list[dict[str, Any]]  # not finalised, today or later, soonest first
    held: int  # finalised in the last 365 days
    expected: int  # meetings expected in that window
    executive_attended: int  # of those held
    actions_total: int
    actions_on_time: int
    has_executive: bool


async def unit_history(viewer: Viewer, unit_id: int) -> UnitHistory:
    """Meetings held vs expected, the executive partner's attendance, actions done by their due date."""
    ensure_can_see(viewer, unit_id)
    unit = await Unit.select(Unit.id, Unit.name).where(Unit.id == unit_id).first()
    if unit is None:
        raise NotFoundException()
    meetings = (
        await Meeting.select(
            Meeting.id,
            Meeting.scheduled_at,
            Meeting.status,
            Meeting.finalised_at,
        )
        .where(Meeting.unit == unit_id)
        .order_by(Meeting.scheduled_at, ascending=False)
    )
    team = await unit_team(unit_id)
    executives = [m["person_id"] for m in team if m["unit_role"] == "executive"]
    ids = [m["id"] for m in meetings] or [-1]
    present = await MeetingAttendee.select(MeetingAttendee.meeting).where(
        MeetingAttendee.meeting.is_in(ids)
        & MeetingAttendee.person.is_in(executives or [-1])
        & (MeetingAttendee.present == True)  # noqa: E712
    )
    actions = await MeetingAction.select(
        MeetingAction.meeting,
        MeetingAction.due_on,
        MeetingAction.issue.status.as_alias("issue_status"),
        MeetingAction.issue.resolved_on.as_alias("resolved_on"),
    ).where(MeetingAction.meeting.is_in(ids))
    exec_at = {row["meeting"] for row in present}
    per_meeting: dict[int, list[int]] = {}
    for action in actions:
        counts = per_meeting.setdefault(action["meeting"], [0, 0])
        counts[0] += 1
        if rules.action_done_on_time(
            action["issue_status"], action["resolved_on"], action["due_on"]
        ):
            counts[1] += 1
    today = local_today()
    window_start = today - timedelta(days=365)
    held = expected_first = None
    for meeting in meetings:
        meeting["day"] = meeting_day(meeting)
        meeting["executive_present"] = meeting["id"] in exec_at
        meeting["actions"], meeting["actions_on_time"] = per_meeting.get(meeting["id"], [0, 0])
        meeting["overdue_minutes"] = meeting["finalised_at"] is None and meeting["day"] < today
    if meetings:
        expected_first = min(m["day"] for m in meetings)
    in_window = [m for m in meetings if window_start < m["day"] <= today]
    held = [m for m in in_window if m["finalised_at"] is not None]
    actions_total = sum(m["actions"] for m in meetings)
    return {
        "unit": unit,
        "meetings": meetings,
        "upcoming": [m for m in meetings if m["day"] >= today and m["finalised_at"] is None][::-1],
        "held": len(held),
        "expected": rules.expected_meetings(expected_first, today),
        "executive_attended": sum(1 for m in held if m["executive_present"]),
        "actions_total": actions_total,
        "actions_on_time": sum(m["actions_on_time"] for m in meetings),
        "has_executive": bool(executives),
    }


# --- scheduling -----------------------------------------------------------------------------


def _section_items(meeting_id: int) -> list[MeetingItem]:
    return [
        MeetingItem(
            meeting=meeting_id,
            section=key,
            position=index * 10,
            title=label,
            minutes="",
            decisions="",
            removed=False,
            version=1,
        )
        for index, (key, label) in enumerate(rules.SECTIONS.items())
    ]


async def schedule(
    viewer: Viewer, unit_id: int, *, first_on: date, at: time, count: int, repeat: str = "date"
) -> tuple[list[int], int]:
    """Schedule `count` monthly meetings from `first_on` at `at` (hospital time). A day that
    already has a meeting on this unit is skipped, so a double tap never doubles them.
    Returns (new meeting ids, days skipped)."""
    ensure_can_manage(viewer, unit_id)
    errors: dict[str, str] = {}
    if first_on < local_today():
        errors["first_on"] = "Choose today or a later date."
    if not 1 <= count <= rules.MAX_MEETINGS_AT_ONCE:
        errors["count"] = f"Schedule between 1 and {rules.MAX_MEETINGS_AT_ONCE} meetings at a time."
    if errors:
        raise MeetingInputError(errors)
    first = datetime.combine(first_on, at, tzinfo=tz())
    if repeat == "weekday":
        wanted = rules.weekday_schedule(first, count)
    else:
        wanted = rules.monthly_schedule(first, count)
    created: list[int] = []
    async with db.write_transaction():
        lo, hi = wanted[0] - timedelta(days=1), wanted[-1] + timedelta(days=1)
        existing = await Meeting.select(Meeting.scheduled_at).where(
            (Meeting.unit == unit_id) & (Meeting.scheduled_at >= lo) & (Meeting.scheduled_at <= hi)
        )
        taken = {local(row["scheduled_at"]).date() for row in existing}
        now = clock.now()
        for when in wanted:
            if when.date() in taken:
                continue
            row = (
                await Meeting.insert(
                    Meeting(
                        unit=unit_id,
                        scheduled_at=when,
                        status="scheduled",
                        upward_summary="",
                        created_at=now,
                        version=1,
                    )
                ).returning(Meeting.id)
            )[0]
            await MeetingItem.insert(*_section_items(row["id"]))
            created.append(row["id"])
            await audit.record(
                viewer.actor,
                "create",
                "meeting",
                row["id"],
                unit_id=unit_id,
                changes=audit.created({"scheduled_at": when}),
            )
    return created, count - len(created)


async def reschedule(viewer: Viewer, meeting_id: int, *, on: date, at: time) -> None:
    """Move a meeting that has not been finalised to another day or time."""
    meeting = await _meeting_for_change(viewer, meeting_id, manage=True)
    when = datetime.combine(on, at, tzinfo=tz())
    if on < local_today():
        raise MeetingInputError({"on": "Choose today or a later date."})
    if when == meeting["scheduled_at"]:
        return
    async with db.write_transaction():
        clash = await Meeting.select(Meeting.id, Meeting.scheduled_at).where(
            (Meeting.unit == meeting["unit"])
            & (Meeting.id != meeting_id)
            & (Meeting.scheduled_at >= when - timedelta(days=1))
            & (Meeting.scheduled_at <= when + timedelta(days=1))
        )
        if any(local(c["scheduled_at"]).date() == on for c in clash):
            raise MeetingInputError({"on": "This unit already has a team meeting that day."})
        await Meeting.update({Meeting.scheduled_at: when}).where(Meeting.id == meeting_id)
        await audit.record(
            viewer.actor,
            "update",
            "meeting",
            meeting_id,
            unit_id=meeting["unit"],
            changes={"scheduled_at": [meeting["scheduled_at"].isoformat(), when.isoformat()]},
        )


# --- minutes, items -------------------------------------------------------------------------


async def _item(meeting: dict, item_id: int) -> dict:
    item = (
        await MeetingItem.select()
        .where((MeetingItem.id == item_id) & (MeetingItem.meeting == meeting["id"]))
        .first()
    )
    if item is None:
        raise NotFoundException()
    return item


async def get_item(viewer: Viewer, meeting_id: int, item_id: int) -> tuple[dict, dict]:
    meeting = await get_meeting(viewer, meeting_id)
    return meeting, await _item(meeting, item_id)


async def save_item(
    viewer: Viewer,
    meeting_id: int,
    item_id: int,
    *,
    minutes: str,
    decisions: str,
    version: int,
    base: dict | None = None,
) -> dict:
    """Save an item's minutes and decisions as typed. With `base` (the text the form was opened
    with) only the fields this device changed are written, so minutes typed on one device and
    decisions on another both stay; a field changed on both is a Conflict naming it, with the
    saved text, so the person chooses - one device never silently overwrites another."""
    meeting = await get_meeting(viewer, meeting_id)
    ensure_can_contribute(viewer, meeting["unit"])
    await _item(meeting, item_id)  # 404 for an item of another meeting
    if meeting["finalised_at"] is not None:
        raise Locked(meeting)
    minutes, decisions = (minutes or "").strip(), (decisions or "").strip()
    errors = {}
    for name, text in (("minutes", minutes), ("decisions", decisions)):
        if len(text) > rules.MAX_TEXT:
            errors[name] = f"Keep this under {rules.MAX_TEXT:,} characters."
    errors.update(
        {
            k: v
            for k, v in screen({"minutes": minutes, "decisions": decisions}).items()
            if k not in errors
        }
    )
    if errors:
        raise MeetingInputError(errors)
    async with db.write_transaction():
        locked = db.found(
            await Meeting.select(Meeting.finalised_at).where(Meeting.id == meeting_id).first()
        )
        if locked["finalised_at"] is not None:  # finalised from another device a moment ago
            raise Locked({**meeting, **locked})
        current = db.found(await MeetingItem.select().where(MeetingItem.id == item_id).first())
        values = {"minutes": minutes, "decisions": decisions}
        if current["version"] != version:
            if current["minutes"] == minutes and current["decisions"] == decisions:
                return current  # the other device saved exactly this text
            if base is None:
                raise Conflict(current)
            values, conflicts = merging.merge(current, values, base)
            if conflicts:
                raise Conflict(current, {**current, **values}, tuple(conflicts))
            version = current["version"]
        changes = audit.diff(current, values)
        if not changes:
            return current
        new_version = current["version"] + 1
        await MeetingItem.update({**values, "version": new_version}).where(
            (MeetingItem.id == item_id) & (MeetingItem.version == current["version"])
        )
        await audit.record(
            viewer.actor,
            "update",
            "meeting_item",
            item_id,
            unit_id=meeting["unit"],
            changes=changes,
        )
    return {**current, **values, "version": new_version}


async def add_item(viewer: Viewer, meeting_id: int, *, section: str, title: str) -> int:
    meeting = await _meeting_for_change(viewer, meeting_id, manage=True)
    title = (title or "").strip()
    errors = {}
    if section not in rules.SECTIONS:
        errors["section"] = "Choose a section from the list."
    if not title:
        errors["title"] = "Say what the item is about."
    elif len(title) > 300:
        errors["title"] = "Keep it under 300 characters."
    errors.update({k: v for k, v in screen({"title": title}).items() if k not in errors})
    if errors:
        raise MeetingInputError(errors)
    async with db.write_transaction():
        last = (
            await MeetingItem.select(MeetingItem.position)
            .where((MeetingItem.meeting == meeting_id) & (MeetingItem.section == section))
            .order_by(MeetingItem.position, ascending=False)
            .first()
        )
        position = (last["position"] + 1) if last else rules.SECTION_ORDER.index(section) * 10
        row = (
            await MeetingItem.insert(
                MeetingItem(
                    meeting=meeting_id,
                    section=section,
                    position=position,
                    title=title,
                    minutes="",
                    decisions="",
                    removed=False,
                    version=1,
                )
            ).returning(MeetingItem.id)
        )[0]
        await audit.record(
            viewer.actor,
            "create",
            "meeting_item",
            row["id"],
            unit_id=meeting["unit"],
            changes=audit.created({"section": section, "title": title}),
        )
    return row["id"]


async def set_item_removed(viewer: Viewer, meeting_id: int, item_id: int, removed: bool) -> None:
    """Take an item off the agenda (its minutes are kept, and it can be put back)."""
    meeting = await _meeting_for_change(viewer, meeting_id, manage=True)
    item = await _item(meeting, item_id)
    if item["removed"] == removed:
        return
    async with db.write_transaction():
        await MeetingItem.update(
            {MeetingItem.removed: removed, MeetingItem.version: item["version"] + 1}
        ).where(MeetingItem.id == item_id)
        await audit.record(
            viewer.actor,
            "update",
            "meeting_item",
            item_id,
            unit_id=meeting["unit"],
            changes={"removed": [item["removed"], removed]},
        )


async def move_item(viewer: Viewer, meeting_id: int, item_id: int, direction: str) -> None:
    """Move an item up or down within its section."""
    meeting = await _meeting_for_change(viewer, meeting_id, manage=True)
    item = await _item(meeting, item_id)
    async with db.write_transaction():
        siblings = (
            await MeetingItem.select(MeetingItem.id, MeetingItem.position)
            .where(
                (MeetingItem.meeting == meeting_id)
                & (MeetingItem.section == item["section"])
                & (MeetingItem.removed == False)  # noqa: E712
                & (MeetingItem.issue.is_null())
                & (MeetingItem.barrier.is_null())
            )
            .order_by(MeetingItem.position)
            .order_by(MeetingItem.id)
        )
        order = rules.move([s["id"] for s in siblings], item_id, direction)
        base = (
            rules.SECTION_ORDER.index(item["section"]) * 10
            if item["section"] in rules.SECTIONS
            else 0
        )
        for offset, sibling_id in enumerate(order):
            await MeetingItem.update({MeetingItem.position: base + offset}).where(
                MeetingItem.id == sibling_id
            )
        await audit.record(
            viewer.actor,
            "update",
            "meeting_item",
            item_id,
            unit_id=meeting["unit"],
            changes={"moved": [None, direction]},
        )


async def rank_issue(viewer: Viewer, meeting_id: int, issue_id: int, direction: str) -> None:
    """Reorder the top issues: the meeting keeps its own ranking (issue items in "priorities")."""
    meeting = await _meeting_for_change(viewer, meeting_id, manage=True)
    context = await build_agenda(meeting, only_priorities=True)
    order = [i["id"] for i in context["priorities"]]
    if issue_id not in order:
        raise NotFoundException()
    order = rules.move(order, issue_id, direction)
    by_id = {i["id"]: i for i in context["priorities"]}
    base = rules.SECTION_ORDER.index("priorities") * 10
    async with db.write_transaction():
        await MeetingItem.delete().where(
            (MeetingItem.meeting == meeting_id)
            & (MeetingItem.section == "priorities")
            & MeetingItem.issue.is_not_null()
        )
        await MeetingItem.insert(
            *[
                MeetingItem(
                    meeting=meeting_id,
                    section="priorities",
                    position=base + 1 + n,
                    issue=iid,
                    title=by_id[iid]["description"][:300],
                    minutes="",
                    decisions="",
                    removed=False,
                    version=1,
                )
                for n, iid in enumerate(order)
            ]
        )
        await audit.record(
            viewer.actor,
            "update",
            "meeting",
            meeting_id,
            unit_id=meeting["unit"],
            changes={"priorities": [None, order]},
        )


async def set_case(viewer: Viewer, meeting_id: int, issue_id: int | None) -> None:
    meeting = await _meeting_for_change(viewer, meeting_id)
    if issue_id is not None and not await SafetyIssue.exists().where(
        (SafetyIssue.id == issue_id) & (SafetyIssue.unit == meeting["unit"])
    ):
        raise MeetingInputError({"case_issue": "Choose an issue from this unit's tracking log."})
    if meeting["case_issue"] == issue_id:
        return
    async with db.write_transaction():
        await Meeting.update({Meeting.case_issue: issue_id}).where(Meeting.id == meeting_id)
        await audit.record(
            viewer.actor,
            "update",
            "meeting",
            meeting_id,
            unit_id=meeting["unit"],
            changes={"case_issue": [meeting["case_issue"], issue_id]},
        )


async def assign_from_agenda(
    viewer: Viewer, meeting_id: int, issue_id: int, *, owner_id: int | None, due_on: date | None
) -> None:
    """Set an issue's owner and due date right from the agenda (both required)."""
    meeting = await _meeting_for_change(viewer, meeting_id)
    issue = await SafetyIssue.select(SafetyIssue.unit).where(SafetyIssue.id == issue_id).first()
    if issue is None or issue["unit"] != meeting["unit"]:
        raise NotFoundException()
    errors = {}
    if owner_id is None:
        errors["owner"] = "Choose who owns this issue."
    if due_on is None:
        errors["due_on"] = "Give a due date."
    elif due_on < local_today():
        errors["due_on"] = "The due date cannot be in the past."
    if errors:
        raise MeetingInputError(errors)
    await _change_issue(viewer, issue_id, {"owner": owner_id, "due_on": due_on})


NOT_YOURS = (
    "Only the unit's champions, executive partners, admins and the issue's owner can change "
    "who owns it or when it is due."
)


async def _change_issue(viewer: Viewer, issue_id: int, values: dict, note: str | None = None):
    """Through the issue page's own rules (issues.change_issue), with its refusals as messages."""
    try:
        await issues.change_issue(viewer, issue_id, values, note=note)
    except PermissionDeniedException as exc:
        raise MeetingInputError({"owner": NOT_YOURS}) from exc


# --- attendance -----------------------------------------------------------------------------


class AttendanceChanged(Exception):
    """Attendance was saved from another device since this form was loaded."""


async def set_attendance(
    viewer: Viewer,
    meeting_id: int,
    *,
    present: list[int],
    guest_role: str = "",
    was: list[int] | None = None,
) -> None:
    """Who is here: team members by name (only the unit's team), guests by role. `was` is the
    attendance the form showed: if it has changed since, nothing is overwritten."""
    meeting = await _meeting_for_change(viewer, meeting_id)
    unit_id = meeting["unit"]
    team = await unit_team(unit_id)
    team_ids = {m["person_id"] for m in team}
    errors = {}
    if any(pid not in team_ids for pid in present):
        # Never named: the ids come from the form, and naming them would tell anyone who is
        # behind any person id, other units' people included.
        errors["present"] = (
            "Someone ticked is not on this unit's CUSP team, so cannot be recorded as a member. Reload the page, or add them as a guest by role instead."
        )
    guest_role = " ".join((guest_role or "").split())
    if len(guest_role) > 120:
        errors["guest_role"] = "Keep the role under 120 characters."
    errors.update({k: v for k, v in screen({"guest_role": guest_role}).items() if k not in errors})
    if errors:
        raise MeetingInputError(errors)
    async with db.write_transaction():
        rows = await MeetingAttendee.select().where(MeetingAttendee.meeting == meeting_id)
        before = sorted(r["person"] for r in rows if r["person"] is not None and r["present"])
        after = sorted(set(present))
        if was is not None and sorted(set(was)) != before and after != before:
            raise AttendanceChanged()
        if before != after:
            await MeetingAttendee.delete().where(
                (MeetingAttendee.meeting == meeting_id) & MeetingAttendee.person.is_not_null()
            )
            if after:
                await MeetingAttendee.insert(
                    *[
                        MeetingAttendee(meeting=meeting_id, person=pid, guest_role="", present=True)
                        for pid in after
                    ]
                )
            await audit.record(
                viewer.actor,
                "update",
                "meeting_attendance",
                meeting_id,
                unit_id=unit_id,
                changes={"present": [before, after]},
            )
        if guest_role and not any(
            r["person"] is None and r["guest_role"].lower() == guest_role.lower() for r in rows
        ):
            await MeetingAttendee.insert(
                MeetingAttendee(
                    meeting=meeting_id, person=None, guest_role=guest_role, present=True
                )
            )
            await audit.record(
                viewer.actor,
                "create",
                "meeting_guest",
                meeting_id,
                unit_id=unit_id,
                changes={"guest_role": [None, guest_role]},
            )


async def remove_guest(viewer: Viewer, meeting_id: int, attendee_id: int) -> None:
    meeting = await _meeting_for_change(viewer, meeting_id)
    row = (
        await MeetingAttendee.select()
        .where((MeetingAttendee.id == attendee_id) & (MeetingAttendee.meeting == meeting_id))
        .first()
    )
    if row is None or row["person"] is not None:
        raise NotFoundException()
    async with db.write_transaction():
        await MeetingAttendee.delete().where(MeetingAttendee.id == attendee_id)
        await audit.record(
            viewer.actor,
            "delete",
            "meeting_guest",
            meeting_id,
            unit_id=meeting["unit"],
            changes={"guest_role": [row["guest_role"], None]},
        )


# --- action items ---------------------------------------------------------------------------


@dataclass
class ActionInput:
    kind: str
    description: str
    owner_id: int | None
    due_on: date | None
    issue_id: int | None = None
    item_id: int | None = None
    idempotency_key: str = ""


async def add_action(viewer: Viewer, meeting_id: int, data: ActionInput) -> int:
    """An action item lands on the tracking log with an owner and a due date: a new safety issue
    (source "team meeting") or an update on an existing one. Returns the MeetingAction id; a
    repeated submission (double tap) returns the first one."""
    meeting = await _meeting_for_change(viewer, meeting_id)
    unit_id = meeting["unit"]
    description = (data.description or "").strip()
    errors: dict[str, str] = {}
    if data.kind not in rules.ACTION_KINDS:
        errors["kind"] = "Choose whether this is a new issue or an update."
    if not description:
        errors["description"] = (
            "Say what will be done."
            if data.kind == "update"
            else "Describe the safety issue or action."
        )
    elif len(description) > 4000:
        errors["description"] = "Keep it under 4,000 characters."
    team_ids = {m["person_id"] for m in await unit_team(unit_id)}
    issue = None
    if data.kind == "update":
        if data.issue_id is None:
            errors["issue"] = "Choose the issue this action updates."
        else:
            issue = (
                await SafetyIssue.select(
                    SafetyIssue.id, SafetyIssue.unit, SafetyIssue.owner, SafetyIssue.due_on
                )
                .where(SafetyIssue.id == data.issue_id)
                .first()
            )
            if issue is None or issue["unit"] != unit_id:
                errors["issue"] = "Choose an issue from this unit's tracking log."
                issue = None
    # An update leaves the issue's owner and due date as they are unless chosen here; the
    # action then names the issue's own owner and due date.
    owner_id = data.owner_id or (issue["owner"] if issue else None)
    due_on = data.due_on or (issue["due_on"] if issue else None)
    if data.owner_id is not None and data.owner_id not in team_ids:
        errors["owner"] = "Choose an owner from this unit's CUSP team."
    elif owner_id is None and "issue" not in errors:
        errors["owner"] = "Choose who owns this action – every action needs an owner."
    if data.due_on is not None and data.due_on < local_today():
        errors["due_on"] = "The due date cannot be in the past."
    elif due_on is None and "issue" not in errors:
        errors["due_on"] = "Give a due date – every action needs one."
    if issue and (data.owner_id or data.due_on):
        chosen = db.found(await SafetyIssue.select().where(SafetyIssue.id == issue["id"]).first())
        if not issues.can_edit(viewer, chosen):
            errors["owner"] = NOT_YOURS + " Leave Owner and Due date empty to add the update only."
    if data.item_id is not None and not await MeetingItem.exists().where(
        (MeetingItem.id == data.item_id) & (MeetingItem.meeting == meeting_id)
    ):
        data.item_id = None
    errors.update(
        {k: v for k, v in screen({"description": description}).items() if k not in errors}
    )
    if errors:
        raise MeetingInputError(errors)
    key = (data.idempotency_key or "").strip()[:60] or None
    async with db.write_transaction():
        if data.kind == "new":
            captured = await issues.capture(
                viewer,
                unit_id,
                description=description,
                source="team_meeting",
                raised_by="CUSP team meeting",
                idempotency_key=f"mtg-{key}" if key else None,
                owner_id=owner_id,
                due_on=due_on,
            )
            issue_id = captured.id
        else:
            issue_id = data.issue_id
        duplicate = (
            await MeetingAction.select(MeetingAction.id)
            .where(
                (MeetingAction.meeting == meeting_id)
                & (MeetingAction.issue == issue_id)
                & (MeetingAction.kind == data.kind)
                & (MeetingAction.description == description)
                & (MeetingAction.owner == owner_id)
                & (MeetingAction.due_on == due_on)
            )
            .first()
        )
        if duplicate:
            return duplicate["id"]
        now = clock.now()
        if data.kind == "update":
            # An update on the issue; owner and due date change only when chosen here.
            assert issue is not None  # an update without its issue was refused above
            chosen = {k: v for k, v in (("owner", data.owner_id), ("due_on", data.due_on)) if v}
            note = f"Team meeting {day(meeting['scheduled_at'])}: {description}"
            if chosen:
                await _change_issue(viewer, issue["id"], chosen, note=note)
            else:  # any team member may add an update
                await issues.insert_update(viewer, {"id": issue_id, "unit": unit_id}, note)
        values = {
            "meeting": meeting_id,
            "item": data.item_id,
            "issue": issue_id,
            "kind": data.kind,
            "description": description,
            "owner": owner_id,
            "due_on": due_on,
        }
        row = (
            await MeetingAction.insert(MeetingAction(**values, created_at=now)).returning(
                MeetingAction.id
            )
        )[0]
        await audit.record(
            viewer.actor,
            "create",
            "meeting_action",
            row["id"],
            unit_id=unit_id,
            changes=audit.created(values),
        )
    return row["id"]


# --- summary, finalising, addenda ------------------------------------------------------------


async def draft_summary(viewer: Viewer, meeting_id: int) -> str:
    meeting = await get_meeting(viewer, meeting_id)
    context = await build_agenda(meeting)
    return _draft(meeting, context)


def _draft(meeting: dict, context: dict) -> str:
    decisions = [i["decisions"] for i in context["all_items"] if i["decisions"].strip()]
    needing_help = [b["description"] for b in context["barriers_needing_help"]]
    return rules.draft_upward_summary(
        meeting["unit_name"],
        day(meeting["scheduled_at"]),
        decisions,
        needing_help,
        len(context["actions"]),
        len(context["wins"]),
    )


async def save_summary(
    viewer: Viewer, meeting_id: int, *, text: str, version: int, base: str | None = None
) -> dict:
    """Save the upward summary as typed. With `base` (the text the form was opened with) a
    change of another part of the meeting since is no conflict; the summary changed on another
    device too is a Conflict naming it, so the person chooses (merging, as on the issue page)."""
    meeting = await _meeting_for_change(viewer, meeting_id)
    text = (text or "").strip()
    errors = {}
    if len(text) > 4000:
        errors["upward_summary"] = "Keep the summary to one paragraph (under 4,000 characters)."
    errors.update(screen({"upward_summary": text}))
    if errors:
        raise MeetingInputError(errors)
    async with db.write_transaction():
        current = db.found(
            await Meeting.select(Meeting.version, Meeting.upward_summary, Meeting.finalised_at)
            .where(Meeting.id == meeting_id)
            .first()
        )
        if current["finalised_at"] is not None:
            raise Locked({**meeting, **current})
        if current["version"] != version:
            if current["upward_summary"] == text:
                return {**meeting, **current}
            saved = {"upward_summary": current["upward_summary"], "version": current["version"]}
            if base is None:
                raise Conflict(saved, {"upward_summary": text}, ("upward_summary",))
            values, conflicts = merging.merge(
                current, {"upward_summary": text}, {"upward_summary": base}
            )
            if conflicts:
                raise Conflict(saved, {"upward_summary": text}, tuple(conflicts))
            if not values:  # not changed here: whatever is saved now stays
                return {**meeting, **current}
            version = current["version"]
        if current["upward_summary"] == text:
            return {**meeting, **current}
        new_version = version + 1
        await Meeting.update({Meeting.upward_summary: text, Meeting.version: new_version}).where(
            Meeting.id == meeting_id
        )
        await audit.record(
            viewer.actor,
            "update",
            "meeting",
            meeting_id,
            unit_id=meeting["unit"],
            changes={"upward_summary": [current["upward_summary"], text]},
        )
    return {**meeting, "upward_summary": text, "version": new_version}


async def finalise(viewer: Viewer, meeting_id: int) -> None:
    """Approve and lock the minutes. The agenda as discussed is kept with them (issues,
    barriers, the case and the priorities at this moment); an empty upward summary is drafted."""
    meeting = await _meeting_for_change(viewer, meeting_id, manage=True)
    context = await build_agenda(meeting)
    now = clock.now()
    summary = meeting["upward_summary"].strip() or _draft(meeting, context)
    async with db.write_transaction():
        claimed = (
            await Meeting.update(
                {
                    Meeting.status: "finalised",
                    Meeting.finalised_at: now,
                    Meeting.finalised_by: viewer.id,
                    Meeting.upward_summary: summary,
                    Meeting.version: Meeting.version + 1,
                }
            )
            .where((Meeting.id == meeting_id) & Meeting.finalised_at.is_null())
            .returning(Meeting.id)
        )
        if not claimed:
            raise Locked(await get_meeting(viewer, meeting_id))
        await MeetingItem.delete().where(
            (MeetingItem.meeting == meeting_id)
            & (MeetingItem.issue.is_not_null() | MeetingItem.barrier.is_not_null())
        )
        snapshot = snapshot_items(meeting_id, context)
        if snapshot:
            await MeetingItem.insert(*snapshot)
        await audit.record(
            viewer.actor,
            "finalise",
            "meeting",
            meeting_id,
            unit_id=meeting["unit"],
            changes={
                "status": [meeting["status"], "finalised"],
                "upward_summary": [meeting["upward_summary"], summary],
            },
        )


async def add_addendum(viewer: Viewer, meeting_id: int, *, body: str) -> int:
    meeting = await get_meeting(viewer, meeting_id)
    ensure_can_contribute(viewer, meeting["unit"])
    body = (body or "").strip()
    errors = {}
    if meeting["finalised_at"] is None:
        errors["body"] = "The minutes are not final yet – edit them directly."
    elif not body:
        errors["body"] = "Write the correction or addition."
    elif len(body) > 4000:
        errors["body"] = "Keep it under 4,000 characters."
    errors.update({k: v for k, v in screen({"body": body}).items() if k not in errors})
    if errors:
        raise MeetingInputError(errors)
    async with db.write_transaction():
        row = (
            await MeetingAddendum.insert(
                MeetingAddendum(meeting=meeting_id, author=viewer.id, at=clock.now(), body=body)
            ).returning(MeetingAddendum.id)
        )[0]
        await audit.record(
            viewer.actor,
            "create",
            "meeting_addendum",
            row["id"],
            unit_id=meeting["unit"],
            changes=audit.created({"meeting": meeting_id, "body": body}),
        )
    return row["id"]


__all__ = [
    "MeetingInputError",
    "Locked",
    "Conflict",
    "AttendanceChanged",
    "ActionInput",
    "get_meeting",
    "meeting_page",
    "list_for_viewer",
    "next_meeting",
    "unit_history",
    "schedule",
    "reschedule",
    "save_item",
    "add_item",
    "set_item_removed",
    "move_item",
    "rank_issue",
    "set_case",
    "assign_from_agenda",
    "set_attendance",
    "remove_guest",
    "add_action",
    "draft_summary",
    "save_summary",
    "finalise",
    "add_addendum",
]
