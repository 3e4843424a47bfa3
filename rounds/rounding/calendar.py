"""Each person's iCalendar feed: their rounds, their units' CUSP meetings, the follow-up
dates of barriers they own and the due dates of open safety issues they own (each event with
its unit as the location and a link). The feed URL holds a secret token; only its SHA-256 is stored, so
the link is shown once and a new link revokes the old one."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, timedelta

from icalendar import Calendar, Event

from rounds import db
from rounds.audit import service as audit
from rounds.auth.access import Viewer
from rounds.barriers.tables import Barrier
from rounds.core import clock
from rounds.core.tables import Membership, Person
from rounds.issues.rules import OPEN_STATUSES
from rounds.issues.tables import SafetyIssue
from rounds.meetings.tables import Meeting
from rounds.rounding.tables import SafetyRound

PAST_DAYS = 60
FUTURE_DAYS = 400


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def has_link(viewer: Viewer) -> bool:
    row = await Person.select(Person.calendar_token).where(Person.id == viewer.id).first()
    return bool(row and row["calendar_token"])


async def new_link(viewer: Viewer) -> str:
    """A fresh secret token (any earlier link stops working). Returned once, never stored."""
    token = secrets.token_urlsafe(32)
    async with db.write_transaction():
        await Person.update({Person.calendar_token: token_hash(token)}).where(
            Person.id == viewer.id
        )
        await audit.record(
            viewer.actor,
            "update",
            "person",
            viewer.id,
            changes={"calendar_link": ["(old)", "(new)"]},
        )
    return token


async def revoke(viewer: Viewer) -> None:
    async with db.write_transaction():
        await Person.update({Person.calendar_token: None}).where(Person.id == viewer.id)
        await audit.record(
            viewer.actor, "update", "person", viewer.id, changes={"calendar_link": ["(set)", None]}
        )


async def feed(token: str, base_url: str) -> bytes | None:
    """The .ics body for the person holding this token, or None for an unknown/revoked token."""
    if not token or len(token) > 100:
        return None
    person = (
        await Person.select(Person.id, Person.display_name, Person.active)
        .where(Person.calendar_token == token_hash(token))
        .first()
    )
    if person is None or not person["active"]:
        return None
    pid = person["id"]
    now = clock.now()
    start, end = now - timedelta(days=PAST_DAYS), now + timedelta(days=FUTURE_DAYS)
    units = {
        m["unit"] for m in await Membership.select(Membership.unit).where(Membership.person == pid)
    }
    rounds = await SafetyRound.select(
        SafetyRound.id,
        SafetyRound.scheduled_at,
        SafetyRound.duration_minutes,
        SafetyRound.status,
        SafetyRound.executive,
        SafetyRound.unit.name.as_alias("unit_name"),
        SafetyRound.executive.display_name.as_alias("executive_name"),
    ).where(
        ((SafetyRound.executive == pid) | (SafetyRound.champion == pid))
        & (SafetyRound.scheduled_at >= start)
        & (SafetyRound.scheduled_at <= end)
        & (SafetyRound.status != "cancelled")
    )
    meetings = []
    if units:
        meetings = await Meeting.select(
            Meeting.id,
            Meeting.scheduled_at,
            Meeting.status,
            Meeting.unit.name.as_alias("unit_name"),
        ).where(
            Meeting.unit.is_in(list(units))
            & (Meeting.scheduled_at >= start)
            & (Meeting.scheduled_at <= end)
        )
    barriers = await Barrier.select(
        Barrier.id,
        Barrier.description,
        Barrier.next_follow_up_on,
        Barrier.unit.name.as_alias("unit_name"),
    ).where((Barrier.owner == pid) & (Barrier.status == "open"))
    issues = await SafetyIssue.select(
        SafetyIssue.id, SafetyIssue.due_on, SafetyIssue.unit.name.as_alias("unit_name")
    ).where(
        (SafetyIssue.owner == pid)
        & SafetyIssue.status.is_in(list(OPEN_STATUSES))
        & SafetyIssue.due_on.is_not_null()
    )
    cal = Calendar()
    cal.add("prodid", "-//Rounds//CUSP safety rounds//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Rounds – safety rounds and follow-ups")
    stamp = now.astimezone(UTC)
    for r in rounds:
        ev = Event()
        ev.add("uid", f"round-{r['id']}@rounds")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", r["scheduled_at"].astimezone(UTC))
        ev.add(
            "dtend",
            r["scheduled_at"].astimezone(UTC) + timedelta(minutes=r["duration_minutes"] or 30),
        )
        ev.add("summary", f"Safety round – {r['unit_name']}")
        ev.add(
            "description",
            f"Executive safety round with {r['executive_name'] or 'the executive partner'}. Briefing: {base_url}/rounds/{r['id']}/briefing",
        )
        ev.add("url", f"{base_url}/rounds/{r['id']}/briefing")
        ev.add("location", r["unit_name"])
        cal.add_component(ev)
    for m in meetings:
        ev = Event()
        ev.add("uid", f"meeting-{m['id']}@rounds")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", m["scheduled_at"].astimezone(UTC))
        ev.add("dtend", m["scheduled_at"].astimezone(UTC) + timedelta(hours=1))
        ev.add("summary", f"CUSP team meeting – {m['unit_name']}")
        ev.add("description", f"Agenda and minutes: {base_url}/meetings/{m['id']}")
        ev.add("url", f"{base_url}/meetings/{m['id']}")
        ev.add("location", m["unit_name"])
        cal.add_component(ev)
    for b in barriers:
        ev = Event()
        ev.add("uid", f"barrier-{b['id']}@rounds")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", b["next_follow_up_on"])
        ev.add("dtend", b["next_follow_up_on"] + timedelta(days=1))
        ev.add("summary", f"Barrier follow-up – {b['unit_name']}")
        # Confidential log text stays in Rounds: the calendar only links to it.
        ev.add("description", f"Follow up a barrier you own: {base_url}/barriers/{b['id']}")
        ev.add("url", f"{base_url}/barriers/{b['id']}")
        ev.add("location", b["unit_name"])
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    for i in issues:
        ev = Event()
        ev.add("uid", f"issue-{i['id']}@rounds")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", i["due_on"])
        ev.add("dtend", i["due_on"] + timedelta(days=1))
        ev.add("summary", f"Safety issue {i['id']} due – {i['unit_name']}")
        # As for barriers: the issue's words stay in Rounds, the event links to them.
        ev.add("description", f"A safety issue you own is due: {base_url}/issues/{i['id']}")
        ev.add("url", f"{base_url}/issues/{i['id']}")
        ev.add("location", i["unit_name"])
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    return cal.to_ical()
