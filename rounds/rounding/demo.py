"""Demo data for rounds.rounding (runs before the tracking log is seeded).

For every demo unit: a recurring schedule every 4 weeks, a year of past rounds (completed, a few
cancelled with reasons), the next round within the coming week and the rest of the next six
months, champion's notes (one briefing already marked ready), 18 months of measures with
realistic rates, and the last-event dates that agree with them. No patient identifiers.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from rounds import db
from rounds.core import clock
from rounds.demo_context import DemoContext
from rounds.rounding import rules
from rounds.rounding.tables import Briefing, LastEvent, RoundSeries, SafetyRound, UnitMeasure

CANCEL_REASONS = [
    "Executive called to an emergency board meeting; rescheduled for next week.",
    "Unit on surge footing – census over capacity, huddle-only day.",
    "Norovirus outbreak precautions on the unit; visit postponed.",
    "Executive partner on leave; no deputy available.",
]
ROLE_MIXES = [
    "RNs, CNA, charge nurse",
    "RNs, RT, unit clerk",
    "RNs, pharmacist, CNA",
    "RNs, physician, RT, CNA",
    "charge nurse, RNs, environmental services",
    "RNs, nurse educator, CNA",
]
DEBRIEFS = [
    "Staff were open; equipment came up again. Champion to post the stoplight report on Friday.",
    "Good turnout from nights. Two quick fixes agreed on the spot.",
    "Staff asked what happened to last round's concerns – stoplight report to be re-posted.",
    "Busy unit; short round. Handoff concerns echoed last month.",
]
NOTES = {
    "going_on": [
        "Census has been high for three weeks; two travellers started Monday. New infusion pumps go live next month.",
        "Night shift short by two RNs most weekends. The new bedside shift report started this month.",
        "Boarding hours are up; staff are tired. Construction on the east corridor continues until spring.",
        "Unit moved to the new electronic handoff tool; early feedback mixed.",
    ],
    "staff_concerns": [
        "Bed alarms that do not reset after repositioning; waiting for portable suction on the night shift.",
        "Look-alike heparin concentrations in the automated cabinet; hard to find the glucometer charger.",
        "Transport delays for CT at night; the code cart checklist is out of date.",
        "Hand-off from PACU arrives without the pain plan; slips near the supply room when the floor is waxed.",
    ],
    "wins": [
        "Night team caught a look-alike vial mix-up before it reached a patient – please thank them by name at huddle.",
        "Zero CLABSI for six months – the line-care bundle audit team deserves recognition.",
        "The falls huddle cut falls with injury to none this quarter.",
        "Pharmacy now delivers first doses within the hour – staff noticed.",
    ],
    "asks": [
        "Help us get the second portable suction unit approved (quote sent to supply chain).",
        "Ask IT for a date on the barcode scanner replacements.",
        "Support for a weekend float pool request to nursing finance.",
        "Push facilities on the flooring repair outside room bank B.",
    ],
}
# unit kind -> (patient days per month, central-line share, catheter share, falls per 1,000, pressure injuries per 1,000)
PROFILES = {
    "icu": (560, 0.45, 0.38, 1.6, 2.2),
    "med-surg": (880, 0.10, 0.12, 3.6, 0.9),
    "ed": (320, 0.04, 0.06, 2.2, 0.3),
    "maternity": (520, 0.03, 0.15, 0.6, 0.2),
    "peri-op": (240, 0.08, 0.20, 0.9, 0.8),
}
REACH_FACTORS = [1.05, 0.85, 0.45, 0.95, 0.7, 0.5]  # some units reach 60% of staff, some do not


def _tz() -> tzinfo:
    try:
        from rounds.settings import load_settings

        return ZoneInfo(load_settings().timezone)
    except Exception:  # settings not usable here: fall back to the app's zone
        from rounds.core import clock

        return clock.timezone()


def _poisson(rng, lam: float) -> int:
    """A Poisson draw (Knuth), good enough for monthly event counts."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


async def seed(ctx: DemoContext) -> None:
    rng, tz = ctx.rng, _tz()
    now = clock.now()
    today = now.astimezone(tz).date()
    horizon = today + timedelta(days=rules.HORIZON_DAYS)
    async with db.write_transaction():
        for index, unit in enumerate(ctx.units):
            await _seed_unit(ctx, index, unit, rng, tz, now, today, horizon)


async def _seed_unit(ctx, index, unit, rng, tz, now, today, horizon) -> None:
    uid = unit["id"]
    team = ctx.team.get(uid, {})
    executive = (team.get("executive") or [None])[0]
    champion = (team.get("champion") or [None])[0]
    next_day = today + timedelta(days=1 + index % 6)
    at = time(9 + index % 4, 30 if index % 2 else 0)
    first_day = next_day - timedelta(weeks=4 * 13)
    first_at = datetime.combine(first_day, at, tzinfo=tz)
    series = (
        await RoundSeries.insert(
            RoundSeries(
                unit=uid,
                every_weeks=4,
                first_at=first_at,
                executive=executive,
                champion=champion,
                active=True,
                generated_until=horizon,
                created_at=first_at - timedelta(days=7),
            )
        ).returning(RoundSeries.id)
    )[0]["id"]
    moments = rules.series_dates(first_at, 4, after=None, until=horizon)
    headcount = unit["staff_headcount"] or 40
    per_round = max(2, round(headcount * REACH_FACTORS[index % len(REACH_FACTORS)] / 12))
    cancelled_at = set(rng.sample(range(2, 12), 2 if index % 3 else 1))
    rows = []
    for k, moment in enumerate(moments):
        when = moment.astimezone(UTC)
        base = {
            "unit": uid,
            "scheduled_at": when,
            "executive": executive,
            "champion": champion,
            "series": series,
            "created_at": first_at.astimezone(UTC) - timedelta(days=7),
            "version": 1,
            "duration_minutes": 30,
        }
        if moment.date() >= today:
            rows.append(SafetyRound(**base, status="scheduled"))
        elif k in cancelled_at:
            rows.append(
                SafetyRound(
                    **base,
                    status="cancelled",
                    cancel_reason=rng.choice(CANCEL_REASONS),
                    cancelled_at=when - timedelta(days=1),
                )
            )
        else:
            staff = max(1, per_round + rng.randint(-2, 2))
            rows.append(
                SafetyRound(
                    **base,
                    status="completed",
                    started_at=when + timedelta(minutes=3),
                    completed_at=when + timedelta(minutes=38),
                    staff_count=staff,
                    # most staff at a round are there for the first time that year
                    first_timers=round(staff * 0.85),
                    staff_roles=rng.choice(ROLE_MIXES),
                    read_back_done=rng.random() > 0.1,
                    debrief_notes=rng.choice(DEBRIEFS),
                )
            )
    inserted = await SafetyRound.insert(*rows).returning(
        SafetyRound.id, SafetyRound.status, SafetyRound.scheduled_at
    )
    inserted.sort(key=lambda r: r["scheduled_at"])
    future = [r for r in inserted if r["status"] == "scheduled"]
    past = [r for r in inserted if r["status"] == "completed"]
    briefings = []
    pick = lambda key, offset=0: NOTES[key][(index + offset) % len(NOTES[key])]  # noqa: E731
    if past:
        last = past[-1]
        briefings.append(
            Briefing(
                round=last["id"],
                going_on=pick("going_on", 1),
                staff_concerns=pick("staff_concerns", 1),
                wins=pick("wins", 1),
                asks=pick("asks", 1),
                ready_at=last["scheduled_at"] - timedelta(days=1),
                ready_by=champion,
                updated_at=last["scheduled_at"] - timedelta(days=1),
                version=1,
            )
        )
    if future and index != 0:
        nxt = future[0]
        ready = index == 1  # 5 North's next briefing is ready; the others are drafts
        briefings.append(
            Briefing(
                round=nxt["id"],
                going_on=pick("going_on"),
                staff_concerns=pick("staff_concerns"),
                wins=pick("wins") if ready else "",
                asks=pick("asks") if ready else "",
                ready_at=now - timedelta(hours=3) if ready else None,
                ready_by=champion if ready else None,
                updated_at=now - timedelta(hours=3),
                version=1,
            )
        )
        if ready:
            await SafetyRound.update({SafetyRound.status: "briefed"}).where(
                SafetyRound.id == nxt["id"]
            )
    if briefings:
        await Briefing.insert(*briefings)
    await _seed_measures(uid, unit["kind"], rng, today)


async def _seed_measures(uid: int, kind: str, rng, today: date) -> None:
    pd_mean, line_share, cath_share, falls_rate, pi_rate = PROFILES.get(kind, PROFILES["med-surg"])
    months, latest = [], {}
    first = rules.add_months(rules.month_start(today), -18)
    for step in range(18):
        month = rules.add_months(first, step)
        pd = max(50, int(rng.gauss(pd_mean, pd_mean * 0.06)))
        lines, caths = (
            int(pd * line_share * rng.uniform(0.85, 1.15)),
            int(pd * cath_share * rng.uniform(0.85, 1.15)),
        )
        falls = _poisson(rng, pd * falls_rate / 1000)
        values: dict[str, Any] = {
            "patient_days": pd,
            "falls": falls,
            "falls_with_injury": min(falls, _poisson(rng, falls * 0.2)),
            "pressure_injuries": _poisson(rng, pd * pi_rate / 1000),
            "central_line_days": lines,
            "clabsi": _poisson(rng, lines * 0.9 / 1000) if lines else 0,
            "catheter_days": caths,
            "cauti": _poisson(rng, caths * 1.3 / 1000) if caths else 0,
            "medication_harm": _poisson(rng, pd * 0.35 / 1000),
            "staff_injuries": _poisson(rng, 0.5),
        }
        months.append(
            UnitMeasure(unit=uid, month=month, **values, entered_at=clock.now(), version=1)
        )
        for ev_kind, field in rules.KIND_COUNT.items():
            if values[field] > 0:
                latest[ev_kind] = month
    await UnitMeasure.insert(*months)
    events = []
    for ev_kind in rules.EVENT_KINDS:
        month = latest.get(ev_kind)
        if month:
            end = min(rules.add_months(month, 1) - timedelta(days=1), today)
            on = month + timedelta(days=rng.randint(0, (end - month).days))
        else:
            on = first - timedelta(days=rng.randint(20, 400))
        events.append(LastEvent(unit=uid, kind=ev_kind, occurred_on=on))
    # a fall with injury is also a fall: keep the dates in order
    by_kind = {e.kind: e for e in events}
    if by_kind["fall_injury"].occurred_on > by_kind["fall"].occurred_on:
        by_kind["fall"].occurred_on = by_kind["fall_injury"].occurred_on
    await LastEvent.insert(*events)
