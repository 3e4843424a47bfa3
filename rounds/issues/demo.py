"""Demo data for the tracking log: a realistic, identifier-free log for every demo unit.

About 70 issues per unit over the last 18 months, every status, category and source, with owners,
due dates, staff feedback, plain-language outcomes and updates. Issues raised on rounds are linked
to the unit's completed rounds when the rounding seeder has made some. Deterministic (ctx.rng);
one bulk insert per table.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from rounds.demo_context import DemoContext
from rounds.issues import rules
from rounds.measures.definitions import default_feedback_due

# (category, what staff said, action plan, outcome staff are told, reason if it cannot be done, ease)
CONCERNS = [
    (
        "Equipment & supplies",
        "Suction regulators missing in two rooms – we borrow from next door during an emergency",
        "Biomed to audit every room and stock one regulator per headwall",
        "Every room now has its own suction regulator, checked each shift",
        "",
        "easy",
    ),
    (
        "Equipment & supplies",
        "Only one bladder scanner for the whole unit and it is usually missing on nights",
        "Buy a second scanner; give each a home on the charging shelf",
        "A second bladder scanner arrived and both live on the charging shelf",
        "Capital budget frozen until next fiscal year",
        "moderate",
    ),
    (
        "Equipment & supplies",
        "IV pump drug library is out of date – heparin concentration not listed",
        "Pharmacy to push the new library to all pumps",
        "The new drug library is on every pump, including the heparin concentration",
        "",
        "moderate",
    ),
    (
        "Equipment & supplies",
        "Glucometer docking station broken, results not crossing into the chart",
        "Replace dock; IT to check the interface",
        "Dock replaced and results now cross into the chart within a minute",
        "",
        "easy",
    ),
    (
        "Equipment & supplies",
        "Not enough IV poles – staff take them from other rooms",
        "Order 10 more poles; tag poles to rooms",
        "Ten more IV poles delivered and tagged to rooms",
        "",
        "easy",
    ),
    (
        "Equipment & supplies",
        "Bed exit alarms don't sound at the nurses' station",
        "Facilities and vendor to connect bed alarms to the nurse call system",
        "Bed alarms now sound at the station and on the phones",
        "Vendor says the bed model cannot connect; beds are replaced in 2027",
        "hard",
    ),
    (
        "Equipment & supplies",
        "Lift slings in the wrong sizes – bariatric slings run out every week",
        "Add bariatric slings to the par level",
        "Bariatric slings added to the par level and restocked daily",
        "",
        "easy",
    ),
    (
        "Communication & handoffs",
        "Handoff sheet doesn't show code status, so night staff look it up in a hurry",
        "Add code status to the handoff template",
        "Code status now prints at the top of the handoff sheet",
        "",
        "easy",
    ),
    (
        "Communication & handoffs",
        "Transfers from the ED arrive before report is called",
        "Agree a call-before-transfer rule with the ED",
        "The ED now calls report before every transfer; we audit it monthly",
        "",
        "moderate",
    ),
    (
        "Communication & handoffs",
        "No interpreter phone on nights – families wait for hours",
        "Place two interpreter phones on the unit",
        "Two interpreter phones are on the unit, one at each station",
        "",
        "easy",
    ),
    (
        "Communication & handoffs",
        "Physician pages go unanswered after midnight",
        "Escalation list posted; review with the medical director",
        "A clear escalation list is posted and the on-call answer time is reviewed weekly",
        "",
        "moderate",
    ),
    (
        "Communication & handoffs",
        "Rapid response team isn't told the patient's baseline",
        "Add baseline vitals to the RRT call script",
        "The RRT call script now includes baseline vitals and mental status",
        "",
        "easy",
    ),
    (
        "Medication",
        "Heparin 5,000 unit vials look like the 1,000 unit vials",
        "Pharmacy to stock a different manufacturer and add shelf tags",
        "Heparin strengths now come from different makers and have bright shelf tags",
        "",
        "moderate",
    ),
    (
        "Medication",
        "Automated cabinet override used for routine meds because the queue is slow",
        "Pharmacy to verify orders faster on evenings; track overrides",
        "Evening verification now under 15 minutes; overrides fell by half",
        "",
        "moderate",
    ),
    (
        "Medication",
        "Insulin pens stored in the same bin as look-alike pens",
        "Separate bins and labels for each insulin",
        "Each insulin now has its own labelled bin",
        "",
        "easy",
    ),
    (
        "Medication",
        "Med room too small – two nurses drawing up at once get interrupted",
        "Create a no-interruption zone and sign",
        "A marked no-interruption zone is in place in the med room",
        "Room cannot be enlarged in this building",
        "hard",
    ),
    (
        "Medication",
        "Patients' home medications arrive without a list from pharmacy",
        "Pharmacy tech to complete med histories for admissions",
        "A pharmacy technician now takes medication histories on weekday admissions",
        "",
        "moderate",
    ),
    (
        "Staffing & workload",
        "1 to 3 ratio on nights when acuity is high; no resource nurse",
        "Add a night resource nurse on high-acuity nights",
        "A float resource nurse is assigned when acuity scores are high",
        "Funding for an extra night position was not approved this year",
        "hard",
    ),
    (
        "Staffing & workload",
        "No sitter available for confused patients at risk of falls",
        "Set up a virtual sitter pilot",
        "Virtual sitter cameras are live in six rooms",
        "",
        "hard",
    ),
    (
        "Staffing & workload",
        "Breaks missed on every busy shift – staff run on empty",
        "Charge nurse assigns break buddies at the start of each shift",
        "Break buddies are assigned each shift and breaks are tracked",
        "",
        "easy",
    ),
    (
        "Staffing & workload",
        "New travel nurses get no unit orientation to our equipment",
        "Write a one-page orientation and a 30-minute walk-through",
        "Every new travel nurse gets the one-page guide and a walk-through",
        "",
        "easy",
    ),
    (
        "Policy & procedure",
        "Two different restraint policies in the binder – nobody knows which is current",
        "Remove the old policy; post the current one",
        "Only the current restraint policy is in the binder and on the intranet",
        "",
        "easy",
    ),
    (
        "Policy & procedure",
        "Central line dressing change policy differs between ICU and step-down",
        "Align policies with infection prevention",
        "One central line dressing policy now applies to every unit",
        "",
        "moderate",
    ),
    (
        "Policy & procedure",
        "Blood transfusion double-check is skipped when only one RN is free",
        "Allow a trained LPN as the second check; remind staff",
        "A trained LPN can now be the second check; reminders posted",
        "",
        "moderate",
    ),
    (
        "Environment & facilities",
        "Hallway lights too dim at night to read labels",
        "Facilities to replace hallway fixtures with dimmable LEDs",
        "New dimmable hallway lights are installed",
        "Lighting is replaced hospital-wide in 2027; task lights added meanwhile",
        "hard",
    ),
    (
        "Environment & facilities",
        "Linen cart parked in front of the fire exit",
        "Mark a parking bay for the cart and tell the linen team",
        "The linen cart has a marked bay away from the exit",
        "",
        "easy",
    ),
    (
        "Environment & facilities",
        "Shower floors slippery – two near misses this month",
        "Add non-slip strips and grab bars",
        "Non-slip strips and extra grab bars are in every shower",
        "",
        "easy",
    ),
    (
        "Environment & facilities",
        "Call bell cords too short to reach from the chair",
        "Order longer cords for every room",
        "Longer call-bell cords are in every room",
        "",
        "easy",
    ),
    (
        "Environment & facilities",
        "No hand gel at the entrance to the isolation rooms",
        "Install dispensers at every isolation doorway",
        "Hand gel dispensers are at every isolation doorway",
        "",
        "easy",
    ),
    (
        "IT systems",
        "Barcode scanners drop the wireless connection in the far rooms",
        "IT to add a wireless access point at the end of the hall",
        "A new access point was added; scanners stay connected",
        "",
        "moderate",
    ),
    (
        "IT systems",
        "Too many alerts in the chart – important ones get clicked past",
        "Review the top 10 alerts with the informatics team",
        "Four low-value alerts were switched off after review",
        "",
        "hard",
    ),
    (
        "IT systems",
        "Printers for wristbands jam and print blurry bands",
        "Replace the wristband printers",
        "New wristband printers print clear bands",
        "",
        "moderate",
    ),
    (
        "Infection prevention",
        "Isolation carts empty of gowns on weekends",
        "Add isolation carts to the weekend restock list",
        "Isolation carts are restocked every day, weekends included",
        "",
        "easy",
    ),
    (
        "Infection prevention",
        "Commodes not cleaned between patients because no one owns the task",
        "Assign commode cleaning to the tech role with a clean tag",
        "Techs clean commodes between patients and tag them clean",
        "",
        "easy",
    ),
    (
        "Infection prevention",
        "Catheters left in longer than needed – no reminder to remove",
        "Nurse-driven removal protocol and a daily prompt",
        "A nurse-driven removal protocol is live with a daily prompt",
        "",
        "moderate",
    ),
    (
        "Training",
        "New graduates unsure how to use the new defibrillators",
        "Monthly hands-on defibrillator sessions",
        "Monthly hands-on sessions run on the unit; most staff have attended",
        "",
        "easy",
    ),
    (
        "Training",
        "Nobody on nights has been trained on the new dialysis machine",
        "Train two super-users on nights",
        "Two night super-users are trained and on the schedule",
        "",
        "moderate",
    ),
    (
        "Teamwork & culture",
        "Staff afraid to speak up when a surgeon skips the time-out",
        "Leaders to back a stop-the-line rule; share stories at huddle",
        "Stop-the-line is backed by leadership and shared at every huddle",
        "",
        "hard",
    ),
    (
        "Teamwork & culture",
        "Night shift left out of unit decisions",
        "Hold a night-shift team meeting every month",
        "A monthly night-shift meeting now feeds the CUSP team",
        "",
        "easy",
    ),
    (
        "Patient & family",
        "Families don't know who their nurse is",
        "Whiteboards in every room with the nurse's first name and the plan",
        "Every room has a whiteboard with the nurse's first name and the day's plan",
        "",
        "easy",
    ),
    (
        "Patient & family",
        "Discharge instructions only in English",
        "Translate the top five discharge sheets",
        "The five most used discharge sheets are available in Spanish and Portuguese",
        "",
        "moderate",
    ),
    (
        "Other",
        "Parking for night staff is far and poorly lit",
        "Security escort on request; ask facilities for lighting",
        "Security now walks night staff to their cars on request",
        "Parking lot lighting is owned by the city",
        "hard",
    ),
]

# A concern raised again later: the second copy of a concern in a unit's log says so.
AGAIN = [
    " – still happening",
    " – came up again this month",
    " – raised again on nights",
    " – raised again at this round",
]
RAISED_BY = [
    "RN, nights",
    "RN, days",
    "Charge nurse",
    "CNA",
    "Respiratory therapist",
    "Pharmacist",
    "Physician",
    "Unit clerk",
    "Physical therapist",
    "Environmental services",
    "New graduate RN",
    "Travel nurse",
    "Nurse practitioner",
    "",
]
SOURCES = (
    ["safety_round"] * 11
    + ["staff_assessment"] * 2
    + ["team_meeting"] * 2
    + ["event_report"] * 2
    + ["learning_from_defects", "patient_family", "other"]
)
UPDATES = [
    "Discussed at the CUSP meeting; owner confirmed.",
    "Quote requested from the vendor.",
    "Spoke with the department manager – they agree to help.",
    "Waiting on parts; expected in two weeks.",
    "Trial running on days first.",
    "Shared at huddle; staff like the change so far.",
    "Audit of 10 shifts shows it is working.",
    "Escalated to the executive partner at the monthly meeting.",
]
SAID = {
    "huddle": "Explained at the morning and night huddles",
    "email": "E-mailed the whole unit with the outcome",
    "posted_report": "Added to the stoplight report on the staff-room board",
    "in_person": "Told the staff who raised it, in person",
}
PER_UNIT = 70


def _at(day, hour=10):
    return datetime.combine(day, time(hour % 24, 0), tzinfo=UTC)


async def seed(ctx: DemoContext) -> None:
    from rounds.issues.tables import IssueUpdate, SafetyIssue
    from rounds.rounding.tables import SafetyRound

    if ctx.scale or not ctx.units:
        return
    rng, today = ctx.rng, ctx.today
    rounds_by_unit: dict[int, list[dict]] = {}
    for r in await SafetyRound.select(
        SafetyRound.id, SafetyRound.unit, SafetyRound.scheduled_at
    ).where(SafetyRound.status == "completed"):
        rounds_by_unit.setdefault(r["unit"], []).append(r)
    issues, updates_for = [], []
    for unit in ctx.units:
        team = ctx.team.get(unit["id"], {})
        owners = team.get("champion", []) + team.get("member", []) * 2 + team.get("executive", [])
        completed = rounds_by_unit.get(unit["id"], [])
        concerns = rng.sample(CONCERNS, len(CONCERNS)) * 2
        for n in range(PER_UNIT):
            category, said, plan, outcome, cannot, ease = concerns[n]
            # Spread over 18 months, a few more in recent weeks so home pages have something due.
            age = rng.randint(0, 20) if n < 12 else rng.randint(0, 540)
            source = rng.choice(SOURCES)
            round_id = None
            if source == "safety_round" and completed and rng.random() < 0.7:
                rnd = rng.choice(completed)
                round_id = rnd["id"]
                age = max(0, (today - rnd["scheduled_at"].date()).days)
            identified = today - timedelta(days=age)
            description = said + (rng.choice(AGAIN) if n >= len(CONCERNS) else "")
            rated = age > 10 or rng.random() < 0.4
            harm = (
                rng.choice(["mild", "moderate", "moderate", "severe", "severe", "death"])
                if rated
                else ""
            )
            likelihood = (
                rng.choice(["rare", "possible", "likely", "likely", "frequent"]) if rated else ""
            )
            override = "high" if rated and rng.random() < 0.05 else ""
            status = _status_for(age, rng, cannot)
            owner = rng.choice(owners) if owners and status != "new" else None
            due = (
                identified + timedelta(days=rng.choice([21, 30, 45, 60, 90]))
                if status != "new"
                else None
            )
            changed_day = min(
                today, identified + timedelta(days=rng.randint(0, max(1, min(age, 120))))
            )
            if age <= 30 and status != "new" and rng.random() < 0.5:
                changed_day = today - timedelta(days=rng.randint(0, 13))
            resolved_on = changed_day if status in ("resolved", "closed") else None
            # A working programme tells staff: most issues older than a month have had feedback
            # (an interim "here's where it is" counts), recent ones often not yet.
            told = (
                status == "closed"
                or (status != "new" and age > 30 and rng.random() < 0.85)
                or (status in ("resolved", "cannot_do") and rng.random() < 0.5)
                or (status == "in_progress" and rng.random() < 0.3)
            )
            how = rng.choice(list(rules.FEEDBACK_HOW)) if told else ""
            # Closing feedback comes after the fix; an interim "here's where it is" mostly
            # within the feedback window, as a programme that works would do.
            after = rng.randint(0, 10)
            start = changed_day if status == "closed" else identified + timedelta(days=3)
            given_on = min(today, start + timedelta(days=after)) if told else None
            closed_on = given_on if status == "closed" else None
            light_outcome = (
                outcome
                if status in ("resolved", "closed")
                else (
                    "Being worked on: " + plan[0].lower() + plan[1:]
                    if status in ("planned", "in_progress")
                    else ""
                )
            )
            created = _at(identified, 9 + n % 8)
            issues.append(
                SafetyIssue(
                    unit=unit["id"],
                    identified_on=identified,
                    source=source,
                    round=round_id,
                    description=description,
                    raised_by=rng.choice(RAISED_BY),
                    category=ctx.categories.get(category),
                    harm=harm,
                    likelihood=likelihood,
                    ease=ease if rated else "",
                    priority=rules.effective_priority(harm, likelihood, override),
                    priority_override=override,
                    priority_reason="Staff raise it at every round" if override else "",
                    action_plan=plan if status != "new" else "",
                    owner=owner,
                    due_on=due,
                    success_measure="Spot-check 10 shifts a month after the change"
                    if status != "new" and rng.random() < 0.6
                    else "",
                    status=status,
                    status_changed_at=_at(changed_day, 14) if status != "new" else created,
                    cannot_do_reason=cannot if status == "cannot_do" else "",
                    resolved_on=resolved_on,
                    closed_on=closed_on,
                    feedback_due_on=default_feedback_due(identified),
                    feedback_given_on=given_on,
                    feedback_how=how,
                    feedback_said=SAID.get(how, "") if told else "",
                    outcome=cannot if status == "cannot_do" else light_outcome,
                    needs_executive_help=status in ("planned", "in_progress", "cannot_do")
                    and ease == "hard"
                    and rng.random() < 0.5,
                    created_by=owner,
                    created_at=created,
                    updated_at=_at(changed_day, 15),
                    version=1,
                )
            )
            updates_for.append(
                (0 if status == "new" else rng.randint(0, 3), identified, changed_day, owner)
            )
    rows = await SafetyIssue.insert(*issues).returning(SafetyIssue.id)
    updates = []
    for row, (count, start, end, author) in zip(rows, updates_for, strict=True):
        span = max(1, (end - start).days)
        for k in range(count):
            updates.append(
                IssueUpdate(
                    issue=row["id"],
                    author=author,
                    at=_at(start + timedelta(days=span * (k + 1) // (count + 1)), 11),
                    body=rng.choice(UPDATES),
                )
            )
    if updates:
        await IssueUpdate.insert(*updates)


def _status_for(age: int, rng, cannot: str) -> str:
    roll = rng.random()
    if age < 14:
        return "new" if roll < 0.55 else ("planned" if roll < 0.85 else "in_progress")
    if age < 60:
        return ["planned", "in_progress", "in_progress", "resolved", "closed", "new"][int(roll * 6)]
    if cannot and roll < 0.2:
        return "cannot_do"
    if roll < 0.6:
        return "closed"
    if roll < 0.75:
        return "resolved"
    if roll < 0.9:
        return "in_progress"
    return "planned"
