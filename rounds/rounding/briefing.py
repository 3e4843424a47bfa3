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
# The briefing page shows a summary (what the executive reads in the corridor) and collapsed
# sections that load on demand. `summary()` and `section()` build each part from a handful of
# statements; `assemble()` builds everything (frozen when the round starts, and the editor's preview).

SECTIONS = ("issues", "trends", "sent_ahead", "notes", "script")
PROMISED_SHOWN = 3  # barriers listed in the summary; the rest are counted (My follow-ups has them)
EASY = "easy"


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
        "easy_win": issue_rules.is_easy_win(
            row.get("priority") or 0, row.get("ease") or "", row["status"]
        ),
    }


ISSUE_COLUMNS = (
    SafetyIssue.id,
    SafetyIssue.description,
    SafetyIssue.status,
    SafetyIssue.priority,
    SafetyIssue.ease,
    SafetyIssue.due_on,
    SafetyIssue.cannot_do_reason,
    SafetyIssue.owner.display_name.as_alias("owner_name"),
)


def _open_filter(unit_id: int):
    return (SafetyIssue.unit == unit_id) & SafetyIssue.status.is_in(list(issue_rules.OPEN_STATUSES))


_TOP_SQL = " UNION ALL ".join(
    # per priority, the oldest open issues first, read in order from (unit, priority,
    # identified_on, id): "highest priority, then oldest" in one index order would read and sort
    # every open issue of the unit (48 ms at 1,000,000 issues)
    "SELECT * FROM (SELECT i.id, i.description, i.status, i.priority, i.ease, i.due_on, "
    "i.identified_on, i.cannot_do_reason, p.display_name AS owner_name FROM safety_issue i "
    "LEFT JOIN person p ON p.id = i.owner WHERE i.unit = {} AND i.priority = "
    f"{priority} AND {measures.sql(measures.IS_OPEN, table='i')} "
    f"ORDER BY i.identified_on, i.id LIMIT {TOP_ISSUES}) AS top_{priority}"
    for priority in sorted(issue_rules.PRIORITY_LABELS, reverse=True)
)


def _day(value):
    """db.fetch gives SQLite dates as ISO text, PostgreSQL's as dates."""
    return date.fromisoformat(value) if value.__class__ is str else value


async def _top(unit_id: int) -> list[dict]:
    """The three open issues to talk about: highest priority first, then the oldest."""
    rows = await db.fetch(_TOP_SQL, *[unit_id] * len(issue_rules.PRIORITY_LABELS))
    for row in rows:
        row["due_on"], row["identified_on"] = _day(row["due_on"]), _day(row["identified_on"])
    rows.sort(key=lambda r: (-r["priority"], r["identified_on"], r["id"]))
    return rows[:TOP_ISSUES]


async def _previous(row: dict) -> dict | None:
    """The unit's last completed round before this one."""
    return (
        await SafetyRound.select(SafetyRound.id, SafetyRound.scheduled_at)
        .where(
            (SafetyRound.unit == row["unit"])
            & (SafetyRound.status == "completed")
            & (SafetyRound.scheduled_at < row["scheduled_at"])
            & (SafetyRound.id != row["id"])
        )
        .order_by(SafetyRound.scheduled_at, ascending=False)
        .first()
    )


_FIX_OVERDUE_INDEXED = measures.sql(measures.FIX_OVERDUE_INDEXED)


def _counts_sql(unit_id: int, today: date, since_at: datetime | None) -> tuple:
    """Open and overdue issues now; with a last round, also those raised since it, and those
    done or found impossible since it (their stoplight changed). One statement of separate
    counts, each read from an index that starts with the unit (one pass over the unit's rows
    matching any of them took 55 ms at 1,000,000 issues)."""
    one = "(SELECT COUNT(*) FROM safety_issue WHERE unit = {} AND %s) AS %s"
    columns = [
        one % (measures.sql(measures.IS_OPEN), "open"),
        # *fix overdue* (open, due before today) in the expressions of the index
        # safety_issue_unit_due_order, so it is counted inside the index (55 ms -> 0.2 at 1M)
        one % (_FIX_OVERDUE_INDEXED, "overdue"),
    ]
    args: list[Any] = [unit_id, unit_id, today]
    if since_at is not None:
        columns += [
            one % ("identified_on >= {}", "raised"),
            one % ("status IN ('resolved', 'closed') AND status_changed_at >= {}", "done"),
            one % ("status = 'cannot_do' AND status_changed_at >= {}", "cannot"),
        ]
        args += [unit_id, since_at.date(), unit_id, since_at, unit_id, since_at]
    return (f"SELECT {', '.join(columns)}", *args)


async def summary(row: dict, notes: dict | None) -> dict[str, Any]:
    """The first screen: days since harm, what the executive promised (with stoplights), what
    changed since the last round, the top three issues, the champion's headline and asks.
    `row` comes from service.get_round(), `notes` is the round's Briefing row (or None)."""
    unit_id, today = row["unit"], local_today()
    events = {
        e["kind"]: e["occurred_on"]
        for e in await LastEvent.select(LastEvent.kind, LastEvent.occurred_on).where(
            LastEvent.unit == unit_id
        )
    }
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
    previous = await _previous(row)
    previous_issues = []
    if previous:
        previous_issues = (
            await SafetyIssue.select(*ISSUE_COLUMNS)
            .where(SafetyIssue.round == previous["id"])
            .order_by(SafetyIssue.id)
            .limit(4)  # the glance shows three and links to the read-back for the rest
        )
    # open and overdue now, and what changed on the unit's log since the last round, in one pass
    since_at = previous["scheduled_at"] if previous else None
    counts = await db.raw(*_counts_sql(unit_id, today, since_at))
    counted = dict(counts[0]) if counts else {}
    top = await _top(unit_id)
    sent_ahead = await _sent_ahead_count(unit_id, row["id"], since_at)

    days_since = [
        {
            "kind": k,
            "label": rules.EVENT_KINDS[k],
            "days": rules.days_since(events.get(k), today),
            "last_on": events.get(k),
        }
        for k in DAYS_SINCE_KINDS
    ]
    changes = None
    if since_at is not None:
        changes = {
            "raised": int(counted.get("raised") or 0),
            "done": int(counted.get("done") or 0),
            "cannot": int(counted.get("cannot") or 0),
            "harm": [
                {"label": d["label"], "last_on": d["last_on"]}
                for d in days_since
                if d["last_on"] is not None and d["last_on"] >= since_at.date()
            ],
        }
    return {
        "round_id": row["id"],
        "unit_id": unit_id,
        "unit_name": row["unit_name"],
        "scheduled_at": row["scheduled_at"],
        "executive_name": row.get("executive_name") or "",
        "champion_name": row.get("champion_name") or "",
        "headcount": row.get("headcount") or 0,
        "days_since": days_since,
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
        "previous_round_at": since_at,
        "previous_round_id": previous["id"] if previous else None,
        "previous_issues": [_issue_summary(i, today) for i in previous_issues],
        "changes": changes,
        "sent_ahead_count": sent_ahead,
        "open_count": int(counted.get("open") or 0),
        "overdue_count": int(counted.get("overdue") or 0),
        "top_issues": [_issue_summary(i, today) for i in top],
        "notes": {k: (notes or {}).get(k, "") for k in NOTE_FIELDS},
        "ready_at": notes["ready_at"] if notes else None,
        "assembled_at": clock.now(),
    }


async def section(row: dict, name: str, previous_round_at: Any = ...) -> dict[str, Any]:
    """One collapsed section's content, as plain data (keys merged into the summary's)."""
    unit_id, today = row["unit"], local_today()
    if name == "issues":
        # each list shows what the lists above it did not, so the briefing reads in a minute
        shown = {i["id"] for i in await _top(unit_id)}
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
            .where(_open_filter(unit_id) & (SafetyIssue.ease == EASY) & (SafetyIssue.priority >= 2))
            .order_by(SafetyIssue.priority, ascending=False)
            .order_by(SafetyIssue.identified_on)
            .limit(2 * LIST_LIMIT + TOP_ISSUES)
        )
        easy = [i for i in easy if i["id"] not in shown][:LIST_LIMIT]
        return {
            "overdue_issues": [_issue_summary(i, today) for i in overdue],
            "easy_wins": [_issue_summary(i, today) for i in easy],
        }
    if name == "trends":
        first_month = rules.add_months(rules.month_start(today), -12)
        months = (
            await UnitMeasure.select()
            .where((UnitMeasure.unit == unit_id) & (UnitMeasure.month >= first_month))
            .order_by(UnitMeasure.month)
        )
        unit = {
            "id": unit_id,
            "name": row["unit_name"],
            "staff_headcount": row.get("headcount") or 0,
        }
        programme = await measures_service.one_unit(unit)
        return {
            "trends": [_trend(key, months) for key in TREND_KEYS],
            "measures": programme.as_dict(),
        }
    if name == "sent_ahead":
        if previous_round_at is ...:
            previous = await _previous(row)
            previous_round_at = previous["scheduled_at"] if previous else None
        return {"sent_ahead": await _sent_ahead(unit_id, row["id"], previous_round_at)}
    if name == "notes":
        team = (
            await Membership.select(
                Membership.unit_role,
                Membership.person.display_name.as_alias("name"),
            )
            .where((Membership.unit == unit_id) & (Membership.person.active == True))  # noqa: E712
            .order_by(Membership.unit_role)
        )
        return {
            "team": [
                {"name": t["name"], "role": UNIT_ROLE_LABELS.get(t["unit_role"], t["unit_role"])}
                for t in team
            ]
        }
    if name == "script":
        return {"script": await script()}
    raise ValueError(name)


def _trend(key: str, months: list[dict]) -> dict:
    """One rate's last 12 months: the sparkline, and in words its latest value, its range and
    which direction is better (every rate on the briefing counts harm: lower is better)."""
    label = rules.RATES[key][0]
    points = [(m["month"], rules.rates_for(m)[key]) for m in months]
    values = [v for _, v in points if v is not None]
    latest_month, latest = next(
        ((m, v) for m, v in reversed(points) if v is not None), (None, None)
    )
    return {
        "key": key,
        "label": label,
        "latest": latest,
        "latest_month": latest_month,
        "low": min(values) if values else None,
        "high": max(values) if values else None,
        "better": "lower",
        "svg": charts.sparkline(points, label),
        "text": charts.text_alternative(points, label),
    }


async def assemble(row: dict) -> dict[str, Any]:
    """The whole briefing for one round, as plain data (kept with the round when it starts).
    `row` comes from service.get_round()."""
    notes = await Briefing.select().where(Briefing.round == row["id"]).first()
    content = await summary(row, notes)
    for name in SECTIONS:
        content.update(await section(row, name, content["previous_round_at"]))
    return content


async def _sent_ahead(unit_id: int, round_id: int, since: datetime | None) -> list[dict]:
    """Staff concerns sent ahead of this round (rounds.voice), as plain data."""
    from rounds.voice.service import sent_ahead

    return await sent_ahead(unit_id, round_id, since)


async def _sent_ahead_count(unit_id: int, round_id: int, since: datetime | None) -> int:
    from rounds.voice.service import sent_ahead_count

    return await sent_ahead_count(unit_id, round_id, since)


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


async def for_round(
    viewer: Viewer, round_id: int, parts: tuple[str, ...] | None = None
) -> tuple[dict, dict, bool]:
    """(round, briefing content, frozen?) – the frozen version once the round has started.

    `parts` names what to build of a live briefing: "summary" and/or names from SECTIONS (None:
    everything). A kept briefing is read whole: it is one row.
    """
    row = await get_round(viewer, round_id)
    stored = await Briefing.select().where(Briefing.round == round_id).first()
    if row["status"] in ("in_progress", "completed") and stored and stored["frozen_content"]:
        try:
            kept = loads(stored["frozen_content"])
        except ValueError:
            kept = None
        if isinstance(kept, dict) and REQUIRED_KEYS <= kept.keys():
            return row, kept, True
        # unreadable (written by something else): say no copy was kept rather than fail
    if parts is None:
        parts = ("summary", *SECTIONS)
    content: dict[str, Any] = {}
    if "summary" in parts:
        content.update(await summary(row, stored))
    for name in SECTIONS:
        if name in parts:
            content.update(await section(row, name, content.get("previous_round_at", ...)))
    if "notes" in parts:  # the champion's notes in full: from the row read above
        content["notes"] = {k: (stored or {}).get(k, "") for k in NOTE_FIELDS}
    return row, content, False


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
    return db.found(await Briefing.select().where(Briefing.round == round_id).first())


def recent(value: datetime | None, days: int = 2) -> bool:
    return value is not None and clock.now() - value < timedelta(days=days)
