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
from dataclasses import dataclass, field
from datetime import date, timedelta

from rounds import db
from rounds.audit import service as audit
from rounds.barriers import rules
from rounds.barriers.mail import send_mail, smtp_configured
from rounds.barriers.tables import Barrier, ReminderDigest
from rounds.core import clock
from rounds.core.tables import Membership, Person
from rounds.issues.rules import OPEN_STATUSES
from rounds.issues.tables import SafetyIssue
from rounds.web import filters

log = logging.getLogger("rounds.reminders")

MAX_ATTEMPTS = 20  # about three weeks of hourly retries before giving up on one digest
RETRY_DAYS = 7  # unsent digests older than this are left in the app only
CLAIM_MINUTES = 15  # an attempt in progress is left alone this long by other runs
LIST_LIMIT = 25  # items per section in the e-mail (the page shows them all)
GIVE_UP_AFTER = 3  # consecutive failures with nothing sent: stop this run, retry next time


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

    @property
    def empty(self) -> bool:
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

    def text(self, name: str, base_url: str) -> str:
        base = base_url.rstrip("/")
        lines = [
            f"Good morning {name.split(' ')[0]},",
            "",
            f"This is what is due in Rounds today ({filters.day(self.day)}).",
            "",
        ]

        def section(title: str, items: list[dict], line, link):
            if not items:
                return
            lines.append(f"{title} ({len(items)})")
            for item in items[:LIST_LIMIT]:
                lines.append(f"- {line(item)}")
                lines.append(f"  {base}{link(item)}")
            if len(items) > LIST_LIMIT:
                lines.append(f"- and {len(items) - LIST_LIMIT} more: {base}/reminders")
            lines.append("")

        section("Barriers you own", self.barriers, _barrier_line, lambda b: f"/barriers/{b['id']}")
        section(
            "Safety issues you own",
            self.issues,
            lambda i: f"{_short(i['description'])} ({i['unit_name']}) – {filters.due(i['due_on'])}",
            lambda i: f"/issues/{i['id']}",
        )
        section(
            "Staff feedback due on your units",
            self.feedback,
            lambda i: (
                f"{_short(i['description'])} ({i['unit_name']}) – feedback {filters.due(i['feedback_due_on'])}"
            ),
            lambda i: f"/issues/{i['id']}",
        )
        section(
            "Needs a new owner on your units (the owner left or was removed)",
            self.needs_owner,
            lambda i: (
                f"{_short(i['description'])} ({i['unit_name']})"
                + (f" – {i['owner_name']} has left" if i.get("owner_name") else " – no owner")
            ),
            lambda i: i["link"],
        )
        if self.audit_checkpoint:
            lines += [
                "Audit log checkpoint (keep this e-mail: it lets anyone check later that no entry",
                "was deleted since today):",
                f"  {self.audit_checkpoint}",
                f"  Check with: rounds audit verify --checkpoint {self.audit_checkpoint}",
                "",
            ]
        lines += [
            f"Everything in one place: {base}/reminders",
            "",
            "Confidential – patient safety work product. You get this because you own these follow-ups in Rounds.",
        ]
        return "\n".join(lines)


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

    settings = await barrier_settings()
    digests: dict[int, Digest] = {}

    def digest(pid: int) -> Digest:
        return digests.setdefault(pid, Digest(pid, today))

    barriers = Barrier.select(
        Barrier.id,
        Barrier.description,
        Barrier.owner,
        Barrier.level,
        Barrier.next_follow_up_on,
        Barrier.unit.name.as_alias("unit_name"),
    ).where(
        (Barrier.status == "open")
        & (Barrier.next_follow_up_on <= today)
        & Barrier.owner.is_not_null()
    )
    issues = SafetyIssue.select(
        SafetyIssue.id,
        SafetyIssue.description,
        SafetyIssue.owner,
        SafetyIssue.due_on,
        SafetyIssue.unit.name.as_alias("unit_name"),
    ).where(
        SafetyIssue.status.is_in(list(OPEN_STATUSES))
        & (SafetyIssue.due_on <= today)
        & SafetyIssue.owner.is_not_null()
    )
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
        digest(b["owner"]).barriers.append(b)
    for i in await issues.order_by(SafetyIssue.due_on):
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
            .where(
                SafetyIssue.unit.is_in(list(units))
                & SafetyIssue.feedback_given_on.is_null()
                & (SafetyIssue.feedback_due_on <= today)
                & (SafetyIssue.status != "closed")
            )
            .order_by(SafetyIssue.feedback_due_on)
        )
        for i in feedback:
            for pid in units[i["unit"]]:
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
        subject = f"Rounds: your follow-ups for {filters.day(row['digest_on'])}"
        try:
            await send_mail(settings, row["email"], subject, row["body"])
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
    today = today or filters.local_today()
    made = await create_digests(today, settings.link_base())
    if not smtp_configured(settings):
        return made
    sent = await send_pending(settings, today)
    sent.created, sent.already = made.created, made.already
    return sent
