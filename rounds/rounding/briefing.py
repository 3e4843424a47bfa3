"""The pre-round briefing: assembled from the log, the measures and the champion's notes.

`assemble()` returns plain data (dates, numbers, strings, and pre-rendered chart markup) so the
briefing as the executive saw it can be frozen as JSON when the round starts, and shown again
exactly as it was.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from rounds import db
from rounds.audit import service as audit
from rounds.auth.access import Viewer, ensure_can_manage
from rounds.barriers.tables import Barrier
from rounds.core import clock
from rounds.core.clock import local_today
from rounds.core.defaults import DEFAULT_CLOSING, DEFAULT_OPENING, DEFAULT_QUESTIONS
from rounds.core.tables import Membership, Setting
from rounds.issues import rules as issue_rules
from rounds.issues.service import screen
from rounds.issues.tables import SafetyIssue
from rounds.measures import definitions as measures
from rounds.measures import service as measures_service
from rounds.rounding import charts, rules
from rounds.rounding.service import Conflict, RoundInputError, get_round
from rounds.rounding.tables import Briefing, LastEvent, SafetyRound, UnitMeasure
from rounds.web import filters

NOTE_FIELDS = {
    "going_on": "What is going on on the unit",
    "staff_concerns": "Concerns staff want to raise",
    "wins": "Wins to recognise",
    "asks": "Asks of the executive partner",
}
TOP_ISSUES = 3
LIST_LIMIT = 3
DAYS_SINCE_KINDS = ("fall", "pressure_injury", "clabsi", "cauti", "medication_harm", "staff_injury")
TREND_KEYS = ("falls", "pressure_injuries", "clabsi", "cauti")
UNIT_ROLE_LABELS = {
    "executive": "Executive partner",
    "champion": "Unit champion",
    "member": "CUSP team",
}


# --- the question script (admin-editable) -------------------------------------------------------


async def script() -> dict[str, Any]:
    rows = await Setting.select(Setting.key, Setting.value).where(
        Setting.key.is_in(["script.questions", "script.opening", "script.closing"])
    )
    values = {r["key"]: r["value"] for r in rows}
    try:
        questions = [
            q
            for q in json.loads(values.get("script.questions") or "[]")
            if isinstance(q, str) and q.strip()
        ]
    except ValueError:
        questions = []
    return {
        "questions": questions or list(DEFAULT_QUESTIONS),
        "opening": values.get("script.opening") or DEFAULT_OPENING,
        "closing": values.get("script.closing") or DEFAULT_CLOSING,
    }


async def save_script(
    viewer: Viewer, *, questions: list[str], opening: str, closing: str, seen: str
) -> None:
    """Admins edit the script. `seen` is the fingerprint of the script the form was opened on."""
    from rounds.auth.access import ensure_admin

    ensure_admin(viewer)
    errors: dict[str, str] = {}
    questions = [q.strip() for q in questions if q.strip()]
    if not questions:
        errors["questions"] = "Keep at least one question."
    elif len(questions) > 15 or any(len(q) > 300 for q in questions):
        errors["questions"] = "Use at most 15 questions of up to 300 characters each."
    for name, text in (("opening", opening), ("closing", closing)):
        if not text.strip():
            errors[name] = "This is required – it is read out on every round."
        elif len(text) > 1500:
            errors[name] = "Keep it under 1,500 characters."
    found = screen({"questions": "\n".join(questions), "opening": opening, "closing": closing})
    errors.update({k: v for k, v in found.items() if k not in errors})
    if errors:
        raise RoundInputError(errors)
    new = {
        "script.questions": json.dumps(questions),
        "script.opening": opening.strip(),
        "script.closing": closing.strip(),
    }
    async with db.write_transaction():
        current = await script()
        if fingerprint(current) != seen:
            raise Conflict()
        old = {
            "script.questions": json.dumps(current["questions"]),
            "script.opening": current["opening"],
            "script.closing": current["closing"],
        }
        changes = audit.diff(old, new)
        if not changes:
            return
        for key, value in new.items():
            if await Setting.exists().where(Setting.key == key):
                await Setting.update({Setting.value: value}).where(Setting.key == key)
            else:
                await Setting.insert(Setting(key=key, value=value))
        await audit.record(viewer.actor, "update", "setting", "script", changes=changes)


def fingerprint(value: Any) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


# --- assembling ----------------------------------------------------------------------------------


def _issue_summary(row: dict, today: date) -> dict:
    light = issue_rules.stoplight(row["status"])
    return {
        "id": row["id"],
        "description": row["description"],
        "status": issue_rules.STATUSES.get(row["status"], row["status"]),
        "light": light,
        "reason": row.get("cannot_do_reason") or "",
        "priority": issue_rules.PRIORITY_LABELS.get(row.get("priority") or 0, ""),
        "owner_name": row.get("owner_name") or "",
        "due_on": row.get("due_on"),
        "due_text": filters.due(row["due_on"]) if row.get("due_on") else "",
        "overdue": measures.is_fix_overdue(row, today),
    }


ISSUE_COLUMNS = (
    SafetyIssue.id,
    SafetyIssue.description,
    SafetyIssue.status,
    SafetyIssue.priority,
    SafetyIssue.due_on,
    SafetyIssue.cannot_do_reason,
    SafetyIssue.owner.display_name.as_alias("owner_name"),
)


async def assemble(row: dict) -> dict[str, Any]:
    """The briefing for one round, as plain data. `row` comes from service.get_round()."""
    unit_id, today = row["unit"], local_today()
    notes = await Briefing.select().where(Briefing.round == row["id"]).first()
    team = (
        await Membership.select(
            Membership.unit_role,
            Membership.person.display_name.as_alias("name"),
        )
        .where((Membership.unit == unit_id) & (Membership.person.active == True))
        .order_by(Membership.unit_role)
    )  # noqa: E712
    events = {
        e["kind"]: e["occurred_on"]
        for e in await LastEvent.select(LastEvent.kind, LastEvent.occurred_on).where(
            LastEvent.unit == unit_id
        )
    }
    first_month = rules.add_months(rules.month_start(today), -12)
    months = (
        await UnitMeasure.select()
        .where((UnitMeasure.unit == unit_id) & (UnitMeasure.month >= first_month))
        .order_by(UnitMeasure.month)
    )

    promised_barriers = []
    if row["executive"]:
        promised_barriers = (
            await Barrier.select(
                Barrier.id,
                Barrier.description,
                Barrier.next_follow_up_on,
                Barrier.level,
                Barrier.issue,
                Barrier.issue.description.as_alias("issue_description"),
                Barrier.issue.status.as_alias("issue_status"),
            )
            .where(
                (Barrier.unit == unit_id)
                & (Barrier.owner == row["executive"])
                & (Barrier.status == "open")
            )
            .order_by(Barrier.next_follow_up_on)
            .limit(10)
        )
    previous = (
        await SafetyRound.select(SafetyRound.id, SafetyRound.scheduled_at)
        .where(
            (SafetyRound.unit == unit_id)
            & (SafetyRound.status == "completed")
            & (SafetyRound.scheduled_at < row["scheduled_at"])
            & (SafetyRound.id != row["id"])
        )
        .order_by(SafetyRound.scheduled_at, ascending=False)
        .first()
    )
    previous_issues = []
    if previous:
        previous_issues = (
            await SafetyIssue.select(*ISSUE_COLUMNS)
            .where(SafetyIssue.round == previous["id"])
            .order_by(SafetyIssue.id)
        )

    open_filter = (SafetyIssue.unit == unit_id) & SafetyIssue.status.is_in(
        list(issue_rules.OPEN_STATUSES)
    )
    counts = await db.raw(
        f"SELECT COUNT(*) AS open, SUM(CASE WHEN {measures.sql(measures.FIX_OVERDUE)} THEN 1 ELSE 0 END) "
        f"AS overdue FROM safety_issue WHERE unit = {{}} AND {measures.sql(measures.IS_OPEN)}",
        today,
        unit_id,
    )
    unit = {"id": unit_id, "name": row["unit_name"], "staff_headcount": row.get("headcount") or 0}
    programme = await measures_service.one_unit(unit)
    top = (
        await SafetyIssue.select(*ISSUE_COLUMNS)
        .where(open_filter)
        .order_by(SafetyIssue.priority, ascending=False)
        .order_by(SafetyIssue.identified_on)
        .limit(TOP_ISSUES)
    )
    # Each list shows what the lists above it did not, so the briefing reads in a minute.
    shown = {i["id"] for i in top}
    overdue = (
        await SafetyIssue.select(*ISSUE_COLUMNS)
        .where((SafetyIssue.unit == unit_id) & measures_service.fix_overdue_where(today))
        .order_by(SafetyIssue.priority, ascending=False)
        .order_by(SafetyIssue.due_on)
        .limit(LIST_LIMIT + TOP_ISSUES)
    )
    overdue = [i for i in overdue if i["id"] not in shown][:LIST_LIMIT]
    shown |= {i["id"] for i in overdue}
    easy = (
        await SafetyIssue.select(*ISSUE_COLUMNS)
        .where(open_filter & (SafetyIssue.ease == "easy") & (SafetyIssue.priority >= 2))
        .order_by(SafetyIssue.priority, ascending=False)
        .order_by(SafetyIssue.identified_on)
        .limit(2 * LIST_LIMIT + TOP_ISSUES)
    )
    easy = [i for i in easy if i["id"] not in shown][:LIST_LIMIT]

    days_since = [
        {
            "kind": k,
            "label": rules.EVENT_KINDS[k],
            "days": rules.days_since(events.get(k), today),
            "last_on": events.get(k),
        }
        for k in DAYS_SINCE_KINDS
    ]
    trends = []
    for key in TREND_KEYS:
        label = rules.RATES[key][0]
        points = [(m["month"], rules.rates_for(m)[key]) for m in months]
        latest = next((v for _, v in reversed(points) if v is not None), None)
        trends.append(
            {
                "key": key,
                "label": label,
                "latest": latest,
                "latest_month": points[-1][0] if points else None,
                "svg": charts.sparkline(points, label),
                "text": charts.text_alternative(points, label),
            }
        )
    return {
        "round_id": row["id"],
        "unit_id": unit_id,
        "unit_name": row["unit_name"],
        "scheduled_at": row["scheduled_at"],
        "executive_name": row.get("executive_name") or "",
        "champion_name": row.get("champion_name") or "",
        "team": [
            {"name": t["name"], "role": UNIT_ROLE_LABELS.get(t["unit_role"], t["unit_role"])}
            for t in team
        ],
        "headcount": row.get("headcount") or 0,
        "measures": programme.as_dict(),
        "days_since": days_since,
        "trends": trends,
        "promised": [
            {
                "id": b["id"],
                "description": b["description"],
                "issue_id": b["issue"],
                "issue_description": b["issue_description"],
                "level": b["level"],
                "next_follow_up_on": b["next_follow_up_on"],
                "due_text": filters.due(b["next_follow_up_on"]),
                "overdue": measures.is_barrier_overdue(b, today),
                "light": issue_rules.stoplight(b["issue_status"]),
            }
            for b in promised_barriers
        ],
        "previous_round_at": previous["scheduled_at"] if previous else None,
        "previous_issues": [_issue_summary(i, today) for i in previous_issues],
        "open_count": int(counts[0]["open"] or 0) if counts else 0,
        "overdue_count": int(counts[0]["overdue"] or 0) if counts else 0,
        "top_issues": [_issue_summary(i, today) for i in top],
        "overdue_issues": [_issue_summary(i, today) for i in overdue],
        "easy_wins": [_issue_summary(i, today) for i in easy],
        "notes": {k: (notes or {}).get(k, "") for k in NOTE_FIELDS},
        "ready_at": notes["ready_at"] if notes else None,
        "script": await script(),
        "assembled_at": clock.now(),
        "sent_ahead": await _sent_ahead(unit_id, row["id"], previous),
    }


async def _sent_ahead(unit_id: int, round_id: int, previous: dict | None) -> list[dict]:
    """Staff concerns sent ahead of this round (rounds.voice), as plain data."""
    from rounds.voice.service import sent_ahead

    return await sent_ahead(unit_id, round_id, previous["scheduled_at"] if previous else None)


# --- freezing ---------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot freeze {type(value)!r}")


def dumps(content: dict) -> str:
    return json.dumps(content, default=_plain, sort_keys=True)


REQUIRED_KEYS = {
    "unit_name",
    "scheduled_at",
    "days_since",
    "trends",
    "promised",
    "previous_issues",
    "top_issues",
    "overdue_issues",
    "easy_wins",
    "notes",
    "script",
    "assembled_at",
}
# the keys of assemble()'s output that hold dates and times (notes such as "going_on" do not)
DATE_KEYS = {"last_on", "next_follow_up_on", "due_on", "latest_month"}
DATETIME_KEYS = {"scheduled_at", "previous_round_at", "ready_at", "assembled_at"}


def loads(text: str) -> dict:
    """A frozen briefing, with its dates and times back as objects."""

    def revive(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: revive(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [revive(v, key) for v in value]
        if isinstance(value, str) and value and key in DATE_KEYS:
            return date.fromisoformat(value)
        if isinstance(value, str) and value and key in DATETIME_KEYS:
            return datetime.fromisoformat(value)
        return value

    return revive(json.loads(text))


async def freeze(round_id: int, content: dict, now: datetime) -> None:
    """Keep the briefing as shown with the round (joins the caller's write transaction)."""
    frozen = dumps(content)
    existing = (
        await Briefing.select(Briefing.id, Briefing.version)
        .where(Briefing.round == round_id)
        .first()
    )
    if existing:
        await Briefing.update(
            {
                Briefing.frozen_content: frozen,
                Briefing.frozen_at: now,
                Briefing.version: existing["version"] + 1,
            }
        ).where(Briefing.id == existing["id"])
    else:
        await Briefing.insert(
            Briefing(
                round=round_id, frozen_content=frozen, frozen_at=now, updated_at=now, version=1
            )
        )


# --- reading and editing ------------------------------------------------------------------------


async def for_round(viewer: Viewer, round_id: int) -> tuple[dict, dict, bool]:
    """(round, briefing content, frozen?) – the frozen version once the round has started."""
    row = await get_round(viewer, round_id)
    if row["status"] in ("in_progress", "completed"):
        stored = (
            await Briefing.select(Briefing.frozen_content).where(Briefing.round == round_id).first()
        )
        if stored and stored["frozen_content"]:
            try:
                kept = loads(stored["frozen_content"])
            except ValueError:
                kept = None
            if isinstance(kept, dict) and REQUIRED_KEYS <= kept.keys():
                return row, kept, True
            # unreadable (written by something else): say no copy was kept rather than fail
    return row, await assemble(row), False


async def notes_for(round_id: int) -> dict | None:
    return await Briefing.select().where(Briefing.round == round_id).first()


async def save_notes(
    viewer: Viewer, round_id: int, notes: dict[str, str], *, version: int, mark_ready: bool
) -> dict:
    """The champion's notes; "Mark ready" tells the executive partner the briefing is ready."""
    row = await get_round(viewer, round_id)
    ensure_can_manage(viewer, row["unit"])
    if row["status"] not in rules.STARTABLE:
        raise RoundInputError(
            {
                "__all__": "This round has started or ended, so its briefing is kept as it was shown and can no longer be edited."
                if row["status"] != "cancelled"
                else "This round was cancelled."
            }
        )
    cleaned = {k: (notes.get(k) or "").strip() for k in NOTE_FIELDS}
    errors = {k: "Keep this under 2,000 characters." for k, v in cleaned.items() if len(v) > 2000}
    errors.update({k: v for k, v in screen(cleaned).items() if k not in errors})
    if errors:
        raise RoundInputError(errors)
    now = clock.now()
    async with db.write_transaction():
        existing = await Briefing.select().where(Briefing.round == round_id).first()
        current_version = existing["version"] if existing else 0
        if current_version != version:
            raise Conflict()
        values: dict[str, Any] = dict(cleaned)
        if mark_ready and not (existing and existing["ready_at"]):
            values.update(ready_at=now, ready_by=viewer.id)
        if existing:
            changes = audit.diff(existing, values)
            if changes:
                await Briefing.update(
                    {**values, "updated_at": now, "version": current_version + 1}
                ).where(Briefing.id == existing["id"])
                await audit.record(
                    viewer.actor,
                    "update",
                    "briefing",
                    existing["id"],
                    unit_id=row["unit"],
                    changes=changes,
                )
        else:
            created = (
                await Briefing.insert(
                    Briefing(round=round_id, **values, updated_at=now, version=1)
                ).returning(Briefing.id)
            )[0]
            await audit.record(
                viewer.actor,
                "create",
                "briefing",
                created["id"],
                unit_id=row["unit"],
                changes=audit.created(values),
            )
        if mark_ready and row["status"] == "scheduled":
            await SafetyRound.update(
                {SafetyRound.status: "briefed", SafetyRound.version: SafetyRound.version + 1}
            ).where(SafetyRound.id == round_id)
            await audit.record(
                viewer.actor,
                "update",
                "safety_round",
                round_id,
                unit_id=row["unit"],
                changes={"status": ["scheduled", "briefed"]},
            )
    return await Briefing.select().where(Briefing.round == round_id).first()


def recent(value: datetime | None, days: int = 2) -> bool:
    return value is not None and clock.now() - value < timedelta(days=days)
