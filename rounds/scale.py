"""`rounds demo --scale`: the large benchmark data set.

60 units (by default) and 100,000 safety issues spread over 18 months, with everything the
screens read: people and memberships (one executive partner with 10 units, for the "my
follow-ups" target), rounds and briefings, 18 months of unit measures and days-since events,
barriers with follow-up notes, issue updates, monthly meetings with agenda items, attendance
and actions.

Rows are generated in Python and written in bulk on ONE connection in ONE transaction:
`executemany` through the sqlite3 module on SQLite, `COPY` (asyncpg `copy_records_to_table`)
on PostgreSQL. Ids are assigned here (from the current maximum), so foreign keys need no
round trips. Text is built from phrases about systems - no patient identifiers, and people are
named by role ("RN, nights").
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from datetime import UTC, date, datetime, timedelta

from rounds import db
from rounds.core import clock

SCALE_MARK = "scale.loaded"
DAYS = 548  # 18 months

KINDS = ["icu", "med-surg", "ed", "peri-op", "maternity", "ambulatory", "med-surg", "med-surg"]
WINGS = ["North", "South", "East", "West"]
SPECIALTIES = [
    "Medical ICU",
    "Surgical ICU",
    "Med-Surg",
    "Cardiac Step-Down",
    "Oncology",
    "Orthopaedics",
    "Neuro",
    "Telemetry",
    "Renal",
    "Paediatrics",
    "Rehabilitation",
    "Day Surgery",
]

# Phrases about systems and equipment. Combined, they give many distinct, realistic descriptions.
PROBLEMS = [
    "Infusion pumps are often missing from the clean utility room at shift change",
    "Bed alarms are silenced and not reset after transfers",
    "The sharps container in the medication room is overfilled by mid-shift",
    "Handoff between ED and the unit misses pending lab results",
    "Night shift has one fewer RN than the acuity tool suggests",
    "Look-alike vials of two strengths are stored in adjacent bins",
    "The glucometer docking station loses its network connection",
    "Call lights in the far corridor are not heard at the nurses' station",
    "Crash cart checks are skipped when the unit is short-staffed",
    "Discharge instructions are only printed in English",
    "Hand-sanitiser dispensers near the entrance are empty for days",
    "The ceiling lift in the bariatric room needs service and is tagged out",
    "Pharmacy delivers first doses late after admissions in the evening",
    "Isolation signs are removed before terminal cleaning is done",
    "The EHR times out during medication administration on the portable carts",
    "Wet floors near the ice machine are not signposted",
    "New staff have not been trained on the updated restraint policy",
    "Blood culture bottles run out on weekends",
    "Patient transport waits over an hour for imaging slots",
    "Suction equipment at the bedside is missing tubing",
]
CONTEXTS = [
    "during nights",
    "on weekends",
    "at shift change",
    "during admissions",
    "after transfers",
    "when census is high",
    "in the step-down rooms",
    "during the morning rush",
    "",
    "",
    "",
]
ROLES_RAISED = [
    "RN, nights",
    "RN, days",
    "Charge nurse",
    "Respiratory therapist",
    "Pharmacist",
    "Nursing assistant",
    "Physician, resident",
    "Unit clerk",
    "Physical therapist",
    "Environmental services",
    "Patient transport",
]
PLANS = [
    "Agree a par level with supply chain and check it daily",
    "Add the step to the handoff checklist",
    "Ask biomed to inspect and replace the faulty units",
    "Trial a visual cue at the point of care",
    "Raise with pharmacy leadership and agree a delivery window",
    "Run a ten-minute huddle teaching session",
    "Escalate to facilities with a work order and follow up weekly",
    "",
]
MEASURES = [
    "Weekly audit for four weeks shows no misses",
    "No reports of the problem at the next round",
    "Staff survey item improves",
    "",
]
BARRIER_TEXTS = [
    "Needs capital funding approval for replacement equipment",
    "Facilities work order waiting on contractor",
    "Pharmacy staffing does not cover evenings",
    "Vendor contract renewal is pending",
    "IT change request is queued behind the upgrade",
    "Policy committee meets only quarterly",
]
NOTE_TEXTS = [
    "Spoke with the department director; waiting on a quote",
    "Raised at the operations huddle",
    "Budget request submitted",
    "Vendor visit booked",
    "Escalated; decision expected at next committee",
    "Chased by e-mail; no reply yet",
]
UPDATE_TEXTS = [
    "Discussed at the huddle; owner agreed the plan",
    "Supply chain confirmed the new par level",
    "Trial started this week",
    "Checked again today - still happening on nights",
    "Fix confirmed by staff",
]
SECTIONS = [
    "unit_data",
    "new_issues",
    "overdue",
    "barriers",
    "case",
    "priorities",
    "wins",
    "upward",
]


async def build_scale(
    units: int = 60,
    issues: int = 100_000,
    *,
    password: str | None = None,
    seed: int = 11,
    quiet: bool = False,
) -> dict[str, int]:
    """Build the data set into the bound database. Returns the row counts written."""
    from rounds.core.tables import Setting

    say = (lambda *a: None) if quiet else print
    if await Setting.exists().where(Setting.key == SCALE_MARK):
        say("The scale data set is already loaded (use `rounds demo --reset --scale` to rebuild).")
        return {}
    if password is None:
        from rounds.demo import demo_password
        from rounds.settings import load_settings

        password = demo_password(load_settings().var_dir)
    from rounds.auth import passwords

    started = time.perf_counter()
    password_hash = await passwords.hash_password(password)
    engine = db.current_engine()
    starts = await _next_ids(engine)
    from rounds.issues.tables import Category

    categories = [
        row["id"] for row in await Category.select(Category.id).where(Category.active == True)
    ]  # noqa: E712
    rows = _generate(
        units, issues, password_hash, random.Random(seed), starts, categories or [None]
    )
    built = time.perf_counter()
    if isinstance(engine, db.SQLiteEngine):
        await asyncio.to_thread(_write_sqlite, engine.path, rows)
    else:
        assert isinstance(engine, db.PostgresEngine)  # make_engine makes only these two
        await _write_postgres(engine.config, rows)
    counts = {table: len(r) for table, (_cols, r) in rows.items()}
    say(
        f"Scale data set: {units} units, {counts.get('safety_issue', 0):,} safety issues, "
        f"{sum(counts.values()):,} rows in {time.perf_counter() - started:.1f} s "
        f"(generated in {built - started:.1f} s)."
    )
    say(
        f"Sign in as scale-executive@example.org (executive partner of {min(10, units)} units), "
        "scale-champion-01@example.org, scale-admin@example.org - password: the demo password."
    )
    return counts


# --- ids ------------------------------------------------------------------------------------

ID_TABLES = [
    "person",
    "unit",
    "membership",
    "safety_round",
    "briefing",
    "unit_measure",
    "unit_last_event",
    "safety_issue",
    "issue_update",
    "barrier",
    "barrier_note",
    "meeting",
    "meeting_item",
    "meeting_attendee",
    "meeting_action",
    "setting",
    "category",
]


async def _next_ids(engine) -> dict[str, int]:
    out = {}
    for table in ID_TABLES:
        row = await db.raw(f"SELECT COALESCE(MAX(id), 0) AS m FROM {table}")
        out[table] = int(row[0]["m"]) + 1
    return out


# --- generation -----------------------------------------------------------------------------


def _generate(
    n_units: int,
    n_issues: int,
    password_hash: str,
    rng: random.Random,
    start: dict[str, int],
    category_ids: list,
):
    now = clock.now().astimezone(UTC).replace(microsecond=0)
    today = now.date()
    first_day = today - timedelta(days=DAYS)
    ids = dict(start)

    def next_id(table: str) -> int:
        value = ids[table]
        ids[table] += 1
        return value

    out: dict[str, tuple[list[str], list[tuple]]] = {}

    def table(name: str, columns: str) -> list[tuple]:
        out[name] = (columns.split(), [])
        return out[name][1]

    # people --------------------------------------------------------------------------------
    person = table(
        "person",
        "id email display_name job_title role password_hash active calendar_token created_at version",
    )

    def add_person(email, name, title, role):
        pid = next_id("person")
        person.append((pid, email, name, title, role, password_hash, True, None, now, 1))
        return pid

    admin = add_person(
        "scale-admin@example.org", "Scale Admin", "Director of Patient Safety", "admin"
    )
    add_person("scale-leader@example.org", "Scale Leader", "Board Quality Liaison", "leader")
    executive = add_person(
        "scale-executive@example.org", "Scale Executive", "Chief Nursing Officer", "executive"
    )
    other_execs = [
        add_person(
            f"scale-exec-{i:02d}@example.org", f"Executive {i:02d}", "Vice-President", "executive"
        )
        for i in range(1, max(2, (n_units - 10) // 8 + 2))
    ]

    # units and teams -----------------------------------------------------------------------
    unit = table("unit", "id name kind facility staff_headcount active created_at version")
    membership = table("membership", "id person unit unit_role")
    unit_ids, teams = [], {}
    for u in range(n_units):
        uid = next_id("unit")
        floor = 2 + u // 8
        name = f"{floor} {WINGS[u % 4]} {SPECIALTIES[u % len(SPECIALTIES)]} (S{u + 1:02d})"
        unit.append(
            (
                uid,
                name,
                KINDS[u % len(KINDS)],
                "Scale Regional Hospital",
                rng.randint(30, 140),
                True,
                now,
                1,
            )
        )
        unit_ids.append(uid)
        exec_id = executive if u < 10 else other_execs[(u - 10) // 8 % len(other_execs)]
        champion = add_person(
            f"scale-champion-{u + 1:02d}@example.org",
            f"Champion {u + 1:02d}",
            "Charge Nurse",
            "champion",
        )
        members = [
            add_person(
                f"scale-member-{u + 1:02d}-{m}@example.org",
                f"Member {u + 1:02d}-{m}",
                "Staff Nurse",
                "member",
            )
            for m in range(1, 5)
        ]
        teams[uid] = {"executive": exec_id, "champion": champion, "members": members}
        membership.append((next_id("membership"), exec_id, uid, "executive"))
        membership.append((next_id("membership"), champion, uid, "champion"))
        for m in members:
            membership.append((next_id("membership"), m, uid, "member"))

    # rounds and briefings: every 4 weeks per unit over 18 months, plus the next two -----------
    rounds_t = table(
        "safety_round",
        "id unit scheduled_at duration_minutes executive champion series status cancel_reason "
        "cancelled_at started_at completed_at staff_count staff_roles read_back_done debrief_notes created_at version",
    )
    briefing = table(
        "briefing",
        "id round going_on staff_concerns wins asks ready_at ready_by frozen_content frozen_at updated_at version",
    )
    unit_rounds: dict[int, list[tuple[int, date]]] = {}
    for uid in unit_ids:
        team = teams[uid]
        offset = rng.randint(0, 27)
        day = first_day + timedelta(days=offset)
        unit_rounds[uid] = []
        while day <= today + timedelta(days=56):
            rid = next_id("safety_round")
            at = datetime(day.year, day.month, day.day, 15, 0, tzinfo=UTC)
            past = day < today
            cancelled = past and rng.random() < 0.05
            status = (
                "cancelled"
                if cancelled
                else (
                    "completed"
                    if past
                    else ("briefed" if day < today + timedelta(days=14) else "scheduled")
                )
            )
            rounds_t.append(
                (
                    rid,
                    uid,
                    at,
                    30,
                    team["executive"],
                    team["champion"],
                    None,
                    status,
                    "Executive called to an emergency" if cancelled else "",
                    at if cancelled else None,
                    at if status == "completed" else None,
                    at + timedelta(minutes=35) if status == "completed" else None,
                    rng.randint(4, 18) if status == "completed" else 0,
                    "RN, NA, RT" if status == "completed" else "",
                    status == "completed",
                    "Read back done; staff thanked" if status == "completed" else "",
                    at - timedelta(days=28),
                    1,
                )
            )
            if not cancelled:
                unit_rounds[uid].append((rid, day))
            if status in ("completed", "briefed"):
                briefing.append(
                    (
                        next_id("briefing"),
                        rid,
                        "Census high; two new graduates orienting",
                        "Staff want to talk about supply shortages on nights",
                        "Zero falls last month",
                        "Help with the pump replacement budget",
                        at - timedelta(days=2),
                        team["champion"],
                        "",
                        None,
                        at - timedelta(days=2),
                        1,
                    )
                )
            day += timedelta(days=28)

    # measures: 18 months per unit; days-since events --------------------------------------------
    measure = table(
        "unit_measure",
        "id unit month patient_days falls falls_with_injury pressure_injuries central_line_days "
        "clabsi catheter_days cauti medication_harm staff_injuries entered_by entered_at version",
    )
    last_event = table("unit_last_event", "id unit kind occurred_on")
    for uid in unit_ids:
        month = date(first_day.year, first_day.month, 1)
        while month < date(today.year, today.month, 1):
            pd = rng.randint(600, 1200)
            measure.append(
                (
                    next_id("unit_measure"),
                    uid,
                    month,
                    pd,
                    rng.randint(0, 5),
                    rng.randint(0, 1),
                    rng.randint(0, 2),
                    rng.randint(100, 400),
                    int(rng.random() < 0.15),
                    rng.randint(100, 400),
                    int(rng.random() < 0.15),
                    int(rng.random() < 0.2),
                    int(rng.random() < 0.3),
                    teams[uid]["champion"],
                    datetime(month.year, month.month, 1, 12, tzinfo=UTC) + timedelta(days=35),
                    1,
                )
            )
            month = (month + timedelta(days=32)).replace(day=1)
        for kind in (
            "fall",
            "clabsi",
            "cauti",
            "pressure_injury",
            "medication_harm",
            "staff_injury",
        ):
            last_event.append(
                (next_id("unit_last_event"), uid, kind, today - timedelta(days=rng.randint(3, 400)))
            )

    # safety issues ------------------------------------------------------------------------------
    issue = table(
        "safety_issue",
        "id unit identified_on source round description raised_by category harm likelihood ease "
        "priority priority_override priority_reason action_plan owner due_on success_measure status status_changed_at "
        "cannot_do_reason resolved_on closed_on feedback_due_on feedback_given_on feedback_how feedback_said outcome "
        "needs_executive_help idempotency_key created_by created_at updated_at version",
    )
    update = table("issue_update", "id issue author at body")
    barrier = table(
        "barrier",
        "id issue unit description kind owner level next_follow_up_on status cannot_remove_reason "
        "closed_at created_by created_at updated_at version",
    )
    note = table(
        "barrier_note", "id barrier author at kind body next_follow_up_on from_level to_level"
    )
    harms, likes, eases = (
        ["none", "mild", "moderate", "severe", "death"],
        ["rare", "possible", "likely", "frequent"],
        ["easy", "moderate", "hard"],
    )
    from rounds.issues.rules import effective_priority

    issues_by_unit: dict[int, list[int]] = {uid: [] for uid in unit_ids}
    open_by_unit: dict[int, list[int]] = {uid: [] for uid in unit_ids}
    barriers_by_unit: dict[int, list[int]] = {uid: [] for uid in unit_ids}
    round_index = {uid: [r for r in unit_rounds[uid] if r[1] <= today] for uid in unit_ids}
    for n in range(n_issues):
        uid = unit_ids[n % n_units]
        team = teams[uid]
        iid = next_id("safety_issue")
        age = int(DAYS * (rng.random() ** 1.3))  # more recent issues than old ones
        identified = today - timedelta(days=age)
        rounds_here = round_index[uid]
        from_round = rounds_here and rng.random() < 0.6
        round_id = None
        if from_round:
            # the round on or before the day identified (or the first one)
            candidates = [r for r in rounds_here if r[1] <= identified]
            if candidates:
                round_id, round_day = candidates[-1]
                identified = round_day
        harm, like, ease = rng.choice(harms), rng.choice(likes), rng.choice(eases)
        priority = effective_priority(harm, like, "")
        roll = rng.random()
        if age > 120:
            status = (
                "closed"
                if roll < 0.75
                else (
                    "resolved" if roll < 0.85 else ("cannot_do" if roll < 0.92 else "in_progress")
                )
            )
        elif age > 30:
            status = (
                "closed"
                if roll < 0.35
                else (
                    "resolved"
                    if roll < 0.5
                    else (
                        "in_progress" if roll < 0.8 else ("planned" if roll < 0.92 else "cannot_do")
                    )
                )
            )
        else:
            status = (
                "new"
                if roll < 0.4
                else ("planned" if roll < 0.65 else ("in_progress" if roll < 0.9 else "resolved"))
            )
        owner = (
            rng.choice([team["champion"], *team["members"]])
            if status != "new" or roll < 0.2
            else None
        )
        due = identified + timedelta(days=rng.randint(14, 90)) if owner else None
        changed = datetime(
            identified.year, identified.month, identified.day, 16, tzinfo=UTC
        ) + timedelta(days=min(age, rng.randint(0, 40)))
        resolved_on = (
            (identified + timedelta(days=rng.randint(5, min(120, max(5, age)))))
            if status in ("resolved", "closed")
            else None
        )
        feedback_given = (
            (resolved_on + timedelta(days=rng.randint(0, 10)))
            if status == "closed" and resolved_on is not None  # closed is always resolved
            else None
        )
        if feedback_given and feedback_given > today:
            feedback_given = today
        context = rng.choice(CONTEXTS)
        text = rng.choice(PROBLEMS) + (f" {context}" if context else "") + "."
        created = datetime(identified.year, identified.month, identified.day, 15, 30, tzinfo=UTC)
        help_needed = rng.random() < 0.06
        issue.append(
            (
                iid,
                uid,
                identified,
                "safety_round"
                if round_id
                else rng.choice(["staff_assessment", "event_report", "team_meeting", "other"]),
                round_id,
                text,
                rng.choice(ROLES_RAISED),
                rng.choice(category_ids),
                harm,
                like,
                ease,
                priority,
                "",
                "",
                rng.choice(PLANS) if owner else "",
                owner,
                due,
                rng.choice(MEASURES) if owner else "",
                status,
                changed,
                "Outside the unit's control; referred to the hospital capital plan"
                if status == "cannot_do"
                else "",
                resolved_on,
                feedback_given if status == "closed" else None,
                identified + timedelta(days=14),
                feedback_given,
                rng.choice(["huddle", "email", "posted_report", "in_person"])
                if feedback_given
                else "",
                "Told staff at the huddle what changed" if feedback_given else "",
                "Fixed: the new process is in place" if status in ("resolved", "closed") else "",
                help_needed,
                None,
                team["champion"],
                created,
                changed,
                1,
            )
        )
        issues_by_unit[uid].append(iid)
        if status in ("new", "planned", "in_progress"):
            open_by_unit[uid].append(iid)
        if rng.random() < 0.35:
            for k in range(rng.randint(1, 2)):
                update.append(
                    (
                        next_id("issue_update"),
                        iid,
                        owner or team["champion"],
                        created + timedelta(days=3 + 5 * k),
                        rng.choice(UPDATE_TEXTS),
                    )
                )
        if help_needed or (status in ("in_progress", "planned") and rng.random() < 0.03):
            bid = next_id("barrier")
            barrier_open = status in ("new", "planned", "in_progress") and rng.random() < 0.2
            level = rng.choice(["unit", "department", "executive", "executive", "c_suite"])
            follow = (
                today + timedelta(days=rng.randint(-20, 21))
                if barrier_open
                else identified + timedelta(days=21)
            )
            b_status = (
                "open" if barrier_open else rng.choice(["removed", "removed", "cannot_remove"])
            )
            barrier.append(
                (
                    bid,
                    iid,
                    uid,
                    rng.choice(BARRIER_TEXTS),
                    rng.choice(["budget", "department", "equipment", "policy", "it", "staffing"]),
                    team["executive"],
                    level,
                    follow,
                    b_status,
                    "The capital plan cannot fund it this year"
                    if b_status == "cannot_remove"
                    else "",
                    None if barrier_open else changed + timedelta(days=20),
                    team["champion"],
                    created,
                    changed,
                    1,
                )
            )
            barriers_by_unit[uid].append(bid)
            for k in range(rng.randint(1, 3)):
                note.append(
                    (
                        next_id("barrier_note"),
                        bid,
                        team["executive"],
                        created + timedelta(days=4 + 7 * k),
                        "note",
                        rng.choice(NOTE_TEXTS),
                        follow,
                        "",
                        "",
                    )
                )

    # the executive with 10 units: make sure their follow-up list is realistic (some open, some overdue)
    # (already covered by the random barriers above: ~6% of 100k issues need help, ~half of open ones stay open)

    # meetings: monthly per unit, with agenda items, attendance and actions -----------------------
    meeting = table(
        "meeting",
        "id unit scheduled_at status case_issue upward_summary finalised_at finalised_by created_at version",
    )
    item = table(
        "meeting_item",
        "id meeting section position title issue barrier minutes decisions removed version",
    )
    attendee = table("meeting_attendee", "id meeting person guest_role present")
    action = table(
        "meeting_action", "id meeting item issue kind description owner due_on created_at"
    )
    for uid in unit_ids:
        team = teams[uid]
        recent = issues_by_unit[uid][-400:]
        open_ids = open_by_unit[uid][-200:] or recent
        month = date(first_day.year, first_day.month, 1)
        while month <= date(today.year, today.month, 1) + timedelta(days=31):
            day = month + timedelta(days=9)
            at = datetime(day.year, day.month, day.day, 13, tzinfo=UTC)
            past = day < today
            mid = next_id("meeting")
            meeting.append(
                (
                    mid,
                    uid,
                    at,
                    "finalised" if past else "scheduled",
                    rng.choice(recent) if recent else None,
                    "Two barriers need help from the C-suite" if past else "",
                    at + timedelta(hours=2) if past else None,
                    team["champion"] if past else None,
                    at - timedelta(days=20),
                    1,
                )
            )
            position = 0
            for section in SECTIONS:
                for _ in range(2 if section in ("new_issues", "overdue", "priorities") else 1):
                    linked = (
                        rng.choice(open_ids)
                        if open_ids and section in ("new_issues", "overdue", "priorities")
                        else None
                    )
                    linked_barrier = (
                        rng.choice(barriers_by_unit[uid])
                        if section == "barriers" and barriers_by_unit[uid]
                        else None
                    )
                    iid_ = next_id("meeting_item")
                    item.append(
                        (
                            iid_,
                            mid,
                            section,
                            position,
                            section.replace("_", " ").capitalize(),
                            linked,
                            linked_barrier,
                            "Discussed; owner confirmed" if past else "",
                            "Keep on the list" if past else "",
                            False,
                            1,
                        )
                    )
                    position += 1
                    if past and linked and rng.random() < 0.3:
                        action.append(
                            (
                                next_id("meeting_action"),
                                mid,
                                iid_,
                                linked,
                                "update",
                                "Chase the vendor for a date",
                                team["champion"],
                                day + timedelta(days=14),
                                at,
                            )
                        )
            for pid in [team["executive"], team["champion"], *team["members"][:2]]:
                attendee.append((next_id("meeting_attendee"), mid, pid, "", True))
            month = (month + timedelta(days=32)).replace(day=1)

    setting = table("setting", "id key value")
    setting.append((next_id("setting"), SCALE_MARK, now.isoformat()))
    _ = admin
    return out


# --- writing --------------------------------------------------------------------------------

ORDER = [
    "person",
    "unit",
    "membership",
    "safety_round",
    "briefing",
    "unit_measure",
    "unit_last_event",
    "safety_issue",
    "issue_update",
    "barrier",
    "barrier_note",
    "meeting",
    "meeting_item",
    "meeting_attendee",
    "meeting_action",
    "setting",
]


def _write_sqlite(path: str, rows) -> None:
    import piccolo.engine.sqlite  # noqa: F401  (registers the date/datetime adapters Piccolo reads back)

    conn = sqlite3.connect(path, timeout=60, isolation_level=None)
    try:
        conn.execute(
            "PRAGMA foreign_keys = OFF"
        )  # ids are consistent by construction; checked in tests
        conn.execute("PRAGMA cache_size = -1000000")  # up to 1 GB of pages for this load
        conn.execute("BEGIN IMMEDIATE")
        # A million rows inserted one by one into a dozen indexes and the full-text index is slow
        # (every insert touches a page of each): the indexes and the full-text trigger are set
        # aside, the rows written, then the indexes built once, sorted, and the full-text index
        # rebuilt - in the same transaction, so nobody sees the table without them.
        tables = ", ".join(f"'{name}'" for name in ORDER)
        indexes = conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({tables})"
        ).fetchall()
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND name = 'safety_issue_fts_insert'"
        ).fetchall()
        for name, _sql in [*indexes, *triggers]:
            conn.execute(f'DROP {"TRIGGER" if name.endswith("_fts_insert") else "INDEX"} "{name}"')
        for name in ORDER:
            columns, data = rows[name]
            if not data:
                continue
            sql = f'INSERT INTO "{name}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
            conn.executemany(sql, data)
        for _name, sql in [*indexes, *triggers]:
            conn.execute(sql)
        if triggers:
            conn.execute("INSERT INTO safety_issue_fts(safety_issue_fts) VALUES ('rebuild')")
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


async def _write_postgres(config: dict, rows) -> None:
    import asyncpg

    conn = await asyncpg.connect(**config)
    try:
        async with conn.transaction():
            for name in ORDER:
                columns, data = rows[name]
                if data:
                    await conn.copy_records_to_table(name, records=data, columns=columns)
            for name in ORDER:
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM \"{name}\"))"
                )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
