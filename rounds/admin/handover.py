"""Hand-over when someone leaves: before a person is deactivated, everything they own or lead
is listed and reassigned in one transaction (audited), so nothing is left with an owner who
cannot act. What still ends up ownerless, or with an inactive owner, is flagged to the unit's
champions (home panel and reminders digest: `needs_owner`).

Defaults: issues and meeting actions go to the unit's champion, barriers to the unit's
executive partner, a round's executive or champion to another person in that role.
"""

from __future__ import annotations

from litestar.exceptions import NotFoundException

from rounds import db
from rounds.audit import service as audit
from rounds.auth import sessions
from rounds.auth.access import Viewer, ensure_admin
from rounds.barriers.tables import Barrier
from rounds.core import clock
from rounds.core.tables import Membership, Person
from rounds.issues.rules import STATUSES as ISSUE_STATUSES
from rounds.issues.tables import SafetyIssue
from rounds.meetings.tables import MeetingAction
from rounds.rounding.tables import RoundSeries, SafetyRound

UPCOMING_ROUNDS = ("scheduled", "briefed", "in_progress")


class HandOverError(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


async def _teams(unit_ids: set[int], leaving: int) -> dict[int, list[dict]]:
    """Active people on each unit except the one leaving, executive partners first."""
    if not unit_ids:
        return {}
    rows = await Membership.select(
        Membership.unit,
        Membership.unit_role,
        Membership.person.id.as_alias("id"),
        Membership.person.display_name.as_alias("name"),
    ).where(
        Membership.unit.is_in(list(unit_ids))
        & (Membership.person.active == True)  # noqa: E712
        & (Membership.person != leaving)
    )
    order = {"executive": 0, "champion": 1, "member": 2}
    teams: dict[int, list[dict]] = {u: [] for u in unit_ids}
    for row in sorted(rows, key=lambda r: (order.get(r["unit_role"], 3), r["name"])):
        if all(p["id"] != row["id"] for p in teams[row["unit"]]):
            teams[row["unit"]].append(row)
    return teams


def _first(team: list[dict], role: str) -> int | None:
    return next((p["id"] for p in team if p["unit_role"] == role), None)


async def holdings(viewer: Viewer, person_id: int) -> dict:
    """Everything this person owns or leads, each item with its default new owner and choices."""
    ensure_admin(viewer)
    person = (
        await Person.select(Person.id, Person.display_name, Person.active)
        .where(Person.id == person_id)
        .first()
    )
    if person is None:
        raise NotFoundException()
    issues = await SafetyIssue.select(
        SafetyIssue.id,
        SafetyIssue.unit,
        SafetyIssue.description,
        SafetyIssue.status,
        SafetyIssue.due_on,
        SafetyIssue.unit.name.as_alias("unit_name"),
    ).where((SafetyIssue.owner == person_id) & (SafetyIssue.status != "closed"))
    barriers = await Barrier.select(
        Barrier.id,
        Barrier.unit,
        Barrier.description,
        Barrier.next_follow_up_on,
        Barrier.unit.name.as_alias("unit_name"),
    ).where((Barrier.owner == person_id) & (Barrier.status == "open"))
    rounds = await SafetyRound.select(
        SafetyRound.id,
        SafetyRound.unit,
        SafetyRound.scheduled_at,
        SafetyRound.executive,
        SafetyRound.champion,
        SafetyRound.unit.name.as_alias("unit_name"),
    ).where(
        ((SafetyRound.executive == person_id) | (SafetyRound.champion == person_id))
        & SafetyRound.status.is_in(list(UPCOMING_ROUNDS))
    )
    series = await RoundSeries.select(
        RoundSeries.id,
        RoundSeries.unit,
        RoundSeries.every_weeks,
        RoundSeries.executive,
        RoundSeries.champion,
        RoundSeries.unit.name.as_alias("unit_name"),
    ).where(
        ((RoundSeries.executive == person_id) | (RoundSeries.champion == person_id))
        & (RoundSeries.active == True)  # noqa: E712
    )
    actions = await MeetingAction.select(
        MeetingAction.id,
        MeetingAction.description,
        MeetingAction.due_on,
        MeetingAction.issue.unit.as_alias("unit"),
        MeetingAction.issue._.unit._.name.as_alias("unit_name"),
    ).where((MeetingAction.owner == person_id) & (MeetingAction.issue.status != "closed"))
    units = await Membership.select(
        Membership.id,
        Membership.unit,
        Membership.unit_role,
        Membership.unit.name.as_alias("unit_name"),
    ).where(
        (Membership.person == person_id) & Membership.unit_role.is_in(["executive", "champion"])
    )
    unit_ids = {
        r["unit"] for group in (issues, barriers, rounds, series, actions, units) for r in group
    }
    teams = await _teams(unit_ids, person_id)
    items: list[dict] = []

    def add(kind, key, row, label, role, what):
        team = teams.get(row["unit"], [])
        items.append(
            {
                "kind": kind,
                "key": key,
                "id": row["id"],
                "unit_name": row["unit_name"],
                "what": what,
                "label": label,
                "default": _first(team, role) or _first(team, "champion"),
                "role_word": "owner"
                if kind in ("issue", "barrier", "action")
                else ("executive partner" if role == "executive" else "champion"),
                "choices": [(p["id"], p["name"]) for p in team],
            }
        )

    for i in issues:
        add("issue", f"issue_{i['id']}", i, "Safety issue", "champion", i["description"])
    for b in barriers:
        add("barrier", f"barrier_{b['id']}", b, "Barrier", "executive", b["description"])
    for r in rounds:
        for role in ("executive", "champion"):
            if r[role] == person_id:
                label = (
                    "Safety round – executive partner"
                    if role == "executive"
                    else "Safety round – champion"
                )
                add("round", f"round_{r['id']}_{role}", r, label, role, r["scheduled_at"])
    for s in series:
        for role in ("executive", "champion"):
            if s[role] == person_id:
                add(
                    "series",
                    f"series_{s['id']}_{role}",
                    s,
                    f"Recurring rounds every {s['every_weeks']} weeks – {role if role == 'champion' else 'executive partner'}",
                    role,
                    None,
                )
    for a in actions:
        add("action", f"action_{a['id']}", a, "Meeting action", "champion", a["description"])
    for m in units:
        role = m["unit_role"]
        add(
            "unit",
            f"unit_{m['id']}",
            m,
            "Executive partner of the unit" if role == "executive" else "Unit champion",
            role,
            None,
        )
    return {"person": person, "items": items}


async def hand_over(viewer: Viewer, person_id: int, chosen: dict[str, int | None]) -> int:
    """Reassign everything listed by `holdings` (chosen: item key -> new person id, None for
    nobody yet: then it is flagged to the unit's champions) and deactivate the person, in one
    transaction, every change audited. Returns how many items moved."""
    if person_id == viewer.id:  # as on the person form: an admin cannot lock themselves out
        raise HandOverError(
            {"person": "You cannot deactivate yourself: ask another administrator."}
        )
    found = await holdings(viewer, person_id)
    errors = {}
    for item in found["items"]:
        new = chosen.get(item["key"])
        if new is not None and new not in {pid for pid, _ in item["choices"]}:
            errors[item["key"]] = "Choose someone active on this unit's team."
    if errors:
        raise HandOverError(errors)
    moved = 0
    now = clock.now()
    async with db.write_transaction():
        for item in found["items"]:
            new = chosen.get(item["key"])
            kind, row_id = item["kind"], item["id"]
            if kind in ("issue", "barrier"):  # versioned records: a new owner is a new version
                table, name = (
                    (SafetyIssue, "safety_issue") if kind == "issue" else (Barrier, "barrier")
                )
                current = (
                    await table.select(table.version, table.unit).where(table.id == row_id).first()
                )
                if current is None:
                    continue  # removed since the list was made: nothing left to hand over
                await table.update(
                    {"owner": new, "updated_at": now, "version": current["version"] + 1}
                ).where(table.id == row_id)
                await _audit(
                    viewer,
                    name,
                    row_id,
                    current["unit"],
                    "owner",
                    person_id,
                    new,
                    current["version"],
                )
            elif kind in ("round", "series"):
                role = item["key"].rsplit("_", 1)[1]
                table = SafetyRound if kind == "round" else RoundSeries
                row = await table.select(table.unit).where(table.id == row_id).first()
                if row is None:
                    continue
                unit = row["unit"]
                await table.update({role: new}).where(table.id == row_id)
                name = "safety_round" if kind == "round" else "round_series"
                await _audit(viewer, name, row_id, unit, role, person_id, new, None)
            elif kind == "action":
                await MeetingAction.update({MeetingAction.owner: new}).where(
                    MeetingAction.id == row_id
                )
                await _audit(viewer, "meeting_action", row_id, None, "owner", person_id, new, None)
            elif kind == "unit" and new is not None:
                membership = await Membership.select().where(Membership.id == row_id).first()
                if membership is None:
                    continue
                role = membership["unit_role"]
                existing = (
                    await Membership.select()
                    .where((Membership.unit == membership["unit"]) & (Membership.person == new))
                    .first()
                )
                if existing is None:
                    await Membership.insert(
                        Membership(person=new, unit=membership["unit"], unit_role=role)
                    )
                elif existing["unit_role"] != role and existing["unit_role"] == "member":
                    await Membership.update({Membership.unit_role: role}).where(
                        Membership.id == existing["id"]
                    )
                await audit.record(
                    viewer.actor,
                    "update",
                    "unit",
                    membership["unit"],
                    unit_id=membership["unit"],
                    changes={role: [person_id, new]},
                )
            moved += 1
        person = (
            await Person.select(Person.active, Person.version).where(Person.id == person_id).first()
        )
        if person is not None and person["active"]:
            await Person.update(
                {Person.active: False, Person.version: person["version"] + 1}
            ).where(Person.id == person_id)
            await audit.record(
                viewer.actor,
                "update",
                "person",
                person_id,
                changes={"active": [True, False], "handed_over": [None, moved]},
            )
    await sessions.end_all_for(person_id)  # deactivation signs the person out everywhere
    return moved


async def _audit(viewer, object_type, row_id, unit_id, field, old, new, version):
    changes = {field: [old, new]}
    if version is not None:
        changes["version"] = [version, version + 1]
    await audit.record(
        viewer.actor, "update", object_type, row_id, unit_id=unit_id, changes=changes
    )


# --- what still needs an owner (champion's home panel and reminders) ------------------------


async def needs_owner(unit_ids: list[int], *, limit: int | None = None) -> list[dict]:
    """Open issues and barriers on these units whose owner has left (inactive), or that lost
    their owner after planning (an issue still "new" without an owner is simply not planned).

    Two statements, each two index ranges - (unit, owner, status) on safety_issue and (unit,
    status, owner) on barrier, for the owners who left and for no owner - so the cost is what
    is found, not the units' history (the unit's whole index, 16,000 entries a unit at a
    million issues, when written as one condition with OR)."""
    if not unit_ids:
        return []
    units = sorted(unit_ids)
    marks = ", ".join("{}" for _ in units)
    tail = f" LIMIT {int(limit)}" if limit else ""
    left = "SELECT id FROM person WHERE NOT active"
    not_closed = ", ".join(f"'{s}'" for s in ISSUE_STATUSES if s != "closed")
    planned = ", ".join(f"'{s}'" for s in ISSUE_STATUSES if s not in ("closed", "new"))

    def both(table: str, owner_left: str, no_owner: str) -> str:
        columns = "t.id, t.unit, t.description, {} AS owner_name, u.name AS unit_name"
        return (
            f"SELECT {columns.format('p.display_name')} FROM {table} t "
            "JOIN unit u ON u.id = t.unit JOIN person p ON p.id = t.owner "
            f"WHERE t.unit IN ({marks}) AND t.owner IN ({left}) AND {owner_left} "
            f"UNION ALL SELECT {columns.format('NULL')} FROM {table} t "
            f"JOIN unit u ON u.id = t.unit WHERE t.unit IN ({marks}) AND t.owner IS NULL "
            f"AND {no_owner}{tail}"
        )

    issues = await db.fetch(
        both("safety_issue", f"t.status IN ({not_closed})", f"t.status IN ({planned})"),
        *units,
        *units,
    )
    barriers = await db.fetch(
        both("barrier", "t.status = 'open'", "t.status = 'open'"), *units, *units
    )
    out = [{**i, "kind": "issue", "link": f"/issues/{i['id']}"} for i in issues]
    out += [{**b, "kind": "barrier", "link": f"/barriers/{b['id']}"} for b in barriers]
    return out[:limit] if limit else out
