"""Daily reminder digests: what each person has due or overdue today.

- barriers they own whose follow-up is due or overdue (escalation due is said out loud);
- safety issues they own that are due or overdue;
- staff feedback due or overdue on the issues of units they champion.

`GET /reminders` computes the digest live, so it is always visible in the app. `rounds reminders
send` (cron, any number of times a day) stores one ReminderDigest per person per day (a unique
index makes a second run create nothing) and e-mails the unsent ones when SMTP is configured.
A send is claimed first (attempts + last_attempt_at), so two overlapping runs never mail the
same digest twice; a failure is recorded (attempts, last_error) and retried on the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape

from rounds import db
from rounds.audit import service as audit
from rounds.barriers import rules
from rounds.barriers.mail import send_mail, smtp_configured
from rounds.barriers.tables import Barrier, ReminderDigest
from rounds.core import clock
from rounds.core.tables import Membership, Person
from rounds.issues.tables import SafetyIssue
from rounds.web import filters

log = logging.getLogger("rounds.reminders")

MAX_ATTEMPTS = 20  # about three weeks of hourly retries before giving up on one digest
RETRY_DAYS = 7  # unsent digests older than this are left in the app only
CLAIM_MINUTES = 15  # an attempt in progress is left alone this long by other runs
LIST_LIMIT = 25  # items per section in the e-mail (the page shows them all)
GIVE_UP_AFTER = 3  # consecutive failures with nothing sent: stop this run, retry next time


WEEK_DAYS = 6  # "due this week": today and the six days after it


@dataclass
class Digest:
    person_id: int
    day: date
    barriers: list[dict] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)
    feedback: list[dict] = field(default_factory=list)
    needs_owner: list[dict] = field(default_factory=list)  # champions: owner left or removed
    # Admins only: the audit log's checkpoint, so a copy of it lives outside Rounds (their mail).
    audit_checkpoint: str = ""
    upcoming: list[dict] = field(default_factory=list)  # due later this week: a heads-up only

    @property
    def empty(self) -> bool:
        """Nothing to act on today (what is only coming up later this week makes no e-mail)."""
        return not (
            self.barriers
            or self.issues
            or self.feedback
            or self.needs_owner
            or self.audit_checkpoint
        )

    @property
    def count(self) -> int:
        return len(self.barriers) + len(self.issues) + len(self.feedback) + len(self.needs_owner)

    def _dated(self) -> list[date]:
        return [
            *(b["next_follow_up_on"] for b in self.barriers),
            *(i["due_on"] for i in self.issues),
            *(i["feedback_due_on"] for i in self.feedback),
        ]

    @property
    def overdue(self) -> int:
        return sum(1 for d in self._dated() if d < self.day)

    @property
    def due_this_week(self) -> int:
        return sum(1 for d in self._dated() if d >= self.day) + len(self.upcoming)

    @property
    def escalations(self) -> list[dict]:
        return [b for b in self.barriers if b["state"] == "escalation_due"]

    @property
    def subject(self) -> str:
        """What is due, in the inbox list: "3 overdue, 2 due this week - Rounds"."""
        parts = []
        if self.overdue:
            parts.append(f"{self.overdue} overdue")
        if self.due_this_week:
            parts.append(f"{self.due_this_week} due this week")
        if self.needs_owner:
            parts.append(
                f"{len(self.needs_owner)} need{'s' if len(self.needs_owner) == 1 else ''} a new owner"
            )
        if not parts and self.audit_checkpoint:
            return "Audit log checkpoint - Rounds"
        return (", ".join(parts) or "Nothing due") + " - Rounds"

    def summary(self) -> list[str]:
        """Three lines that say it all before any list."""
        first = ", ".join(
            part
            for part in (
                f"{self.overdue} overdue" if self.overdue else "",
                f"{self.due_this_week} due this week" if self.due_this_week else "",
                f"{len(self.escalations)} barrier{'s' if len(self.escalations) != 1 else ''} due for escalation"
                if self.escalations
                else "",
            )
            if part
        )
        urgent = self._most_urgent()
        second = f"Most urgent: {urgent}." if urgent else "Nothing is overdue."
        groups = [title for title, items, *_ in self.groups() if items]
        third = "To do: " + "; ".join(t.lower() for t in groups) + "." if groups else ""
        return [(first or "Nothing due") + ".", second, third]

    def _most_urgent(self) -> str:
        dated = [
            *(
                (b["next_follow_up_on"], f"follow up “{_short(b['description'], 60)}”")
                for b in self.barriers
            ),
            *((i["due_on"], f"“{_short(i['description'], 60)}”") for i in self.issues),
            *(
                (i["feedback_due_on"], f"tell staff about “{_short(i['description'], 60)}”")
                for i in self.feedback
            ),
        ]
        if not dated:
            return ""
        day, what = min(dated, key=lambda pair: pair[0])
        return f"{what}, {filters.due(day, self.day)}"

    def groups(self) -> list[tuple[str, list[dict], Callable[[dict], str], Callable[[dict], str]]]:
        """(what to do, items, line, link), in the order to do them."""
        escalate = self.escalations
        follow = [b for b in self.barriers if b not in escalate]
        return [
            ("Decide on escalation", escalate, _barrier_line, lambda b: f"/barriers/{b['id']}"),
            ("Follow up your barriers", follow, _barrier_line, lambda b: f"/barriers/{b['id']}"),
            (
                "Move your safety issues on",
                self.issues,
                lambda i: (
                    f"{_short(i['description'])} ({i['unit_name']}) – {filters.due(i['due_on'], self.day)}"
                ),
                lambda i: f"/issues/{i['id']}",
            ),
            (
                "Tell staff the outcome",
                self.feedback,
                lambda i: (
                    f"{_short(i['description'])} ({i['unit_name']}) – feedback {filters.due(i['feedback_due_on'], self.day)}"
                ),
                lambda i: f"/issues/{i['id']}",
            ),
            (
                "Find a new owner (the owner left or was removed)",
                self.needs_owner,
                lambda i: (
                    f"{_short(i['description'])} ({i['unit_name']})"
                    + (f" – {i['owner_name']} has left" if i.get("owner_name") else " – no owner")
                ),
                lambda i: i["link"],
            ),
            (
                "Coming up later this week",
                self.upcoming,
                lambda i: (
                    f"{_short(i['description'])} ({i['unit_name']}) – {i['what']} {filters.due(i['when'], self.day)}"
                ),
                lambda i: i["link"],
            ),
        ]

    def text(self, name: str, base_url: str) -> str:
        base = base_url.rstrip("/")
        lines = [line for line in self.summary() if line]
        lines += [
            f"Everything in one place: {base}/reminders",
            "",
            f"Good morning {name.split(' ')[0]},",
            "",
        ]
        for title, items, line, link in self.groups():
            if not items:
                continue
            lines.append(f"{title} ({len(items)})")
            for item in items[:LIST_LIMIT]:
                lines.append(f"- {line(item)}")
                lines.append(f"  {base}{link(item)}")
            if len(items) > LIST_LIMIT:
                lines.append(f"- and {len(items) - LIST_LIMIT} more: {base}/reminders")
            lines.append("")
        lines += self._checkpoint_lines()
        lines.append(_FOOTER)
        return "\n".join(lines)

    def _checkpoint_lines(self) -> list[str]:
        if not self.audit_checkpoint:
            return []
        return [
            "Audit log checkpoint (keep this e-mail: it lets anyone check later that no entry",
            "was deleted since today):",
            f"  {self.audit_checkpoint}",
            f"  Check with: rounds audit verify --checkpoint {self.audit_checkpoint}",
            "",
        ]

    def html(self, name: str, base_url: str) -> str:
        """The same words as `text`, as HTML (links to each item; no images, no tracking)."""
        base = base_url.rstrip("/")
        out = ['<div style="font-family: sans-serif; font-size: 16px; line-height: 1.4;">']
        summary = [escape(line) for line in self.summary() if line]
        out.append(
            f'<p style="font-size: 18px;"><strong>{summary[0]}</strong><br>'
            + "<br>".join(summary[1:])
            + "</p>"
        )
        out.append(f'<p><a href="{escape(base)}/reminders">Everything in one place</a></p>')
        out.append(f"<p>Good morning {escape(name.split(' ')[0])},</p>")
        for title, items, line, link in self.groups():
            if not items:
                continue
            out.append(f'<h2 style="font-size: 18px;">{escape(title)} ({len(items)})</h2><ul>')
            for item in items[:LIST_LIMIT]:
                out.append(
                    f'<li><a href="{escape(base + link(item))}">{escape(line(item))}</a></li>'
                )
            if len(items) > LIST_LIMIT:
                out.append(
                    f'<li><a href="{escape(base)}/reminders">and {len(items) - LIST_LIMIT} more</a></li>'
                )
            out.append("</ul>")
        if self.audit_checkpoint:
            out.append("<pre>" + escape("\n".join(self._checkpoint_lines())) + "</pre>")
        out.append(f'<p style="color: #4a5560; font-size: 13px;">{escape(_FOOTER)}</p></div>')
        return "\n".join(out)


_FOOTER = "Confidential – patient safety work product. You get this because you own these follow-ups in Rounds."


def _short(text: str, limit: int = 100) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _barrier_line(b: dict) -> str:
    prefix = ""
    if b["state"] == "escalation_due" and b["suggested_level"]:
        prefix = f"[Escalation due – suggest {rules.level_label(b['suggested_level'])}] "
    return f"{prefix}{_short(b['description'])} ({b['unit_name']}) – follow-up {filters.due(b['next_follow_up_on'])}"


async def _collect(today: date, person_id: int | None = None) -> dict[int, Digest]:
    """Digests for one person, or for everyone with something due (three or four queries)."""
    from rounds.barriers.service import barrier_settings
    from rounds.measures.service import (
        barrier_follow_up_due_where,
        feedback_pending_where,
        fix_due_by_where,
    )

    settings = await barrier_settings()
    digests: dict[int, Digest] = {}

    def digest(pid: int) -> Digest:
        return digests.setdefault(pid, Digest(pid, today))

    def later(pid: int, item: dict, what: str, when: date, link: str) -> None:
        digest(pid).upcoming.append({**item, "what": what, "when": when, "link": link})

    week_end = today + timedelta(days=WEEK_DAYS)

    barriers = Barrier.select(
        Barrier.id,
        Barrier.description,
        Barrier.owner,
        Barrier.level,
        Barrier.next_follow_up_on,
        Barrier.unit.name.as_alias("unit_name"),
    ).where(barrier_follow_up_due_where(week_end) & Barrier.owner.is_not_null())
    issues = SafetyIssue.select(
        SafetyIssue.id,
        SafetyIssue.description,
        SafetyIssue.owner,
        SafetyIssue.due_on,
        SafetyIssue.unit.name.as_alias("unit_name"),
    ).where(fix_due_by_where(week_end) & SafetyIssue.owner.is_not_null())
    champions = Membership.select(Membership.person, Membership.unit).where(
        Membership.unit_role == "champion"
    )
    if person_id is not None:
        barriers = barriers.where(Barrier.owner == person_id)
        issues = issues.where(SafetyIssue.owner == person_id)
        champions = champions.where(Membership.person == person_id)
    for b in await barriers.order_by(Barrier.next_follow_up_on):
        b["state"] = rules.follow_up_state(
            b["next_follow_up_on"], today, settings["escalate_after_days"]
        )
        b["suggested_level"] = rules.next_level(b["level"])
        if b["next_follow_up_on"] > today:
            later(b["owner"], b, "follow-up", b["next_follow_up_on"], f"/barriers/{b['id']}")
        else:
            digest(b["owner"]).barriers.append(b)
    for i in await issues.order_by(SafetyIssue.due_on):
        if i["due_on"] > today:
            later(i["owner"], i, "fix", i["due_on"], f"/issues/{i['id']}")
        else:
            digest(i["owner"]).issues.append(i)
    champion_rows = await champions
    units: dict[int, list[int]] = {}
    for row in champion_rows:
        units.setdefault(row["unit"], []).append(row["person"])
    if units:
        feedback = (
            await SafetyIssue.select(
                SafetyIssue.id,
                SafetyIssue.description,
                SafetyIssue.unit,
                SafetyIssue.feedback_due_on,
                SafetyIssue.unit.name.as_alias("unit_name"),
            )
            .where(SafetyIssue.unit.is_in(list(units)) & feedback_pending_where(week_end))
            .order_by(SafetyIssue.feedback_due_on)
        )
        for i in feedback:
            for pid in units[i["unit"]]:
                if i["feedback_due_on"] > today:
                    later(pid, i, "feedback", i["feedback_due_on"], f"/issues/{i['id']}")
                else:
                    digest(pid).feedback.append(i)
        from rounds.admin.handover import needs_owner

        for i in await needs_owner(list(units)):
            for pid in units[i["unit"]]:
                digest(pid).needs_owner.append(i)
    return digests


async def digest_for(person_id: int, today: date) -> Digest:
    """One person's digest for today, computed live (the /reminders page)."""
    return (await _collect(today, person_id)).get(person_id) or Digest(person_id, today)


async def delivery_status(person_id: int, today: date) -> dict | None:
    return (
        await ReminderDigest.select()
        .where((ReminderDigest.person == person_id) & (ReminderDigest.digest_on == today))
        .first()
    )


@dataclass
class RunResult:
    created: int = 0
    already: int = 0
    sent: int = 0
    failed: int = 0
    smtp: bool = False
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"Reminder digests: {self.created} new today ({self.already} already made)."
        if not self.smtp:
            return (
                text
                + " SMTP is not configured (ROUNDS_SMTP_HOST): digests are shown in the app at /reminders."
            )
        return (
            text
            + f" E-mails sent: {self.sent}; failed (will retry on the next run): {self.failed}."
        )


async def create_digests(today: date, base_url: str) -> RunResult:
    """Store today's digest for everyone with something due; a second run creates nothing."""
    result = RunResult()
    digests = await _collect(today)
    admins = await Person.select(Person.id).where(
        (Person.role == "admin") & (Person.active == True)
    )
    if admins:
        checkpoint = str(await audit.checkpoint())
        for row in admins:
            digests.setdefault(row["id"], Digest(row["id"], today)).audit_checkpoint = checkpoint
    digests = {pid: d for pid, d in digests.items() if not d.empty}
    if not digests:
        return result
    people = {
        p["id"]: p
        for p in await Person.select(Person.id, Person.display_name).where(
            Person.id.is_in(list(digests)) & (Person.active == True)
        )
    }  # noqa: E712
    existing = {
        r["person"]
        for r in await ReminderDigest.select(ReminderDigest.person).where(
            ReminderDigest.digest_on == today
        )
    }
    now = clock.now()
    for pid, d in digests.items():
        if pid not in people:
            continue
        if pid in existing:
            result.already += 1
            continue
        try:
            async with db.write_transaction():
                await ReminderDigest.insert(
                    ReminderDigest(
                        person=pid,
                        digest_on=today,
                        body=d.text(people[pid]["display_name"], base_url),
                        subject=d.subject,
                        html=d.html(people[pid]["display_name"], base_url),
                        created_at=now,
                        attempts=0,
                        last_error="",
                    )
                )
            result.created += 1
        except Exception:
            # The unique (person, day) index: another run made it first.
            result.already += 1
    return result


async def send_pending(settings, today: date) -> RunResult:
    """E-mail every unsent digest of the last week, each claimed before sending."""
    result = RunResult(smtp=True)
    now = clock.now()
    pending = (
        await ReminderDigest.select(
            *ReminderDigest.all_columns(),
            ReminderDigest.person.email.as_alias("email"),
            ReminderDigest.person.active.as_alias("active"),
        )
        .where(
            ReminderDigest.sent_at.is_null()
            & (ReminderDigest.digest_on >= today - timedelta(days=RETRY_DAYS))
            & (ReminderDigest.attempts < MAX_ATTEMPTS)
        )
        .order_by(ReminderDigest.id)
    )
    for row in pending:
        if result.failed >= GIVE_UP_AFTER and not result.sent:
            break  # the server is down: leave the rest for the next run rather than wait on each
        if not row["active"] or not row["email"]:
            continue
        if row["last_attempt_at"] is not None and now - row["last_attempt_at"] < timedelta(
            minutes=CLAIM_MINUTES
        ):
            continue  # another run is sending it right now
        async with db.write_transaction():
            claimed = (
                await ReminderDigest.update(
                    {
                        ReminderDigest.attempts: row["attempts"] + 1,
                        ReminderDigest.last_attempt_at: now,
                    }
                )
                .where(
                    (ReminderDigest.id == row["id"])
                    & (ReminderDigest.attempts == row["attempts"])
                    & ReminderDigest.sent_at.is_null()
                )
                .returning(ReminderDigest.id)
            )
        if not claimed:
            continue
        subject = row["subject"] or f"Rounds: your follow-ups for {filters.day(row['digest_on'])}"
        try:
            await send_mail(settings, row["email"], subject, row["body"], html=row["html"] or None)
        except Exception as exc:  # SMTP down, refused, timed out: keep it and retry next run
            message = f"{type(exc).__name__}: {exc}"[:500]
            log.warning(
                "Reminder digest %s to person %s not sent: %s", row["id"], row["person"], message
            )
            async with db.write_transaction():
                await ReminderDigest.update(
                    {ReminderDigest.last_error: message, ReminderDigest.last_attempt_at: None}
                ).where(ReminderDigest.id == row["id"])
            result.failed += 1
            result.errors.append(message)
            continue
        async with db.write_transaction():
            await ReminderDigest.update(
                {ReminderDigest.sent_at: clock.now(), ReminderDigest.last_error: ""}
            ).where(ReminderDigest.id == row["id"])
        result.sent += 1
    return result


async def run(settings, today: date | None = None) -> RunResult:
    """What `rounds reminders send` does: safe to run as often as cron likes."""
    today = today or clock.local_today()
    made = await create_digests(today, settings.link_base())
    if not smtp_configured(settings):
        return made
    sent = await send_pending(settings, today)
    sent.created, sent.already = made.created, made.already
    return sent
