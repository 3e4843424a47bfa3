"""Concerns from staff and families, without an account: unit links, sending, the reference
page, the champion's triage, Staff Safety Assessment campaigns. No Litestar imports except the
access helpers' exceptions."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from litestar.exceptions import NotFoundException

from rounds import db
from rounds.audit import service as audit
from rounds.audit.service import Actor
from rounds.auth.access import Viewer, ensure_can_manage, ensure_can_see
from rounds.core import clock
from rounds.core.clock import local_today
from rounds.core.errors import InputError
from rounds.core.tables import Unit
from rounds.issues import rules as issue_rules
from rounds.issues import service as issues
from rounds.issues.tables import SafetyIssue
from rounds.rounding.tables import SafetyRound
from rounds.voice import rules
from rounds.voice.tables import AUDIENCES, Campaign, Concern, VoiceLink
from rounds.web import filters

# Who wrote an anonymous concern, in the audit log: no address, nothing that identifies them.
PUBLIC_ACTOR = Actor(id=None, label="public concern form", ip="")
MAX_CAMPAIGN_DAYS = 92
ROUND_CHOICES_BACK_DAYS = 2
ROUND_CHOICES_AHEAD_DAYS = 45

_key: bytes | None = None


def configure(secret_key: str) -> None:
    """Set the key that derives link tokens (create_app and the CLI call this)."""
    global _key
    _key = hashlib.sha256(b"rounds-voice-links\0" + secret_key.encode()).digest()


def _link_key() -> bytes:
    if _key is None:
        raise RuntimeError("rounds.voice.service.configure() was not called")
    return _key


ConcernInputError = InputError  # one input error for every feature (rounds.core.errors)


class AlreadyDecided(Exception):
    """The concern was triaged meanwhile (another tab, a double tap)."""


def _not_found() -> NotFoundException:
    return NotFoundException()


# --- unit links -------------------------------------------------------------------------------


async def active_links(viewer: Viewer, unit_id: int) -> dict[str, dict]:
    """{audience: {"token", "created_at"}} for the unit's links that work now."""
    ensure_can_manage(viewer, unit_id)
    rows = await VoiceLink.select().where(
        (VoiceLink.unit == unit_id) & VoiceLink.revoked_at.is_null()
    )
    return {
        r["audience"]: {
            "token": rules.link_token(_link_key(), r["nonce"]),
            "created_at": r["created_at"],
        }
        for r in rows
    }


async def new_link(viewer: Viewer, unit_id: int, audience: str) -> str:
    """A fresh link for the audience; the previous one stops working. Returns the token."""
    ensure_can_manage(viewer, unit_id)
    if audience not in AUDIENCES:
        raise ConcernInputError({"audience": "Choose staff or patients and families."})
    nonce = rules.new_nonce()
    token = rules.link_token(_link_key(), nonce)
    now = clock.now()
    async with db.write_transaction():
        await _revoke(viewer, unit_id, audience, now)
        row = (
            await VoiceLink.insert(
                VoiceLink(
                    unit=unit_id,
                    audience=audience,
                    nonce=nonce,
                    token_hash=rules.token_hash(token),
                    created_at=now,
                    created_by=viewer.id,
                )
            ).returning(VoiceLink.id)
        )[0]
        await audit.record(
            viewer.actor,
            "create",
            "voice_link",
            row["id"],
            unit_id=unit_id,
            changes={"audience": [None, audience]},
        )
    return token


async def revoke_link(viewer: Viewer, unit_id: int, audience: str) -> None:
    ensure_can_manage(viewer, unit_id)
    async with db.write_transaction():
        await _revoke(viewer, unit_id, audience, clock.now())


async def _revoke(viewer: Viewer, unit_id: int, audience: str, now: datetime) -> None:
    rows = await VoiceLink.select(VoiceLink.id).where(
        (VoiceLink.unit == unit_id)
        & (VoiceLink.audience == audience)
        & VoiceLink.revoked_at.is_null()
    )
    for row in rows:
        await VoiceLink.update({VoiceLink.revoked_at: now}).where(VoiceLink.id == row["id"])
        await audit.record(
            viewer.actor,
            "revoke",
            "voice_link",
            row["id"],
            unit_id=unit_id,
            changes={"revoked_at": [None, now.isoformat()]},
        )


async def link_by_token(token: str) -> dict | None:
    """The working link for a public token, or None (wrong, revoked, unit closed: all alike)."""
    if not rules.plausible_token(token):
        return None
    row = (
        await VoiceLink.select(
            VoiceLink.id,
            VoiceLink.unit,
            VoiceLink.audience,
            VoiceLink.unit.name.as_alias("unit_name"),
            VoiceLink.unit.active.as_alias("unit_active"),
        )
        .where((VoiceLink.token_hash == rules.token_hash(token)) & VoiceLink.revoked_at.is_null())
        .first()
    )
    if row is None or not row["unit_active"]:
        return None
    return row


# --- the public form ----------------------------------------------------------------------------


async def round_choices(unit_id: int, wanted: int | None = None) -> list[dict]:
    """Rounds a concern may be "about": the unit's next ones and any from the last two days,
    and the round a notice was printed for (`wanted`, from its link) while that round is still
    to come or under way, however far ahead it is."""
    now = clock.now()
    live = (SafetyRound.unit == unit_id) & SafetyRound.status.is_in(
        ["scheduled", "briefed", "in_progress"]
    )
    rows = (
        await SafetyRound.select(SafetyRound.id, SafetyRound.scheduled_at)
        .where(
            live
            & (SafetyRound.scheduled_at >= now - timedelta(days=ROUND_CHOICES_BACK_DAYS))
            & (SafetyRound.scheduled_at <= now + timedelta(days=ROUND_CHOICES_AHEAD_DAYS))
        )
        .order_by(SafetyRound.scheduled_at)
        .limit(3)
    )
    if wanted and wanted not in {r["id"] for r in rows}:
        rows += await SafetyRound.select(SafetyRound.id, SafetyRound.scheduled_at).where(
            live & (SafetyRound.id == wanted)
        )
        rows.sort(key=lambda r: r["scheduled_at"])
    return [{"id": r["id"], "label": filters.when(r["scheduled_at"])} for r in rows]


async def open_campaign_id(unit_id: int, on: date) -> int | None:
    row = (
        await Campaign.select(Campaign.id)
        .where(
            (Campaign.unit == unit_id)
            & (Campaign.opens_on <= on)
            & (Campaign.closes_on >= on)
            & Campaign.closed_early_on.is_null()
        )
        .first()
    )
    return row["id"] if row else None


def check_concern(
    *, harm: str, prevent: str, role: str, language: str
) -> tuple[dict[str, str], dict[str, str]]:
    """(cleaned values, {field: message}) for what a sender typed."""
    values = {"harm": harm.strip(), "prevent": prevent.strip(), "role": role.strip()}
    spanish = language == "es"
    errors: dict[str, str] = {}
    if not values["harm"]:
        errors["harm"] = (
            "Escriba su preocupación." if spanish else "Write the concern in your own words."
        )
    elif len(values["harm"]) > rules.MAX_HARM:
        errors["harm"] = (
            f"Use menos de {rules.MAX_HARM:,} caracteres."
            if spanish
            else f"Keep it under {rules.MAX_HARM:,} characters (it has {len(values['harm']):,})."
        )
    if len(values["prevent"]) > rules.MAX_PREVENT:
        errors["prevent"] = (
            f"Use menos de {rules.MAX_PREVENT:,} caracteres."
            if spanish
            else f"Keep it under {rules.MAX_PREVENT:,} characters (it has {len(values['prevent']):,})."
        )
    if len(values["role"]) > rules.MAX_ROLE:
        errors["role"] = "Use a role such as “RN, nights” (at most 80 characters)."
    for field, message in issues.screen(
        {k: v for k, v in values.items() if k not in errors}
    ).items():
        errors[field] = (
            "Por favor, quite nombres, números de habitación, fechas de nacimiento o números "
            "de historia clínica. No los necesitamos."
            if spanish
            else message
        )
    return values, errors


async def send(
    link: dict,
    *,
    harm: str,
    prevent: str = "",
    role: str = "",
    round_id: int | None = None,
    language: str = "en",
    idempotency_key: str = "",
) -> str:
    """Store one concern from the public form; returns its reference code.

    Raises ConcernInputError({field: message}). A repeated idempotency key (a double tap)
    returns the first concern's code."""
    language = language if link["audience"] == "family" and language == "es" else "en"
    values, errors = check_concern(
        harm=harm,
        prevent=prevent,
        role=role if link["audience"] == "staff" else "",
        language=language,
    )
    if round_id is not None and round_id not in {
        r["id"] for r in await round_choices(link["unit"], round_id)
    }:
        errors["round"] = "Choose one of the rounds listed."
    if errors:
        raise ConcernInputError(errors)
    key = (idempotency_key or "").strip()[:64] or None
    if key:
        existing = await Concern.select(Concern.code).where(Concern.idempotency_key == key).first()
        if existing:
            return existing["code"]
    today = local_today()
    campaign = await open_campaign_id(link["unit"], today) if link["audience"] == "staff" else None
    async with db.write_transaction():
        if key and (
            existing := await Concern.select(Concern.code)
            .where(Concern.idempotency_key == key)
            .first()
        ):
            return existing["code"]
        for _ in range(10):  # a clash in 887 million is rare; try another
            code = rules.new_code()
            if not await Concern.exists().where(Concern.code == code):
                break
        else:
            raise RuntimeError("no free concern reference after 10 tries")
        row = (
            await Concern.insert(
                Concern(
                    unit=link["unit"],
                    link=link["id"],
                    audience=link["audience"],
                    language=language,
                    code=code,
                    harm=values["harm"],
                    prevent=values["prevent"],
                    role=values["role"],
                    round=round_id,
                    campaign=campaign,
                    received_at=clock.now(),
                    status="waiting",
                    idempotency_key=key,
                )
            ).returning(Concern.id)
        )[0]
        await audit.record(
            PUBLIC_ACTOR,
            "create",
            "voice_concern",
            row["id"],
            unit_id=link["unit"],
            changes={"audience": [None, link["audience"]], "round": [None, round_id]},
        )
    return code


# --- the sender's reference page ---------------------------------------------------------------


async def by_code(code: str) -> dict | None:
    """What the sender may read about their concern: when it came, and what happened."""
    normal = rules.normalise_code(code)
    if normal is None:
        return None
    row = (
        await Concern.select(
            Concern.id,
            Concern.code,
            Concern.harm,
            Concern.audience,
            Concern.language,
            Concern.received_at,
            Concern.status,
            Concern.decline_reason,
            Concern.decided_at,
            Concern.issue.status.as_alias("issue_status"),
            Concern.issue.outcome.as_alias("outcome"),
            Concern.issue.action_plan.as_alias("action_plan"),
            Concern.issue.feedback_said.as_alias("feedback_said"),
            Concern.issue.feedback_given_on.as_alias("feedback_given_on"),
            Concern.issue.cannot_do_reason.as_alias("cannot_do_reason"),
            Concern.issue.status_changed_at.as_alias("issue_changed_at"),
            Concern.unit.name.as_alias("unit_name"),
        )
        .where(Concern.code == normal)
        .first()
    )
    if row is None:
        return None
    in_log = row["status"] in ("accepted", "merged") and row["issue_status"]
    row["light"] = issue_rules.stoplight(row["issue_status"]) if in_log else None
    row["issue_status_label"] = issue_rules.STATUSES.get(row["issue_status"], "") if in_log else ""
    return row


# --- triage -----------------------------------------------------------------------------------


def _managed_units(viewer: Viewer) -> list[int] | None:
    """Units whose concerns this person triages; None means every unit (admins)."""
    if viewer.read_only:
        return []
    if viewer.is_admin:
        return None
    return [u for u in viewer.unit_roles if viewer.can_manage(u)]


def _concern_columns():
    return (
        Concern.id,
        Concern.unit,
        Concern.unit.name.as_alias("unit_name"),
        Concern.audience,
        Concern.language,
        Concern.code,
        Concern.harm,
        Concern.prevent,
        Concern.role,
        Concern.round,
        Concern.round.scheduled_at.as_alias("round_at"),
        Concern.campaign,
        Concern.received_at,
        Concern.status,
        Concern.category,
        Concern.issue,
        Concern.issue.description.as_alias("issue_description"),
        Concern.decline_reason,
        Concern.decided_at,
        Concern.decided_by.display_name.as_alias("decided_by_name"),
    )


async def waiting_count(viewer: Viewer) -> int:
    units = _managed_units(viewer)
    if units == []:
        return 0
    query = Concern.count().where(Concern.status == "waiting")
    if units is not None:
        query = query.where(Concern.unit.is_in(units))
    return await query


async def inbox(viewer: Viewer, unit_id: int | None = None, *, decided_limit: int = 10) -> dict:
    """Waiting concerns (oldest first) and the latest decided ones, on the units the viewer
    triages (or one of them)."""
    if unit_id is not None:
        ensure_can_manage(viewer, unit_id)
        units: list[int] | None = [unit_id]
    else:
        units = _managed_units(viewer)
        if units == []:
            return {"waiting": [], "decided": []}

    def scoped(query):
        return query.where(Concern.unit.is_in(units)) if units is not None else query

    waiting = await scoped(
        Concern.select(*_concern_columns()).where(Concern.status == "waiting")
    ).order_by(Concern.received_at)
    decided = (
        await scoped(Concern.select(*_concern_columns()).where(Concern.status != "waiting"))
        .order_by(Concern.decided_at, ascending=False)
        .limit(decided_limit)
    )
    return {"waiting": waiting, "decided": decided}


async def get_concern(viewer: Viewer, concern_id: int) -> dict:
    row = await Concern.select(*_concern_columns()).where(Concern.id == concern_id).first()
    if row is None:
        raise _not_found()
    ensure_can_manage(viewer, row["unit"])
    row["suggested_source"] = rules.default_source(
        row["audience"], row["round"], row["campaign"] is not None
    )
    row["description"] = rules.issue_description(row["harm"], row["prevent"])
    return row


async def similar_open_issues(concern: dict, *, limit: int = 5) -> list[dict]:
    """Open issues on the concern's unit that read most like it (to merge into)."""
    candidates = (
        await SafetyIssue.select(SafetyIssue.id, SafetyIssue.description, SafetyIssue.status)
        .where(
            (SafetyIssue.unit == concern["unit"])
            & SafetyIssue.status.is_in(list(issue_rules.OPEN_STATUSES))
        )
        .order_by(SafetyIssue.id, ascending=False)
        .limit(500)
    )
    found = rules.similar(concern["description"], candidates, limit=limit)
    for f in found:
        f["status_label"] = issue_rules.STATUSES.get(f["status"], f["status"])
    return found


async def _load_waiting(viewer: Viewer, concern_id: int) -> dict:
    row = (
        await Concern.select(Concern.id, Concern.unit, Concern.status, Concern.issue)
        .where(Concern.id == concern_id)
        .first()
    )
    if row is None:
        raise _not_found()
    ensure_can_manage(viewer, row["unit"])
    if row["status"] != "waiting":
        raise AlreadyDecided()
    return row


async def accept(
    viewer: Viewer,
    concern_id: int,
    *,
    description: str,
    source: str,
    category_id: int | None = None,
) -> int:
    """Put the concern on the tracking log as a new safety issue; returns the issue's id."""
    concern = await get_concern(viewer, concern_id)
    if concern["status"] != "waiting":
        if concern["issue"]:
            return concern["issue"]
        raise AlreadyDecided()
    raised_by = concern["role"] or (
        "Patient or family" if concern["audience"] == "family" else "Staff (anonymous)"
    )
    async with db.write_transaction():
        await _load_waiting(viewer, concern_id)
        captured = await issues.capture(
            viewer,
            concern["unit"],
            description=description,
            raised_by=raised_by,
            source=source,
            round_id=concern["round"],
            category_id=category_id,
            identified_on=clock.local(concern["received_at"]).date(),
            idempotency_key=f"voice-concern-{concern_id}",
        )
        now = clock.now()
        await Concern.update(
            {
                Concern.status: "accepted",
                Concern.issue: captured.id,
                Concern.category: category_id,
                Concern.decided_at: now,
                Concern.decided_by: viewer.id,
            }
        ).where(Concern.id == concern_id)
        await audit.record(
            viewer.actor,
            "accept",
            "voice_concern",
            concern_id,
            unit_id=concern["unit"],
            changes={"status": ["waiting", "accepted"], "issue": [None, captured.id]},
        )
    return captured.id


async def merge(viewer: Viewer, concern_id: int, issue_id: int | None) -> int:
    """Add the concern to an existing issue of the same unit (as a dated update)."""
    concern = await get_concern(viewer, concern_id)
    if concern["status"] != "waiting":
        if concern["issue"]:
            return concern["issue"]
        raise AlreadyDecided()
    issue = (
        await SafetyIssue.select(SafetyIssue.id, SafetyIssue.unit, SafetyIssue.category)
        .where(SafetyIssue.id == issue_id)
        .first()
        if issue_id
        else None
    )
    if issue_id is None or issue is None or issue["unit"] != concern["unit"]:
        raise ConcernInputError({"issue": "Choose an issue of this unit's log."})
    who = concern["role"] or ("a patient or family" if concern["audience"] == "family" else "staff")
    body = f"Also sent by {who} (reference {concern['code']}): {concern['description']}"
    async with db.write_transaction():
        await _load_waiting(viewer, concern_id)
        try:
            await issues.add_update(viewer, issue_id, body[:4000])
        except issues.IssueInputError as exc:
            raise ConcernInputError({"issue": " ".join(exc.errors.values())}) from exc
        await Concern.update(
            {
                Concern.status: "merged",
                Concern.issue: issue_id,
                Concern.category: issue["category"],
                Concern.decided_at: clock.now(),
                Concern.decided_by: viewer.id,
            }
        ).where(Concern.id == concern_id)
        await audit.record(
            viewer.actor,
            "merge",
            "voice_concern",
            concern_id,
            unit_id=concern["unit"],
            changes={"status": ["waiting", "merged"], "issue": [None, issue_id]},
        )
    return issue_id


async def decline(viewer: Viewer, concern_id: int, reason: str) -> None:
    """Not for the log; the sender reads `reason` on their reference page."""
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = "Say why – the person who sent it will read this."
    elif len(reason) > rules.MAX_REASON:
        errors["reason"] = f"Keep it under {rules.MAX_REASON:,} characters."
    else:
        errors.update(issues.screen({"reason": reason}))
    concern = await _load_waiting(viewer, concern_id)
    if errors:
        raise ConcernInputError(errors)
    async with db.write_transaction():
        await _load_waiting(viewer, concern_id)
        await Concern.update(
            {
                Concern.status: "declined",
                Concern.decline_reason: reason,
                Concern.decided_at: clock.now(),
                Concern.decided_by: viewer.id,
            }
        ).where(Concern.id == concern_id)
        await audit.record(
            viewer.actor,
            "decline",
            "voice_concern",
            concern_id,
            unit_id=concern["unit"],
            changes={"status": ["waiting", "declined"], "decline_reason": [None, reason]},
        )


# --- the briefing: sent ahead by staff -----------------------------------------------------------


def _sent_ahead_where(unit_id: int, round_id: int, since: datetime | None):
    since = since or (clock.now() - timedelta(days=60))
    return (
        (Concern.unit == unit_id)
        & (Concern.audience == "staff")
        & ((Concern.round == round_id) | (Concern.received_at >= since))
    )


async def notice_round(viewer: Viewer, round_id: int) -> dict:
    """The round a staff notice announces, with its unit's and executive partner's names; 404
    when the viewer cannot see its unit. Read here from the rounds table: rounding's briefing
    calls this service (sent_ahead), so voice does not call rounding's."""
    row = (
        await SafetyRound.select(
            SafetyRound.id,
            SafetyRound.unit,
            SafetyRound.status,
            SafetyRound.scheduled_at,
            SafetyRound.unit.name.as_alias("unit_name"),
            SafetyRound.executive.display_name.as_alias("executive_name"),
        )
        .where(SafetyRound.id == round_id)
        .first()
    )
    if row is None:
        raise NotFoundException()
    ensure_can_see(viewer, row["unit"])
    return row


async def sent_ahead_count(unit_id: int, round_id: int, since: datetime | None) -> int:
    """How many staff concerns sent_ahead() would list (without its limit): the briefing's summary."""
    return await Concern.count().where(_sent_ahead_where(unit_id, round_id, since))


async def sent_ahead(unit_id: int, round_id: int, since: datetime | None) -> list[dict]:
    """Staff concerns for this round, or sent since the last round, as plain data (the
    briefing is frozen as JSON when the round starts)."""
    rows = (
        await Concern.select(
            Concern.id,
            Concern.harm,
            Concern.role,
            Concern.status,
            Concern.received_at,
            Concern.issue,
            Concern.round,
        )
        .where(_sent_ahead_where(unit_id, round_id, since))
        .order_by(Concern.received_at, ascending=False)
        .limit(10)
    )
    labels = {
        "waiting": "Waiting for triage",
        "accepted": "On the log",
        "merged": "Added to an issue",
        "declined": "Declined",
    }
    return [
        {
            "id": r["id"],
            "text": r["harm"][:300],
            "role": r["role"],
            "received": filters.day(r["received_at"]),
            "status": r["status"],
            "status_label": labels.get(r["status"], r["status"]),
            "issue_id": r["issue"],
            "for_this_round": r["round"] == round_id,
        }
        for r in rows
    ]


# --- Staff Safety Assessment campaigns -----------------------------------------------------------


async def open_campaign(viewer: Viewer, unit_id: int, *, opens_on: date, closes_on: date) -> int:
    ensure_can_manage(viewer, unit_id)
    errors = {}
    if closes_on < opens_on:
        errors["closes_on"] = "The campaign must close on or after the day it opens."
    elif (closes_on - opens_on).days > MAX_CAMPAIGN_DAYS:
        errors["closes_on"] = f"Keep a campaign to at most {MAX_CAMPAIGN_DAYS} days."
    if closes_on < local_today():
        errors.setdefault("closes_on", "Choose a closing day that is not in the past.")
    if not errors:
        overlapping = await Campaign.exists().where(
            (Campaign.unit == unit_id)
            & (Campaign.opens_on <= closes_on)
            & (Campaign.closes_on >= opens_on)
            & Campaign.closed_early_on.is_null()
        )
        if overlapping:
            errors["opens_on"] = "Another campaign on this unit covers some of these days."
    if errors:
        raise ConcernInputError(errors)
    async with db.write_transaction():
        row = (
            await Campaign.insert(
                Campaign(
                    unit=unit_id,
                    opens_on=opens_on,
                    closes_on=closes_on,
                    created_by=viewer.id,
                    created_at=clock.now(),
                )
            ).returning(Campaign.id)
        )[0]
        await audit.record(
            viewer.actor,
            "create",
            "voice_campaign",
            row["id"],
            unit_id=unit_id,
            changes=audit.created({"opens_on": opens_on, "closes_on": closes_on}),
        )
    return row["id"]


async def close_campaign(viewer: Viewer, campaign_id: int) -> int:
    row = await Campaign.select().where(Campaign.id == campaign_id).first()
    if row is None:
        raise _not_found()
    ensure_can_manage(viewer, row["unit"])
    if row["closed_early_on"] is None:
        today = local_today()
        async with db.write_transaction():
            await Campaign.update({Campaign.closed_early_on: today}).where(
                Campaign.id == campaign_id
            )
            await audit.record(
                viewer.actor,
                "update",
                "voice_campaign",
                campaign_id,
                unit_id=row["unit"],
                changes={"closed_early_on": [None, today.isoformat()]},
            )
    return row["unit"]


async def _summarise(campaigns: list[dict]) -> list[dict]:
    """Each campaign with its responses, participation and categories (two queries in all)."""
    if not campaigns:
        return []
    ids = [c["id"] for c in campaigns]
    rows = await Concern.select(
        Concern.campaign,
        Concern.status,
        Concern.category._.name.as_alias("category_name"),
        Concern.issue._.category._.name.as_alias("issue_category_name"),
    ).where(Concern.campaign.is_in(ids))
    today = local_today()
    out = []
    for c in campaigns:
        mine = [r for r in rows if r["campaign"] == c["id"]]
        categories: dict[str, int] = {}
        for r in mine:
            name = (
                r["category_name"]
                or r["issue_category_name"]
                or ("Declined" if r["status"] == "declined" else "Not sorted yet")
            )
            categories[name] = categories.get(name, 0) + 1
        ends = c["closed_early_on"] or c["closes_on"]
        out.append(
            {
                **c,
                "ends_on": ends,
                "is_open": c["opens_on"] <= today <= ends and c["closed_early_on"] is None,
                "responses": len(mine),
                "participation": rules.participation(len(mine), c["headcount"] or 0),
                "categories": sorted(categories.items(), key=lambda kv: (-kv[1], kv[0])),
                "waiting": sum(1 for r in mine if r["status"] == "waiting"),
            }
        )
    return out


_CAMPAIGN_COLUMNS = (
    Campaign.id,
    Campaign.unit,
    Campaign.unit.name.as_alias("unit_name"),
    Campaign.unit.staff_headcount.as_alias("headcount"),
    Campaign.opens_on,
    Campaign.closes_on,
    Campaign.closed_early_on,
)


async def campaigns_for(viewer: Viewer, unit_id: int) -> list[dict]:
    ensure_can_see(viewer, unit_id)
    rows = (
        await Campaign.select(*_CAMPAIGN_COLUMNS)
        .where(Campaign.unit == unit_id)
        .order_by(Campaign.opens_on, ascending=False)
        .limit(12)
    )
    return await _summarise(rows)


async def assessment_summary(viewer: Viewer, *, since: date, until: date) -> list[dict]:
    """Staff Safety Assessment campaigns that ran between `since` and `until` on the units the
    viewer sees, summarised (for the board report: responses, participation, categories)."""
    query = Campaign.select(*_CAMPAIGN_COLUMNS).where(
        (Campaign.opens_on <= until) & (Campaign.closes_on >= since)
    )
    if not viewer.sees_all_units:
        query = query.where(Campaign.unit.is_in(list(viewer.unit_roles) or [0]))
    rows = await query.order_by(Campaign.opens_on, ascending=False)
    return await _summarise(rows)


async def category_choices() -> list[tuple[int, str]]:
    return await issues.category_choices()


async def unit_name(viewer: Viewer, unit_id: int) -> str:
    ensure_can_see(viewer, unit_id)
    row = await Unit.select(Unit.name).where(Unit.id == unit_id).first()
    if row is None:
        raise _not_found()
    return row["name"]
