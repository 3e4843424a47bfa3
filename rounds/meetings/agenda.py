"""The agenda builds itself from the unit's data since the last meeting.

A handful of indexed queries, each scoped to the meeting's unit (and, for new issues and wins,
the date range since the last meeting), so building it stays fast with 100,000 issues in the
database. Once the minutes are final, the agenda as discussed is read from the snapshot items
kept with them instead of the live log.
"""

from __future__ import annotations

from datetime import date

from rounds import db
from rounds.barriers.rules import LEVELS as BARRIER_LEVELS
from rounds.barriers.tables import Barrier, BarrierNote
from rounds.core.clock import local, local_today
from rounds.core.tables import Unit
from rounds.issues import rules as issue_rules
from rounds.issues.rules import OPEN_STATUSES
from rounds.issues.tables import SafetyIssue
from rounds.measures import definitions as measure_defs
from rounds.measures import service as measures_service
from rounds.meetings import rules
from rounds.meetings.tables import (
    Meeting,
    MeetingAction,
    MeetingAddendum,
    MeetingAttendee,
    MeetingItem,
)
from rounds.meetings.team import unit_team
from rounds.rounding.rules import EVENT_KINDS
from rounds.rounding.tables import LastEvent, UnitMeasure
from rounds.web.filters import day, due

LIST_LIMIT = 20  # rows of each list read (and kept with the final minutes)
FIRST_ROWS = 5  # rows of each list on the first screen; "Show all" loads the rest (SHOWABLE)
SHOWABLE = ("new_issues", "overdue", "barriers", "priorities", "wins", "programme", "case")
CHOICES_LIMIT = 30
OPEN_LIMIT = 60  # open issues read for the top-issues list (the meeting's own ranking comes first)
TOP_ISSUES = 10
HELP_LEVELS = ("executive", "c_suite", "board")


_ISSUE_COLUMNS = (
    SafetyIssue.id,
    SafetyIssue.description,
    SafetyIssue.identified_on,
    SafetyIssue.status,
    SafetyIssue.priority,
    SafetyIssue.due_on,
    SafetyIssue.raised_by,
    SafetyIssue.resolved_on,
    SafetyIssue.cannot_do_reason,
    SafetyIssue.needs_executive_help,
    SafetyIssue.owner,
)


def _issue_query():
    return SafetyIssue.select(
        *_ISSUE_COLUMNS, SafetyIssue.owner.display_name.as_alias("owner_name")
    )


def _decorate(issue: dict) -> dict:
    issue["light"] = issue_rules.stoplight(issue["status"])
    issue["status_label"] = issue_rules.STATUSES.get(issue["status"], issue["status"])
    issue["priority_label"] = issue_rules.PRIORITY_LABELS.get(issue["priority"], "")
    return issue


async def previous_meeting(meeting: dict) -> dict | None:
    return (
        await Meeting.select(Meeting.id, Meeting.scheduled_at)
        .where((Meeting.unit == meeting["unit"]) & (Meeting.scheduled_at < meeting["scheduled_at"]))
        .order_by(Meeting.scheduled_at, ascending=False)
        .first()
    )


async def build_agenda(meeting: dict, *, only_priorities: bool = False) -> dict:
    unit_id, meeting_id = meeting["unit"], meeting["id"]
    today = local_today()
    meeting_on = local(meeting["scheduled_at"]).date()
    finalised = meeting["finalised_at"] is not None
    previous = await previous_meeting(meeting)
    since = rules.since_date(
        local(previous["scheduled_at"]).date() if previous else None, meeting_on
    )
    until = meeting_on if finalised or meeting_on < today else today
    items = (
        await MeetingItem.select(*MeetingItem.all_columns())
        .where(MeetingItem.meeting == meeting_id)
        .order_by(MeetingItem.position)
        .order_by(MeetingItem.id)
    )
    ranked = [
        i
        for i in items
        if i["section"] == "priorities" and i["issue"] is not None and not i["removed"]
    ]

    context: dict = {
        "meeting": meeting,
        "previous": previous,
        "since": since,
        "meeting_on": meeting_on,
        "finalised": finalised,
    }
    if only_priorities:
        context["priorities"] = await _priorities(unit_id, ranked, None)
        return context

    team = await unit_team(unit_id)
    attendees = (
        await MeetingAttendee.select(*MeetingAttendee.all_columns())
        .where(MeetingAttendee.meeting == meeting_id)
        .order_by(MeetingAttendee.id)
    )
    actions = (
        await MeetingAction.select(
            *MeetingAction.all_columns(),
            MeetingAction.owner.display_name.as_alias("owner_name"),
            MeetingAction.issue.description.as_alias("issue_description"),
            MeetingAction.issue.status.as_alias("issue_status"),
            MeetingAction.issue.resolved_on.as_alias("issue_resolved_on"),
        )
        .where(MeetingAction.meeting == meeting_id)
        .order_by(MeetingAction.id)
    )
    addenda = []
    if finalised:  # corrections to final minutes: an open meeting has none
        addenda = await (
            MeetingAddendum.select(
                *MeetingAddendum.all_columns(),
                MeetingAddendum.author.display_name.as_alias("author_name"),
            )
            .where(MeetingAddendum.meeting == meeting_id)
            .order_by(MeetingAddendum.at)
        )
    measures = (
        await UnitMeasure.select(*UnitMeasure.all_columns())
        .where((UnitMeasure.unit == unit_id) & (UnitMeasure.month <= meeting_on))
        .order_by(UnitMeasure.month, ascending=False)
        .limit(3)
    )
    events = await LastEvent.select(LastEvent.kind, LastEvent.occurred_on).where(
        LastEvent.unit == unit_id
    )

    for action in actions:
        action["light"] = issue_rules.stoplight(action["issue_status"] or "")
        action["done_on_time"] = rules.action_done_on_time(
            action["issue_status"] or "", action["issue_resolved_on"], action["due_on"]
        )
    reference_day = min(today, meeting_on)
    days_since = []
    order = list(EVENT_KINDS)
    for event in sorted(
        events,
        key=lambda e: (order.index(e["kind"]) if e["kind"] in order else len(order), e["kind"]),
    ):
        if event["occurred_on"] is None or event["occurred_on"] > reference_day:
            continue
        days_since.append(
            {
                "label": EVENT_KINDS.get(event["kind"], event["kind"].replace("_", " ")),
                "days": (reference_day - event["occurred_on"]).days,
                "on": event["occurred_on"],
            }
        )
    for measure in measures:
        measure["rates"] = _rates(measure)

    present_ids = {a["person"] for a in attendees if a["person"] is not None and a["present"]}
    context.update(
        {
            "team": team,
            "present_ids": present_ids,
            "guests": [a for a in attendees if a["person"] is None],
            "executives_present": [
                m for m in team if m["unit_role"] == "executive" and m["person_id"] in present_ids
            ],
            "actions": actions,
            "addenda": addenda,
            "measures": measures,
            "days_since": days_since,
            "removed_items": [
                i for i in items if i["removed"] and i["issue"] is None and i["barrier"] is None
            ],
        }
    )

    case = None
    if meeting["case_issue"]:
        case = await _issue_query().where(SafetyIssue.id == meeting["case_issue"]).first()
        if case:
            _decorate(case)
    context["case"] = case

    if finalised:
        linked = [
            i
            for i in items
            if (i["issue"] is not None or i["barrier"] is not None) and not i["removed"]
        ]
        context.update(
            {
                "new_issues": [],
                "overdue": [],
                "barriers": [],
                "wins": [],
                "priorities": [],
                "case_candidates": [],
                "issue_choices": {},
                "barriers_needing_help": [],
                "totals": {},
                "linked": linked,
            }
        )
    else:
        lists = await _issue_lists(unit_id, since, until, today)
        new_issues, overdue, wins = lists["new"], lists["overdue"], lists["wins"]
        open_issues = lists["open"]
        barriers = (
            await Barrier.select(
                *Barrier.all_columns(),
                Barrier.owner.display_name.as_alias("owner_name"),
                Barrier.issue.description.as_alias("issue_description"),
            )
            .where((Barrier.unit == unit_id) & (Barrier.status == "open"))
            .order_by(Barrier.next_follow_up_on)
            .limit(LIST_LIMIT)
        )
        notes_by_barrier: dict[int, list[dict]] = {}
        if barriers:
            notes = (
                await BarrierNote.select(
                    BarrierNote.barrier,
                    BarrierNote.at,
                    BarrierNote.kind,
                    BarrierNote.body,
                    BarrierNote.next_follow_up_on,
                    BarrierNote.author.display_name.as_alias("author_name"),
                )
                .where(BarrierNote.barrier.is_in([b["id"] for b in barriers]))
                .order_by(BarrierNote.at, ascending=False)
                .limit(LIST_LIMIT * 10)
            )
            for note in notes:
                notes_by_barrier.setdefault(note["barrier"], []).append(note)
        for barrier in barriers:
            barrier["notes"] = notes_by_barrier.get(barrier["id"], [])
            barrier["overdue"] = measure_defs.is_barrier_overdue(barrier, today)
            barrier["level_label"] = BARRIER_LEVELS.get(barrier["level"], barrier["level"])
        priorities = await _priorities(unit_id, ranked, open_issues)
        barrier_issues = [
            {"id": b["issue"], "description": b["issue_description"] or ""} for b in barriers
        ]
        top_new = new_issues[:LIST_LIMIT]
        candidates = _unique([case] if case else [], top_new, priorities)
        context.update(
            {
                "new_issues": new_issues[:LIST_LIMIT],
                "overdue": overdue[:LIST_LIMIT],
                "wins": wins[:LIST_LIMIT],
                # exact numbers behind each list (the page shows FIRST_ROWS, then "Show all")
                "totals": lists["totals"],
                "barriers": barriers,
                "barriers_needing_help": [b for b in barriers if b["level"] in HELP_LEVELS],
                "priorities": priorities,
                "case_candidates": candidates,
                # the issues an action item in each section may update: the ones that section shows
                "issue_choices": {
                    "data": priorities,
                    "new_issues": _unique(top_new),
                    "commitments": _unique(overdue[:LIST_LIMIT], barrier_issues),
                    "case": candidates,
                    "priorities": priorities,
                    "wins": _unique(wins[:LIST_LIMIT], priorities),
                    "upward": _unique(barrier_issues, priorities),
                },
                "linked": [],
            }
        )

    visible = [i for i in items if not i["removed"]]
    context["all_items"] = [i for i in visible if i["issue"] is None and i["barrier"] is None]
    actions_by_item: dict[int | None, list[dict]] = {}
    for action in actions:
        actions_by_item.setdefault(action["item"], []).append(action)
    sections = []
    for key, label in rules.SECTIONS.items():
        sections.append(
            {
                "key": key,
                "label": label,
                "hint": rules.SECTION_HINTS[key],
                "entries": [i for i in context["all_items"] if i["section"] == key],
                "linked": [i for i in context["linked"] if i["section"] == key],
            }
        )
    strays = [i for i in context["all_items"] if i["section"] not in rules.SECTIONS]
    stray_links = [i for i in context["linked"] if i["section"] not in rules.SECTIONS]
    if strays or stray_links:  # items from an older agenda layout or an import: never hidden
        sections.append(
            {
                "key": "other",
                "label": "Other items",
                "hint": "Items kept from an earlier agenda.",
                "entries": strays,
                "linked": stray_links,
            }
        )
    context["sections"] = sections
    context["actions_by_item"] = actions_by_item
    context["unassigned_actions"] = [
        a
        for a in actions
        if a["item"] is None or a["item"] not in {i["id"] for i in context["all_items"]}
    ]
    return context


# The four issue lists of an open meeting's agenda and the exact number behind each, in one
# statement: each part is bounded by the (unit, ...) indexes and LIMITed; ROW_NUMBER keeps each
# part's order whichever way the database returns the UNION.
_ISSUE_SQL_COLUMNS = (
    "i.id, i.description, i.identified_on, i.status, i.priority, i.due_on, i.raised_by, "
    "i.resolved_on, i.cannot_do_reason, i.needs_executive_help, i.owner, "
    "p.display_name AS owner_name"
)
_NO_ROW = ", ".join(["NULL"] * 12)
_OPEN_SQL = "i.status IN ({})".format(", ".join(f"'{s}'" for s in OPEN_STATUSES))
_PRIORITIES_SQL = ", ".join(str(p) for p in issue_rules.PRIORITY_LABELS)
_ISSUE_PARTS = {
    # "priority IN (every value)" lets the (unit, priority, identified_on) index answer the
    # date range within the unit (measured on 100,000 issues: 14 ms -> 1 ms on SQLite)
    "new": (
        f"i.priority IN ({_PRIORITIES_SQL}) AND i.identified_on >= {{}} AND i.identified_on <= {{}}",
        "i.identified_on DESC, i.id DESC",
        LIST_LIMIT,
    ),
    # the expressions of the index safety_issue_unit_due_order: open, dated, due before today, read
    # in due order (no sort), and counted inside the index
    "overdue": (
        measure_defs.sql(measure_defs.FIX_OVERDUE_INDEXED, table="i"),
        "i.due_on, i.id",
        LIST_LIMIT,
    ),
    "wins": (
        # (unit, resolved_on): the range since the last meeting, newest first, no sort
        "i.resolved_on >= {} AND i.status IN ('resolved', 'closed')",
        "i.resolved_on DESC, i.id DESC",
        LIST_LIMIT,
    ),
    "open": (_OPEN_SQL, "i.priority DESC, i.due_on, i.id", OPEN_LIMIT),
}


def _issue_lists_sql(unit_id: int, since, until, today) -> tuple[str, list]:
    args = {"new": [since, until], "overdue": [today], "wins": [since], "open": []}
    parts, values = [], []
    for name, (where, order, limit) in _ISSUE_PARTS.items():
        table = "safety_issue i"
        if name == "open" and db.is_sqlite():
            # SQLite's statistics favour (unit, status) and sort the unit's ~3,000 open issues
            # at 1,000,000 (35-45 ms); read in the agenda's order, the first 60 open ones: 0.1 ms
            table += " INDEXED BY safety_issue_unit_agenda"
        parts.append(
            f"SELECT * FROM (SELECT '{name}' AS part, ROW_NUMBER() OVER (ORDER BY {order}) AS n, "
            f"{_ISSUE_SQL_COLUMNS} FROM {table} LEFT JOIN person p ON p.id = i.owner "
            f"WHERE i.unit = {{}} AND {where} ORDER BY {order} LIMIT {limit}) AS rows_{name}"
        )
        values += [unit_id, *args[name]]
    for name, (where, _order, _limit) in _ISSUE_PARTS.items():
        if name == "open":
            continue
        parts.append(
            f"SELECT '{name}' AS part, COUNT(*) AS n, {_NO_ROW} FROM safety_issue i "
            f"WHERE i.unit = {{}} AND {where}"
        )
        values += [unit_id, *args[name]]
    help_levels = ", ".join(f"'{level}'" for level in HELP_LEVELS)
    parts.append(
        f"SELECT 'barriers' AS part, COUNT(*) AS n, {_NO_ROW} FROM barrier "
        "WHERE unit = {} AND status = 'open'"
    )
    parts.append(
        f"SELECT 'help' AS part, COUNT(*) AS n, {_NO_ROW} FROM barrier "
        f"WHERE unit = {{}} AND status = 'open' AND level IN ({help_levels})"
    )
    values += [unit_id, unit_id]
    return " UNION ALL ".join(parts), values


def _day(value):
    """db.fetch gives SQLite dates as ISO text, PostgreSQL's as dates."""
    return date.fromisoformat(value) if value.__class__ is str else value


async def _issue_lists(unit_id: int, since, until, today) -> dict:
    """{"new", "overdue", "wins", "open": decorated rows; "totals": {list: exact count}}."""
    sql, values = _issue_lists_sql(unit_id, since, until, today)
    lists: dict = {name: [] for name in _ISSUE_PARTS}
    totals: dict[str, int] = {}
    for row in sorted(await db.fetch(sql, *values), key=lambda r: (r["part"], r["n"])):
        part = row.pop("part")
        if row["id"] is None:
            totals[part] = int(row["n"])
            continue
        row.pop("n")
        for key in ("identified_on", "due_on", "resolved_on"):
            row[key] = _day(row[key])
        row["needs_executive_help"] = bool(row["needs_executive_help"])
        lists[part].append(_decorate(row))
    lists["totals"] = {
        "new_issues": totals.get("new", 0),
        "overdue": totals.get("overdue", 0),
        "wins": totals.get("wins", 0),
        "barriers": totals.get("barriers", 0),
        "barriers_needing_help": totals.get("help", 0),
    }
    return lists


async def programme_measures(unit_id: int):
    """The unit's programme measures over the last 12 months (a collapsed part of the agenda:
    five statements over a year of the log, so only when it is opened)."""
    unit = (
        await Unit.select(Unit.id, Unit.name, Unit.staff_headcount)
        .where(Unit.id == unit_id)
        .first()
    )
    return await measures_service.one_unit(unit) if unit else None


def _unique(*lists: list[dict]) -> list[dict]:
    """Issues from several lists, each once, in order (at most CHOICES_LIMIT)."""
    seen: set[int] = set()
    out = []
    for rows in lists:
        for row in rows:
            if row["id"] not in seen and len(out) < CHOICES_LIMIT:
                seen.add(row["id"])
                out.append(row)
    return out


async def _priorities(
    unit_id: int, ranked: list[dict], open_issues: list[dict] | None
) -> list[dict]:
    """The top open issues: the meeting's own ranking first, then by priority and due date."""
    if open_issues is None:
        open_issues = (
            await _issue_query()
            .where((SafetyIssue.unit == unit_id) & SafetyIssue.status.is_in(list(OPEN_STATUSES)))
            .order_by(SafetyIssue.priority, ascending=False)
            .order_by(SafetyIssue.due_on)
            .order_by(SafetyIssue.id)
            .limit(OPEN_LIMIT)
        )
        for row in open_issues:
            _decorate(row)
    by_id = {i["id"]: i for i in open_issues}
    top: list[dict] = []
    for item in ranked:
        issue = by_id.get(item["issue"])
        if issue is not None and issue not in top:
            top.append(issue)
    for issue in open_issues:
        if len(top) >= max(TOP_ISSUES, len(ranked)):
            break
        if issue not in top:
            top.append(issue)
    return top


def _rates(measure: dict) -> dict:
    """The harm rates shown beside a month's counts (one definition: measure_defs.harm_rate)."""
    return {
        key: measure_defs.harm_rate(measure[num] or 0, measure[den] or 0)
        for key, (num, den) in (
            ("falls", ("falls", "patient_days")),
            ("clabsi", ("clabsi", "central_line_days")),
            ("cauti", ("cauti", "catheter_days")),
        )
    }


def _owner_due(issue: dict) -> str:
    bits = []
    if issue.get("owner_name"):
        bits.append(f"owner {issue['owner_name']}")
    if issue.get("due_on"):
        bits.append(
            f"{due(issue['due_on'])}"
            if issue["status"] in OPEN_STATUSES
            else f"due {day(issue['due_on'])}"
        )
    bits.append(issue.get("status_label", ""))
    return " · ".join(b for b in bits if b)


def snapshot_items(meeting_id: int, context: dict) -> list[MeetingItem]:
    """The agenda as discussed, kept with the final minutes (issue and barrier items)."""
    rows: list[MeetingItem] = []

    def add(
        section: str, title: str, *, issue: int | None = None, barrier: int | None = None
    ) -> None:
        base = rules.SECTION_ORDER.index(section) * 10
        position = base + 1 + sum(1 for r in rows if r.section == section)
        rows.append(
            MeetingItem(
                meeting=meeting_id,
                section=section,
                position=position,
                title=title[:300],
                issue=issue,
                barrier=barrier,
                minutes="",
                decisions="",
                removed=False,
                version=1,
            )
        )

    def short(text: str, room: int) -> str:
        text = " ".join((text or "").split())
        return text if len(text) <= room else text[: room - 1].rstrip() + "…"

    for issue in context["new_issues"]:
        add(
            "new_issues",
            f"{short(issue['description'], 200)} — identified {day(issue['identified_on'])} · {issue['status_label']}",
            issue=issue["id"],
        )
    for issue in context["overdue"]:
        add(
            "commitments",
            f"{short(issue['description'], 200)} — {_owner_due(issue)}",
            issue=issue["id"],
        )
    for barrier in context["barriers"]:
        follow = (
            f"next follow-up {day(barrier['next_follow_up_on'])}"
            if barrier["next_follow_up_on"]
            else ""
        )
        owner = f"owner {barrier['owner_name']}" if barrier.get("owner_name") else ""
        meta = " · ".join(b for b in (barrier["level_label"], owner, follow) if b)
        add(
            "commitments",
            f"Barrier: {short(barrier['description'], 180)} — {meta}",
            issue=barrier["issue"],
            barrier=barrier["id"],
        )
    if context.get("case"):
        add(
            "case",
            f"Case of the month: {short(context['case']['description'], 220)}",
            issue=context["case"]["id"],
        )
    for issue in context["priorities"]:
        add(
            "priorities",
            f"{short(issue['description'], 200)} — {_owner_due(issue)}",
            issue=issue["id"],
        )
    for issue in context["wins"]:
        resolved = (
            f"resolved {day(issue['resolved_on'])}"
            if issue.get("resolved_on")
            else issue["status_label"]
        )
        add("wins", f"{short(issue['description'], 220)} — {resolved}", issue=issue["id"])
    return rows
