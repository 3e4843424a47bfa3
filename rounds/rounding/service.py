"""Safety rounds: scheduling, recurring schedules, cancelling, running and finishing a round,
and each unit's round history. No Litestar imports beyond the access exceptions."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from litestar.exceptions import NotFoundException

from rounds import db
from rounds.admin.service import get_unit
from rounds.audit import service as audit
from rounds.auth.access import Viewer, ensure_can_contribute, ensure_can_manage, ensure_can_see
from rounds.barriers.service import open_barrier
from rounds.barriers.tables import Barrier
from rounds.core import clock
from rounds.core.clock import local_today
from rounds.core.errors import Conflict as CoreConflict
from rounds.core.errors import InputError
from rounds.core.tables import Membership, Person, Unit
from rounds.issues import rules as issue_rules
from rounds.issues.service import IssueInputError, capture, change_issue, ensure_can_edit, screen
from rounds.issues.tables import SafetyIssue
from rounds.measures.service import one_unit
from rounds.rounding import rules
from rounds.rounding.tables import Briefing, RoundSeries, SafetyRound

RoundInputError = InputError  # one input error for every feature (rounds.core.errors)


class Conflict(CoreConflict):
    """Someone else saved this record since it was opened. From a merging edit, `fields` names
    the fields both people changed and `mine` holds every field this person changed."""

    def __init__(self, fields: tuple[str, ...] = (), mine: dict | None = None):
        super().__init__("stale version")
        self.fields = fields
        self.mine = mine or {}


def hospital_tz():
    return clock.timezone()


def to_utc(on: date, at: time) -> datetime:
    from datetime import UTC

    return rules.local_datetime(on, at, hospital_tz()).astimezone(UTC)


ROUND_COLUMNS = (
    SafetyRound.unit.name.as_alias("unit_name"),
    SafetyRound.unit.staff_headcount.as_alias("headcount"),
    SafetyRound.executive.display_name.as_alias("executive_name"),
    SafetyRound.champion.display_name.as_alias("champion_name"),
)


def _round_query():
    return SafetyRound.select(*SafetyRound.all_columns(), *ROUND_COLUMNS)


async def get_round(viewer: Viewer, round_id: int) -> dict:
    """One round with its unit and people's names; 404 when the viewer cannot see its unit."""
    row = await _round_query().where(SafetyRound.id == round_id).first()
    if row is None:
        raise NotFoundException()
    ensure_can_see(viewer, row["unit"])
    return row


async def team_choices(unit_id: int) -> dict[str, list[tuple[int, str]]]:
    """People on the unit's team, for the executive-partner, champion and owner pickers."""
    rows = (
        await Membership.select(
            Membership.unit_role,
            Membership.person.id.as_alias("id"),
            Membership.person.display_name.as_alias("name"),
            Membership.person.job_title.as_alias("title"),
        )
        .where((Membership.unit == unit_id) & (Membership.person.active == True))
        .order_by(Membership.person.display_name)
    )  # noqa: E712
    out: dict[str, list[tuple[int, str]]] = {"executive": [], "champion": [], "all": []}
    for r in rows:
        label = r["name"] + (f" – {r['title']}" if r["title"] else "")
        out["all"].append((r["id"], label))
        if r["unit_role"] in out:
            out[r["unit_role"]].append((r["id"], label))
    return out


def _check_person(
    choices: dict, role: str, person_id: int | None, field: str, errors: dict
) -> None:
    if person_id is not None and person_id not in {pid for pid, _ in choices[role]}:
        who = "an executive partner" if role == "executive" else "a unit champion"
        errors[field] = f"Choose {who} of this unit."


# --- the person's rounds ---------------------------------------------------------------------


async def upcoming_for(viewer: Viewer, *, limit: int = 50) -> dict[str, list[dict]]:
    """Upcoming rounds: the viewer's own (as executive partner or champion), and for champions
    and admins every upcoming round on the units they manage."""
    since = clock.now() - timedelta(hours=12)

    def upcoming():  # a fresh query each time: Piccolo's where() changes the query it is called on
        return (
            _round_query()
            .where(
                SafetyRound.status.is_in(list(rules.UPCOMING)) & (SafetyRound.scheduled_at >= since)
            )
            .order_by(SafetyRound.scheduled_at)
            .limit(limit)
        )

    mine = await upcoming().where(
        (SafetyRound.executive == viewer.id) | (SafetyRound.champion == viewer.id)
    )
    managed: list[dict] = []
    if viewer.is_admin or viewer.role == "leader":
        managed = await upcoming()
    else:
        units = [u for u, role in viewer.unit_roles.items() if role in ("champion", "executive")]
        if units:
            managed = await upcoming().where(SafetyRound.unit.is_in(units))
    mine_ids = {r["id"] for r in mine}
    return {"mine": mine, "others": [r for r in managed if r["id"] not in mine_ids]}


async def managed_units(viewer: Viewer) -> list[dict]:
    """Units whose rounds the viewer schedules (champion, executive partner; admins: all)."""
    query = Unit.select(Unit.id, Unit.name).where(Unit.active == True).order_by(Unit.name)  # noqa: E712
    if not viewer.is_admin:
        ids = [u for u, role in viewer.unit_roles.items() if role in ("champion", "executive")]
        if not ids:
            return []
        query = query.where(Unit.id.is_in(ids))
    return await query


# --- scheduling ------------------------------------------------------------------------------


async def schedule(
    viewer: Viewer,
    unit_id: int,
    *,
    on: date,
    at: time,
    executive_id: int | None,
    champion_id: int | None,
) -> int:
    """Schedule one round. A repeated identical request (a double tap) returns the same round."""
    ensure_can_manage(viewer, unit_id)
    choices = await team_choices(unit_id)
    errors: dict[str, str] = {}
    if on < local_today():
        errors["on"] = "Choose today or a later date."
    _check_person(choices, "executive", executive_id, "executive_id", errors)
    _check_person(choices, "champion", champion_id, "champion_id", errors)
    if errors:
        raise RoundInputError(errors)
    when = to_utc(on, at)
    now = clock.now()
    async with db.write_transaction():
        clash = (
            await SafetyRound.select()
            .where(
                (SafetyRound.unit == unit_id)
                & (SafetyRound.scheduled_at == when)
                & (SafetyRound.status != "cancelled")
            )
            .first()
        )
        if clash:
            same = clash["executive"] == executive_id and clash["champion"] == champion_id
            if same and now - clash["created_at"] < timedelta(minutes=5):
                return clash["id"]
            raise RoundInputError({"on": "A round is already scheduled on this unit at that time."})
        values = {
            "unit": unit_id,
            "scheduled_at": when,
            "executive": executive_id,
            "champion": champion_id,
            "status": "scheduled",
        }
        row = (
            await SafetyRound.insert(SafetyRound(**values, created_at=now, version=1)).returning(
                SafetyRound.id
            )
        )[0]
        await audit.record(
            viewer.actor,
            "create",
            "safety_round",
            row["id"],
            unit_id=unit_id,
            changes=audit.created(values),
        )
    return row["id"]


async def create_series(
    viewer: Viewer,
    unit_id: int,
    *,
    first_on: date,
    at: time,
    every_weeks: int,
    executive_id: int | None,
    champion_id: int | None,
) -> tuple[int, int]:
    """Start a recurring schedule and generate its rounds for the next six months.
    Returns (series id, rounds generated)."""
    ensure_can_manage(viewer, unit_id)
    choices = await team_choices(unit_id)
    errors: dict[str, str] = {}
    if first_on < local_today():
        errors["first_on"] = "Choose today or a later date for the first round."
    if not 1 <= every_weeks <= 12:
        errors["every_weeks"] = "Choose between 1 and 12 weeks."
    _check_person(choices, "executive", executive_id, "series_executive_id", errors)
    _check_person(choices, "champion", champion_id, "series_champion_id", errors)
    if errors:
        raise RoundInputError(errors)
    now = clock.now()
    first = rules.local_datetime(first_on, at, hospital_tz())
    async with db.write_transaction():
        active = await RoundSeries.exists().where(
            (RoundSeries.unit == unit_id) & (RoundSeries.active == True)
        )  # noqa: E712
        if active:
            raise RoundInputError(
                {
                    "every_weeks": "This unit already has a recurring schedule – stop it first to start a new one."
                }
            )
        values = {
            "unit": unit_id,
            "every_weeks": every_weeks,
            "first_at": first,
            "executive": executive_id,
            "champion": champion_id,
            "active": True,
        }
        row = (
            await RoundSeries.insert(RoundSeries(**values, created_at=now)).returning(
                RoundSeries.id
            )
        )[0]
        await audit.record(
            viewer.actor,
            "create",
            "round_series",
            row["id"],
            unit_id=unit_id,
            changes=audit.created(values),
        )
        made = await _extend_series(viewer, row["id"])
    return row["id"], made


async def _extend_series(viewer: Viewer | None, series_id: int) -> int:
    """Generate the series' rounds up to the horizon, skipping times already taken. Joins the
    caller's write transaction."""
    series = await RoundSeries.select().where(RoundSeries.id == series_id).first()
    if series is None or not series["active"]:
        return 0
    until = local_today() + timedelta(days=rules.HORIZON_DAYS)
    after = None
    if series["generated_until"]:
        after = rules.local_datetime(series["generated_until"], time(23, 59, 59), hospital_tz())
    first = clock.local(series["first_at"])
    dates = rules.series_dates(first, series["every_weeks"], after=after, until=until)
    from datetime import UTC

    moments = [d.astimezone(UTC) for d in dates]
    now = clock.now()
    async with db.write_transaction():
        taken = set()
        if moments:
            rows = await SafetyRound.select(SafetyRound.scheduled_at).where(
                (SafetyRound.unit == series["unit"])
                & (SafetyRound.scheduled_at >= min(moments) - timedelta(minutes=1))
                & (SafetyRound.scheduled_at <= max(moments) + timedelta(minutes=1))
            )
            taken = {r["scheduled_at"].astimezone(UTC) for r in rows}
        new = [
            SafetyRound(
                unit=series["unit"],
                scheduled_at=m,
                executive=series["executive"],
                champion=series["champion"],
                series=series_id,
                status="scheduled",
                created_at=now,
                version=1,
            )
            for m in moments
            if m not in taken and m > now
        ]
        if new:
            await SafetyRound.insert(*new)
        await RoundSeries.update({RoundSeries.generated_until: until}).where(
            RoundSeries.id == series_id
        )
        if viewer is not None and new:
            await audit.record(
                viewer.actor,
                "create",
                "safety_round",
                f"series {series_id}",
                unit_id=series["unit"],
                changes={"generated": [None, len(new)], "until": [None, until.isoformat()]},
            )
    return len(new)


async def extend_series(viewer: Viewer, unit_id: int, series_id: int) -> int:
    ensure_can_manage(viewer, unit_id)
    series = await RoundSeries.select(RoundSeries.unit).where(RoundSeries.id == series_id).first()
    if series is None or series["unit"] != unit_id:
        raise NotFoundException()
    async with db.write_transaction():
        return await _extend_series(viewer, series_id)


async def stop_series(viewer: Viewer, unit_id: int, series_id: int) -> int:
    """Stop a recurring schedule. Its future rounds that nobody has started preparing are
    removed (not counted as cancellations: nobody expected them yet). Returns how many."""
    ensure_can_manage(viewer, unit_id)
    series = await RoundSeries.select().where(RoundSeries.id == series_id).first()
    if series is None or series["unit"] != unit_id:
        raise NotFoundException()
    now = clock.now()
    async with db.write_transaction():
        await RoundSeries.update({RoundSeries.active: False}).where(RoundSeries.id == series_id)
        future = await SafetyRound.select(SafetyRound.id).where(
            (SafetyRound.series == series_id)
            & (SafetyRound.status == "scheduled")
            & (SafetyRound.scheduled_at > now)
        )
        ids = [r["id"] for r in future]
        if ids:  # a round whose champion has started notes is kept
            drafted = {
                b["round"]
                for b in await Briefing.select(Briefing.round).where(Briefing.round.is_in(ids))
            }
            ids = [i for i in ids if i not in drafted]
        if ids:
            await SafetyRound.delete().where(SafetyRound.id.is_in(ids))
        await audit.record(
            viewer.actor,
            "update",
            "round_series",
            series_id,
            unit_id=unit_id,
            changes={"active": [True, False], "future_rounds_removed": [None, len(ids)]},
        )
    return len(ids)


async def cancel(viewer: Viewer, round_id: int, *, reason: str, version: int) -> None:
    row = await get_round(viewer, round_id)
    ensure_can_manage(viewer, row["unit"])
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if problem := rules.can_cancel(row["status"]):
        errors["__all__"] = problem
    if len(reason) < 3:
        errors["reason"] = (
            "Say why the round is cancelled – cancellations are counted and reviewed."
        )
    elif len(reason) > 500:
        errors["reason"] = "Keep the reason under 500 characters."
    else:
        errors.update(screen({"reason": reason}))
    if errors:
        raise RoundInputError(errors)
    now = clock.now()
    async with db.write_transaction():
        current = db.found(
            await SafetyRound.select(SafetyRound.version, SafetyRound.status)
            .where(SafetyRound.id == round_id)
            .first()
        )
        if current["version"] != version:
            raise Conflict()
        values = {"status": "cancelled", "cancel_reason": reason, "cancelled_at": now}
        await SafetyRound.update({**values, "version": version + 1}).where(
            SafetyRound.id == round_id
        )
        await audit.record(
            viewer.actor,
            "update",
            "safety_round",
            round_id,
            unit_id=row["unit"],
            changes=audit.diff(row, values),
        )


# --- history -----------------------------------------------------------------------------------


async def unit_history(viewer: Viewer, unit_id: int) -> dict[str, Any]:
    """Everything the unit's rounds page shows: upcoming and past rounds, issues raised per round
    and how many were closed with feedback, and the 12-month figures."""
    unit = await get_unit(viewer, unit_id)
    now = clock.now()
    since = now - timedelta(days=365)
    rounds = (
        await _round_query()
        .where(SafetyRound.unit == unit_id)
        .where(SafetyRound.scheduled_at >= now - timedelta(days=730))
        .order_by(SafetyRound.scheduled_at)
    )
    counts = await db.raw(
        'SELECT "round" AS round_id, COUNT(*) AS raised, '
        "SUM(CASE WHEN status = 'closed' AND feedback_given_on IS NOT NULL THEN 1 ELSE 0 END) AS closed_fb "
        'FROM safety_issue WHERE unit = {} AND "round" IS NOT NULL GROUP BY "round"',
        unit_id,
    )
    by_round = {int(c["round_id"]): (int(c["raised"]), int(c["closed_fb"] or 0)) for c in counts}
    for r in rounds:
        r["raised"], r["closed_fb"] = by_round.get(r["id"], (0, 0))
    series = await RoundSeries.select(
        *RoundSeries.all_columns(), RoundSeries.executive.display_name.as_alias("executive_name")
    ).where(
        (RoundSeries.unit == unit_id) & (RoundSeries.active == True)  # noqa: E712
    )

    stats = await one_unit(unit)
    upcoming = [
        r
        for r in rounds
        if r["status"] in rules.UPCOMING and r["scheduled_at"] >= now - timedelta(hours=12)
    ]
    past = [r for r in reversed(rounds) if r not in upcoming and r["scheduled_at"] <= now]
    raised_12 = sum(
        r["raised"] for r in rounds if r["status"] == "completed" and r["scheduled_at"] >= since
    )
    closed_12 = sum(
        r["closed_fb"] for r in rounds if r["status"] == "completed" and r["scheduled_at"] >= since
    )
    return {
        "unit": unit,
        "upcoming": upcoming,
        "past": past,
        "stats": stats,
        "series": series,
        "raised_12": raised_12,
        "closed_12": closed_12,
    }


# --- running the round ---------------------------------------------------------------------


def ensure_running(row: dict) -> None:
    if row["status"] != "in_progress":
        if row["status"] == "cancelled":
            raise RoundInputError(
                {"__all__": "This round was cancelled, so nothing can be added to it."}
            )
        if row["status"] == "completed":
            raise RoundInputError(
                {"__all__": "This round is finished. Add further concerns to the tracking log."}
            )
        raise RoundInputError({"__all__": "Start the round first."})


async def heard(round_id: int) -> list[dict]:
    """What was heard on this round, in the order it was said, with whether the executive
    partner's help was asked for (a barrier is open for them) and that barrier's title."""
    issues = (
        await SafetyIssue.select(
            SafetyIssue.id,
            SafetyIssue.unit,
            SafetyIssue.description,
            SafetyIssue.raised_by,
            SafetyIssue.status,
            SafetyIssue.owner,
            SafetyIssue.due_on,
            SafetyIssue.needs_executive_help,
            SafetyIssue.version,
            SafetyIssue.owner.display_name.as_alias("owner_name"),
            SafetyIssue.cannot_do_reason,
            SafetyIssue.harm,
            SafetyIssue.likelihood,
            SafetyIssue.ease,
        )
        .where(SafetyIssue.round == round_id)
        .order_by(SafetyIssue.id)
    )
    if issues:
        barriers = await Barrier.select(
            Barrier.id, Barrier.issue, Barrier.description, Barrier.version
        ).where(Barrier.issue.is_in([i["id"] for i in issues]))
        helped = {b["issue"]: b for b in barriers}
        for issue in issues:
            barrier = helped.get(issue["id"])
            issue["has_barrier"] = barrier is not None
            issue["barrier"] = barrier
            issue["light"] = issue_rules.stoplight(issue["status"])
    return issues


IN_THE_WAY_MISSING = (
    "Say in one line what is in the way (for example “no budget for a second suction unit”): "
    "it becomes the title of the barrier on your barrier board."
)


def _in_the_way_problems(text: str, *, required: bool) -> dict[str, str]:
    """The one line "what's in the way": required when a barrier is opened, screened like all
    free text (it is shown on the barrier board)."""
    text = (text or "").strip()
    if not text:
        return {"in_the_way": IN_THE_WAY_MISSING} if required else {}
    if len(text) > 200:
        return {"in_the_way": "Keep it to one line (at most 200 characters)."}

    return {("in_the_way" if k == "line" else k): v for k, v in screen({"line": text}).items()}


async def capture_concern(
    viewer: Viewer,
    row: dict,
    *,
    description: str,
    raised_by: str,
    needs_help: bool,
    idempotency_key: str,
    in_the_way: str = "",
) -> int:
    """Put what staff said straight onto the tracking log, linked to this round. With
    "needs my help", a barrier titled with `in_the_way` (required) is opened for the executive
    partner."""
    ensure_running(row)
    in_the_way = (in_the_way or "").strip()
    problems = _in_the_way_problems(in_the_way, required=needs_help)
    if problems:
        # Checked with the concern's own rules, so every problem is shown at once.
        try:
            await _check_capture(viewer, row, description, raised_by)
        except IssueInputError as exc:
            problems = {**exc.errors, **problems}
        raise RoundInputError(problems)
    # One transaction: a failure opening the barrier leaves no concern either, so the retry
    # (same idempotency key) creates both instead of finding the concern and skipping the barrier.
    async with db.write_transaction():
        captured = await capture(
            viewer,
            row["unit"],
            description=description,
            raised_by=raised_by,
            source="safety_round",
            round_id=row["id"],
            needs_executive_help=needs_help,
            idempotency_key=idempotency_key,
        )
        if needs_help and (
            captured.created or not await Barrier.exists().where(Barrier.issue == captured.id)
        ):
            await _open_help_barrier(viewer, row, captured.id, in_the_way)
    return captured.id


async def _check_capture(viewer: Viewer, row: dict, description: str, raised_by: str) -> None:
    """The concern's own problems (empty, too long, identifiers), without saving anything."""
    ensure_can_contribute(viewer, row["unit"])
    errors: dict[str, str] = {}
    if not (description or "").strip():
        errors["description"] = "Describe the concern in the staff's words."
    errors.update(screen({"description": description or "", "raised_by": raised_by or ""}))
    if errors:
        raise IssueInputError(errors)


async def _open_help_barrier(viewer: Viewer, row: dict, issue_id: int, in_the_way: str) -> None:
    """The barrier "Needs my help" opens: its title is the executive's one line."""
    await open_barrier(
        viewer,
        issue_id,
        description=in_the_way.strip()[:2000],
        level="executive",
        owner_id=row["executive"],
    )


async def _round_issue(row: dict, issue_id: int) -> dict:
    """A concern heard on this round (404 for any other issue)."""
    issue = await SafetyIssue.select().where(SafetyIssue.id == issue_id).first()
    if issue is None or issue["round"] != row["id"]:
        raise NotFoundException()
    return issue


async def ask_for_help(viewer: Viewer, row: dict, issue_id: int, in_the_way: str = "") -> None:
    """The "Needs my help" toggle on a captured item: opens one barrier for the executive,
    titled with what is in the way (required)."""
    ensure_running(row)
    await _round_issue(row, issue_id)
    if await Barrier.exists().where(Barrier.issue == issue_id):
        return  # already on the executive's list (a double tap)
    if problems := _in_the_way_problems(in_the_way, required=True):
        raise RoundInputError(problems)
    await _open_help_barrier(viewer, row, issue_id, in_the_way)


# --- correcting and removing what was heard, while the round runs ------------------------------


async def correct_concern(
    viewer: Viewer,
    row: dict,
    issue_id: int,
    *,
    values: dict,
    base: dict,
    version: int | None,
    needs_help: bool,
    in_the_way: str,
    base_in_the_way: str = "",
) -> dict:
    """Reword a concern heard on this round or change its fields, until the round is finished
    (then it is an ordinary issue, edited on the issue page). Goes through
    issues.service.change_issue with the values the form showed (`base`), so the issue page's
    rules (who may) and its merging (a field both people changed is a Conflict) hold here too.
    Ticking "Needs my help" opens the barrier titled `in_the_way`; on a concern that has one,
    a changed `in_the_way` rewords that barrier (if nobody else changed it since).
    Returns the issue's changes."""
    ensure_running(row)
    issue = await _round_issue(row, issue_id)
    ensure_can_edit(viewer, issue)
    barrier = await Barrier.select().where(Barrier.issue == issue_id).first()
    in_the_way = (in_the_way or "").strip()
    opening = needs_help and barrier is None
    rewording = barrier is not None and in_the_way != (base_in_the_way or "").strip()
    problems = _in_the_way_problems(in_the_way, required=opening or rewording)
    if rewording and barrier is not None and barrier["status"] != "open":
        problems["in_the_way"] = (
            "This barrier is already closed, so its title stays as it was when it was decided "
            f"(“{barrier['description']}”). Add a note on the barrier instead."
        )
    if problems:
        raise RoundInputError(problems)
    async with db.write_transaction():
        current = db.found(
            await SafetyRound.select(SafetyRound.status).where(SafetyRound.id == row["id"]).first()
        )
        ensure_running({**row, "status": current["status"]})
        changes = await change_issue(
            viewer,
            issue_id,
            {**values, **({"needs_executive_help": True} if opening else {})},
            base={**base, "needs_executive_help": issue["needs_executive_help"]},
            version=version,
        )
        if opening:
            await _open_help_barrier(viewer, row, issue_id, in_the_way)
        elif rewording and barrier is not None and in_the_way != barrier["description"]:
            await _reword_barrier(viewer, barrier, in_the_way, base_in_the_way)
    return changes


class BarrierReworded(Exception):
    """Someone else changed the barrier's title since the form was opened."""


async def _reword_barrier(viewer: Viewer, barrier: dict, text: str, base_text: str) -> None:
    current = db.found(await Barrier.select().where(Barrier.id == barrier["id"]).first())
    if current["description"].strip() != (base_text or "").strip():
        raise RoundInputError(
            {
                "in_the_way": "Someone else changed what is in the way since you opened this "
                f"(now: “{current['description']}”). Keep theirs or write yours again."
            }
        )
    now = clock.now()
    await Barrier.update(
        {"description": text, "updated_at": now, "version": current["version"] + 1}
    ).where(Barrier.id == barrier["id"])
    await audit.record(
        viewer.actor,
        "update",
        "barrier",
        barrier["id"],
        unit_id=current["unit"],
        changes={"description": [current["description"], text]},
    )


async def relied_on(viewer: Viewer, issue_id: int) -> str | None:
    """Why a concern heard on this round may not be removed: someone else has relied on it
    (worked on it, noted it, linked it) - in words, or None."""
    from rounds.core.tables import AuditEntry
    from rounds.issues.tables import DefectLearning, IssueUpdate
    from rounds.meetings.tables import MeetingAction, MeetingItem
    from rounds.voice.tables import Concern

    if await IssueUpdate.exists().where(IssueUpdate.issue == issue_id):
        return "it has updates on the tracking log"
    if await DefectLearning.exists().where(DefectLearning.issue == issue_id):
        return "the team is learning from it (learning from defects)"
    if await MeetingItem.exists().where(MeetingItem.issue == issue_id) or (
        await MeetingAction.exists().where(MeetingAction.issue == issue_id)
    ):
        return "it is on a team meeting's agenda or actions"
    if await Concern.exists().where(Concern.issue == issue_id):
        return "a concern staff sent is linked to it"
    barrier = await Barrier.select().where(Barrier.issue == issue_id).first()
    if barrier:
        from rounds.barriers.tables import BarrierNote

        if barrier["status"] != "open" or await BarrierNote.exists().where(
            (BarrierNote.barrier == barrier["id"]) & (BarrierNote.kind != "created")
        ):
            return "its barrier already has follow-up notes"
    entries = (
        await AuditEntry.select(
            AuditEntry.object_type, AuditEntry.action, AuditEntry.actor_id, AuditEntry.actor_label
        )
        .where(
            ((AuditEntry.object_type == "safety_issue") & (AuditEntry.object_id == str(issue_id)))
            | (
                (AuditEntry.object_type == "barrier")
                & (AuditEntry.object_id == str(barrier["id"] if barrier else -1))
            )
        )
        .order_by(AuditEntry.seq)
    )
    # SQLite gives a new row the id of a deleted newest one: only entries since the id's last
    # deletion are about this concern (and its barrier).
    since: dict[str, list[dict]] = {}
    for entry in entries:
        if entry["action"] == "delete":
            since[entry["object_type"]] = []
        else:
            since.setdefault(entry["object_type"], []).append(entry)
    others = next(
        (
            e
            for kept in since.values()
            for e in kept
            if e["action"] != "create"  # who typed it in did not rely on it
            and e["actor_id"] != viewer.id
        ),
        None,
    )
    if others:
        return f"{others['actor_label']} has changed it since"
    return None


async def _removed_by(viewer: Viewer, row: dict, issue_id: int) -> dict | None:
    """The concern as this person removed it from this round (from the audit log), when it is
    gone: a second press of Remove answers like the first. None while it exists, or when it
    was never this round's or removed by someone else (then it is not found)."""
    if await SafetyIssue.exists().where(SafetyIssue.id == issue_id):
        return None
    from rounds.core.tables import AuditEntry

    entry = (
        await AuditEntry.select(AuditEntry.actor_id, AuditEntry.changes)
        .where(
            (AuditEntry.object_type == "safety_issue")
            & (AuditEntry.object_id == str(issue_id))
            & (AuditEntry.action == "delete")
        )
        .order_by(AuditEntry.seq, ascending=False)
        .first()
    )
    if entry is None or entry["actor_id"] != viewer.id:
        return None
    changes = json.loads(entry["changes"] or "{}")
    if (changes.get("withdrawn_on_round") or [None])[0] != row["id"]:
        return None
    return {"id": issue_id, **{k: v[0] for k, v in changes.items() if v}}


def _stays(why: str) -> RoundInputError:
    return RoundInputError(
        {
            "__all__": f"This concern stays on the log: {why}. Change it on the issue page "
            "instead (for example “cannot do”, with the reason)."
        }
    )


async def remove_concern(viewer: Viewer, row: dict, issue_id: int) -> dict:
    """Withdraw a concern heard on this round from the tracking log, until the round is
    finished: a typo, a duplicate, something said twice. Same people as an edit (the issue
    page's rule). The row is deleted - issues have no "deleted" state that every list of the
    log would have to hide - and the audit log keeps all of it (every field, who, when), so it
    is attributable and can be put back by hand. Refused when someone else has relied on it
    (updates, meetings, a barrier being followed up, a change by someone else): then it stays,
    and the issue page is the place to mark it. Returns the removed issue."""
    ensure_running(row)
    if gone := await _removed_by(viewer, row, issue_id):
        return gone  # pressed twice: the first press removed it
    issue = await _round_issue(row, issue_id)
    ensure_can_edit(viewer, issue)
    async with db.write_transaction():
        current = db.found(
            await SafetyRound.select(SafetyRound.status).where(SafetyRound.id == row["id"]).first()
        )
        ensure_running({**row, "status": current["status"]})
        if gone := await _removed_by(viewer, row, issue_id):
            return gone  # two presses in flight: the other one removed it
        issue = await _round_issue(row, issue_id)  # as it is now, inside the transaction
        # held until the end: on PostgreSQL an update or a link written meanwhile waits for this
        # transaction, and then finds the issue gone, instead of slipping in after the check
        await db.lock_row("safety_issue", issue_id)
        # checked inside the transaction: an update added meanwhile is never deleted with it
        if why := await relied_on(viewer, issue_id):
            raise _stays(why)
        for barrier in await Barrier.select().where(Barrier.issue == issue_id):
            await Barrier.delete().where(Barrier.id == barrier["id"])
            await db.retire_id("barrier", barrier["id"])
            await audit.record(
                viewer.actor,
                "delete",
                "barrier",
                barrier["id"],
                unit_id=barrier["unit"],
                changes=audit.removed(barrier),
            )
        await SafetyIssue.delete().where(SafetyIssue.id == issue_id)
        await db.retire_id("safety_issue", issue_id)
        await audit.record(
            viewer.actor,
            "delete",
            "safety_issue",
            issue_id,
            unit_id=issue["unit"],
            changes={
                **audit.removed(issue),
                "withdrawn_on_round": [row["id"], None],
            },
        )
    return issue


async def update_staff(
    viewer: Viewer,
    row: dict,
    *,
    count: int | None,
    step: int,
    roles: str | None,
    first_timers: int | None = None,
    first_step: int = 0,
) -> dict:
    """The staff-count steppers: +1 / -1 steps apply to the saved counts, so two tablets never
    overwrite each other; a typed number (step 0) replaces it. roles None keeps the roles.
    First-timers (staff taking part for the first time in 12 months, for staff reach) are part
    of the staff count, so they never exceed it.
    Anyone on the unit's team may keep the count (a team member often scribes)."""
    ensure_can_contribute(viewer, row["unit"])
    ensure_running(row)
    errors: dict[str, str] = {}
    if count is not None and not 0 <= count <= 500:
        errors["staff_count"] = "Enter a number from 0 to 500."
    if first_timers is not None and first_timers < 0:
        errors["first_timers"] = "Enter a number from 0 up to the number of staff."
    elif (
        first_timers is not None
        and not first_step
        and count is not None
        and "staff_count" not in errors
        and first_timers > count
    ):
        errors["first_timers"] = (
            f"First-timers are part of today's staff, so at most {count}. "
            "Raise the number of staff first."
        )
    if roles is not None:
        roles = roles.strip()
        if len(roles) > 300:
            errors["staff_roles"] = "Keep the roles under 300 characters."
        else:
            errors.update(
                {
                    ("staff_roles" if k == "roles" else k): v
                    for k, v in screen({"roles": roles}).items()
                }
            )
    if errors:
        raise RoundInputError(errors)
    async with db.write_transaction():
        current = db.found(
            await SafetyRound.select(
                SafetyRound.staff_count,
                SafetyRound.first_timers,
                SafetyRound.staff_roles,
                SafetyRound.version,
            )
            .where(SafetyRound.id == row["id"])
            .first()
        )
        if step:
            new_count = current["staff_count"] + step
        else:
            new_count = count if count is not None else current["staff_count"]
        new_count = max(0, min(500, new_count))
        if first_step:
            new_first = current["first_timers"] + first_step
        else:
            new_first = first_timers if first_timers is not None else current["first_timers"]
        values = {
            "staff_count": new_count,
            "first_timers": max(0, min(new_count, new_first)),
            "staff_roles": current["staff_roles"] if roles is None else roles,
        }
        changes = audit.diff(current, values)
        if changes:
            await SafetyRound.update({**values, "version": current["version"] + 1}).where(
                SafetyRound.id == row["id"]
            )
            await audit.record(
                viewer.actor,
                "update",
                "safety_round",
                row["id"],
                unit_id=row["unit"],
                changes=changes,
            )
    row.update(values)
    return row


async def mark_read_back(viewer: Viewer, row: dict) -> None:
    ensure_can_manage(viewer, row["unit"])
    ensure_running(row)
    if row["read_back_done"]:
        return
    async with db.write_transaction():
        await SafetyRound.update(
            {SafetyRound.read_back_done: True, SafetyRound.version: SafetyRound.version + 1}
        ).where(SafetyRound.id == row["id"])
        await audit.record(
            viewer.actor,
            "update",
            "safety_round",
            row["id"],
            unit_id=row["unit"],
            changes={"read_back_done": [False, True]},
        )


async def finish(
    viewer: Viewer,
    row: dict,
    *,
    assignments: dict[int, tuple[int | None, date | None]],
    debrief: str,
    version: int,
    ratings: dict[int, dict[str, str]] | None = None,
    in_the_way: dict[int, str] | None = None,
) -> None:
    """Complete the round: owners and due dates for what was captured (any left blank are
    assigned later on the log), a quick rating of each (harm, likelihood, ease: the priority
    and easy wins follow the same day), for a concern that needs the executive's help the one
    line "what's in the way" (its barrier's title), and the debrief notes. All or nothing."""
    ratings = ratings or {}
    in_the_way = {k: v.strip() for k, v in (in_the_way or {}).items() if (v or "").strip()}
    ensure_can_manage(viewer, row["unit"])
    ensure_running(row)
    debrief = (debrief or "").strip()
    errors: dict[str, str] = {}
    if len(debrief) > 4000:
        errors["debrief_notes"] = "Keep the debrief notes under 4,000 characters."
    else:
        errors.update(screen({"debrief_notes": debrief}))
    issues = {i["id"]: i for i in await heard(row["id"])}
    team = {pid for pid, _ in (await team_choices(row["unit"]))["all"]}
    today = local_today()
    for issue_id, (owner_id, due_on) in assignments.items():
        if issue_id not in issues:
            continue
        if owner_id is not None and owner_id not in team:
            errors[f"owner_{issue_id}"] = "Choose an owner from this unit's team."
        if due_on is not None and due_on < today:
            errors[f"due_{issue_id}"] = "The due date cannot be in the past."
        if due_on is not None and owner_id is None and not issues[issue_id]["owner"]:
            errors[f"owner_{issue_id}"] = "Choose who owns this before giving it a due date."
    for issue_id, line in in_the_way.items():
        if issue_id in issues and not issues[issue_id]["has_barrier"]:
            for message in _in_the_way_problems(line, required=True).values():
                errors[f"in_the_way_{issue_id}"] = message
    if errors:
        raise RoundInputError(errors)
    now = clock.now()
    async with db.write_transaction():
        current = db.found(
            await SafetyRound.select(SafetyRound.version, SafetyRound.status)
            .where(SafetyRound.id == row["id"])
            .first()
        )
        if current["version"] != version:
            raise Conflict()
        if current["status"] != "in_progress":
            raise RoundInputError({"__all__": "This round is no longer in progress."})
        for issue_id in sorted(set(assignments) | set(ratings)):
            issue = issues.get(issue_id)
            owner_id, due_on = assignments.get(issue_id, (None, None))
            # Empty fields leave the issue's owner, due date and rating as they are.
            chosen = {"owner": owner_id, "due_on": due_on, **ratings.get(issue_id, {})}
            chosen = {k: v for k, v in chosen.items() if v not in (None, "")}
            if issue is None or not chosen:
                continue
            await change_issue(viewer, issue_id, chosen)
        for issue_id, line in sorted(in_the_way.items()):
            issue = issues.get(issue_id)
            if issue is None or issue["has_barrier"]:
                continue  # its barrier is open already (reworded on the barrier's page)
            await _open_help_barrier(viewer, row, issue_id, line)
            await change_issue(viewer, issue_id, {"needs_executive_help": True}, base={})
        values = {"status": "completed", "completed_at": now, "debrief_notes": debrief}
        await SafetyRound.update({**values, "version": current["version"] + 1}).where(
            SafetyRound.id == row["id"]
        )
        await audit.record(
            viewer.actor,
            "update",
            "safety_round",
            row["id"],
            unit_id=row["unit"],
            changes=audit.diff(row, values),
        )
        if row["series"]:
            await _extend_series(None, row["series"])


async def people_names(ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await Person.select(Person.id, Person.display_name).where(Person.id.is_in(ids))
    return {r["id"]: r["display_name"] for r in rows}


async def briefing_status(round_ids: list[int]) -> dict[int, dict]:
    """{round id: {ready_at, frozen_at}} for lists of rounds."""
    if not round_ids:
        return {}
    rows = await Briefing.select(Briefing.round, Briefing.ready_at, Briefing.frozen_at).where(
        Briefing.round.is_in(round_ids)
    )
    return {r["round"]: r for r in rows}
