"""Demo data for rounds.meetings: a year of monthly CUSP team meetings on every demo unit.

Runs last (after the tracking log and barriers), so past meetings link to the demo issues: the
new issues of each month, the case of the month and action items (updates on real demo issues).
Past meetings are finalised with attendance, minutes, decisions and a summary for senior
leadership; a few have addenda; the next meeting is scheduled. One bulk insert per table.
No patient identifiers anywhere: people appear by their demo accounts, guests by role.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from rounds import db
from rounds.core import clock
from rounds.demo_context import DemoContext
from rounds.issues.tables import SafetyIssue
from rounds.meetings import rules
from rounds.meetings.tables import (
    Meeting,
    MeetingAction,
    MeetingAddendum,
    MeetingAttendee,
    MeetingItem,
)

MONTHS_BACK = 12

MINUTES = {
    "data": [
        "Falls steady at two this month, one with minor injury. Hourly rounding compliance at 82%.",
        "No CLABSI this month; line days down after the daily necessity review started.",
        "Pressure injuries down to one (stage 2). Turning clock audits show good uptake on nights.",
        "Medication events with harm: none. Smart-pump library compliance at 95%.",
        "Staff injuries: one needlestick, reported and followed up by occupational health.",
    ],
    "new_issues": [
        "Reviewed the concerns from this month's safety round: mostly equipment and handoffs.",
        "Two new concerns about supplies running out on weekends; one about the bed-alarm volume.",
        "New issues triaged; the team rated risk and ease of fixing for each.",
    ],
    "commitments": [
        "Executive partner updated the team on the biomed budget request; follow-up booked with finance.",
        "Two overdue issues: owners confirmed and new dates agreed. The pharmacy barrier escalated to department level.",
        "Barrier follow-ups reviewed one by one; one removed this month (vendor delivered the pumps).",
    ],
    "case": [
        "Walked through the case with the learning-from-defects tool: task design and night staffing made it worse; the huddle made it better.",
        "Case of the month reviewed: the handoff tool was not used on transfers. Two actions agreed, each with an owner.",
    ],
    "priorities": [
        "Agreed the top three for next month, easy wins first.",
        "Reordered the list: equipment concerns moved up after this month's round.",
    ],
    "wins": [
        "Recognised the night team for the new huddle board; staff told via the posted stoplight report.",
        "Thanked pharmacy for the faster turnaround on first doses – “you said, we did” shared at huddle.",
        "Celebrated 100 days without a CLABSI.",
    ],
    "upward": [
        "Ask senior leadership to support the pump replacement in next year's capital plan.",
        "Report the staffing barrier on nights to the C-suite; it needs a decision outside the unit.",
        "Nothing new to escalate this month; progress shared in the board report.",
    ],
}
DECISIONS = {
    "commitments": [
        "Keep the budget barrier at executive level one more month, then escalate.",
        "Escalate the pharmacy delay to the C-suite if there is no date by the next meeting.",
    ],
    "priorities": [
        "Top priority: bed-alarm audibility. Second: weekend supply par levels.",
        "Easy wins first: label the spare suction regulators this week.",
    ],
    "case": [
        "Add the transfer checklist to the handoff tool.",
        "Share the case at the next staff meeting, without names.",
    ],
    "wins": ["Post the stoplight report on the staff board this week."],
}
GUESTS = [
    "Pharmacy director",
    "Infection prevention nurse",
    "Biomedical engineering lead",
    "Patient and family advisor",
]
ADDENDA = [
    "Correction: the capital request goes to the finance committee next month, not this month.",
    "Addition: the respiratory therapy lead also agreed to review the suction regulator checks.",
]


def _hospital_tz():
    """The hospital's time zone (the demo may load before the app sets it for the filters)."""
    try:
        from zoneinfo import ZoneInfo

        from rounds.settings import load_settings

        return ZoneInfo(load_settings().timezone)
    except Exception:
        return clock.timezone()


def _month_day(today: date, months_ago: int) -> date:
    """The 12th of the month `months_ago` months before this one (negative: months ahead)."""
    index = today.year * 12 + today.month - 1 - months_ago
    return date(index // 12, index % 12 + 1, 12)


async def seed(ctx: DemoContext) -> None:
    if not ctx.units or ctx.scale:
        return
    tz = _hospital_tz()
    rng = ctx.rng
    unit_ids = [u["id"] for u in ctx.units]
    issues = (
        await SafetyIssue.select(
            SafetyIssue.id,
            SafetyIssue.unit,
            SafetyIssue.identified_on,
            SafetyIssue.description,
            SafetyIssue.owner,
            SafetyIssue.status,
            SafetyIssue.resolved_on,
        )
        .where(SafetyIssue.unit.is_in(unit_ids))
        .order_by(SafetyIssue.identified_on)
    )
    by_unit: dict[int, list[dict]] = {}
    for issue in issues:
        by_unit.setdefault(issue["unit"], []).append(issue)

    plans = []  # (unit_id, day, past)
    for unit_id in unit_ids:
        for months_ago in range(MONTHS_BACK, -2, -1):
            day = _month_day(ctx.today, months_ago)
            past = day < ctx.today
            if not past and any(p[0] == unit_id and not p[2] for p in plans):
                break  # one scheduled meeting ahead is enough
            plans.append((unit_id, day, past))

    # First pass: what each meeting covered (new issues since the previous one, the case).
    covered, previous_day = [], {}
    for unit_id, day, past in plans:
        since = previous_day.get(unit_id, day - timedelta(days=31))
        previous_day[unit_id] = day
        new_issues = (
            [i for i in by_unit.get(unit_id, []) if since <= i["identified_on"] <= day]
            if past
            else []
        )
        covered.append((new_issues, rng.choice(new_issues) if new_issues else None))

    async with db.write_transaction():
        meeting_rows = []
        for (unit_id, day, past), (_new, case) in zip(plans, covered, strict=True):
            at = datetime.combine(day, time(14, 0), tzinfo=tz)
            champion = (ctx.team.get(unit_id, {}).get("champion") or [None])[0]
            meeting_rows.append(
                Meeting(
                    unit=unit_id,
                    scheduled_at=at,
                    status="finalised" if past else "scheduled",
                    upward_summary=_summary(ctx, unit_id, day, rng) if past else "",
                    case_issue=case["id"] if case else None,
                    finalised_at=at + timedelta(days=1, hours=2) if past else None,
                    finalised_by=champion if past else None,
                    created_at=at - timedelta(days=40),
                    version=2 if past else 1,
                )
            )
        ids = [r["id"] for r in await Meeting.insert(*meeting_rows).returning(Meeting.id)]

        items, attendees, actions, addenda = [], [], [], []
        for meeting_id, (unit_id, day, past), (new_issues, case) in zip(
            ids, plans, covered, strict=True
        ):
            team = ctx.team.get(unit_id, {})
            unit_issues = by_unit.get(unit_id, [])
            for index, (key, label) in enumerate(rules.SECTIONS.items()):
                minutes = rng.choice(MINUTES[key]) if past else ""
                decisions = (
                    rng.choice(DECISIONS[key])
                    if past and key in DECISIONS and rng.random() < 0.7
                    else ""
                )
                items.append(
                    MeetingItem(
                        meeting=meeting_id,
                        section=key,
                        position=index * 10,
                        title=label,
                        minutes=minutes,
                        decisions=decisions,
                        removed=False,
                        version=2 if minutes else 1,
                    )
                )
            if not past:
                continue
            for n, issue in enumerate(new_issues[:6]):
                seen = issue["identified_on"]
                items.append(
                    MeetingItem(
                        meeting=meeting_id,
                        section="new_issues",
                        position=11 + n,
                        issue=issue["id"],
                        title=f"{issue['description'][:200]} — identified {seen:%a} {seen.day} {seen:%b}",
                        minutes="",
                        decisions="",
                        removed=False,
                        version=1,
                    )
                )
            if case:
                items.append(
                    MeetingItem(
                        meeting=meeting_id,
                        section="case",
                        position=31,
                        issue=case["id"],
                        title=f"Case of the month: {case['description'][:220]}",
                        minutes="",
                        decisions="",
                        removed=False,
                        version=1,
                    )
                )
            # attendance: the champion always; the executive partner at most meetings; members mostly
            for person in team.get("champion", []):
                attendees.append(
                    MeetingAttendee(meeting=meeting_id, person=person, guest_role="", present=True)
                )
            for person in team.get("executive", []):
                if rng.random() < 0.85:
                    attendees.append(
                        MeetingAttendee(
                            meeting=meeting_id, person=person, guest_role="", present=True
                        )
                    )
            for person in team.get("member", []):
                if rng.random() < 0.75:
                    attendees.append(
                        MeetingAttendee(
                            meeting=meeting_id, person=person, guest_role="", present=True
                        )
                    )
            if rng.random() < 0.4:
                attendees.append(
                    MeetingAttendee(
                        meeting=meeting_id, person=None, guest_role=rng.choice(GUESTS), present=True
                    )
                )
            # action items: updates on issues open at the time, owned by the team
            candidates = [i for i in unit_issues if i["identified_on"] <= day]
            owners = team.get("member", []) + team.get("champion", [])
            for issue in rng.sample(candidates, k=min(len(candidates), rng.choice([1, 2, 2, 3]))):
                owner = (
                    issue["owner"]
                    if issue["owner"] in owners
                    else (rng.choice(owners) if owners else None)
                )
                text = rng.choice(
                    [
                        "Confirm the fix with staff at huddle",
                        "Chase the vendor for a delivery date",
                        "Audit the change for two weeks and report back",
                        "Agree the new par levels with supply chain",
                    ]
                )
                actions.append(
                    MeetingAction(
                        meeting=meeting_id,
                        item=None,
                        issue=issue["id"],
                        kind="update",
                        description=text,
                        owner=owner,
                        due_on=day + timedelta(days=rng.choice([14, 21, 30])),
                        created_at=datetime.combine(day, time(15, 0), tzinfo=tz),
                    )
                )
            if rng.random() < 0.15:
                addenda.append(
                    MeetingAddendum(
                        meeting=meeting_id,
                        author=(team.get("champion") or [None])[0],
                        at=datetime.combine(day + timedelta(days=5), time(10, 0), tzinfo=tz),
                        body=rng.choice(ADDENDA),
                    )
                )
        await MeetingItem.insert(*items)
        if attendees:
            await MeetingAttendee.insert(*attendees)
        if actions:
            await MeetingAction.insert(*actions)
        if addenda:
            await MeetingAddendum.insert(*addenda)


def _summary(ctx: DemoContext, unit_id: int, day: date, rng) -> str:
    name = next((u["name"] for u in ctx.units if u["id"] == unit_id), "The unit")
    return rules.draft_upward_summary(
        name,
        f"{day:%a} {day.day} {day:%b}",
        [rng.choice(DECISIONS["priorities"])],
        ["Capital funding for replacement infusion pumps"] if rng.random() < 0.5 else [],
        rng.choice([1, 2, 3]),
        rng.choice([0, 1, 2, 3]),
    )
