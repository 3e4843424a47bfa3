"""Append-only, hash-chained audit log of every change to tracked data and every sign-in.

Each entry's hash is an HMAC (keyed from ROUNDS_AUDIT_KEY, or ROUNDS_SECRET_KEY when that is
unset; neither is in the database) over its content and the previous entry's hash; `verify()`
recomputes the chain. Each entry names the key that signed it (`key_id`, a hash of the key), so
keys can rotate: earlier keys, listed in ROUNDS_AUDIT_PREVIOUS_KEYS, verify earlier entries. Someone who can
write to the database but does not hold the key cannot rewrite history and re-hash it. Writers serialise on the single audit_head row (an UPDATE takes its row lock on
PostgreSQL; SQLite write transactions are already serial), so the chain never forks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from rounds import db
from rounds.core import clock
from rounds.core.tables import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who did it: a person (id and e-mail) or the system; and from where."""

    id: int | None
    label: str
    ip: str = ""


SYSTEM = Actor(id=None, label="system")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields that changed, as {field: [old, new]}."""
    changes = {}
    for key, value in new.items():
        before = old.get(key)
        if _plain(before) != _plain(value):
            changes[key] = [_plain(before), _plain(value)]
    return changes


def created(values: dict[str, Any]) -> dict[str, list[Any]]:
    return {key: [None, _plain(value)] for key, value in values.items()}


def removed(values: dict[str, Any]) -> dict[str, list[Any]]:
    """Every field of a deleted row, so the entry keeps all of it."""
    return {key: [_plain(value), None] for key, value in values.items() if key != "id"}


_key: bytes | None = None
_key_id = ""
_keys: dict[str, bytes] = {}  # key id -> key, the current one and earlier ones


def _derive(material: str) -> tuple[str, bytes]:
    key = hashlib.sha256(b"rounds-audit-chain\0" + material.encode()).digest()
    return hashlib.sha256(b"rounds-audit-key-id\0" + key).hexdigest()[:12], key


def configure(secret_key: str, previous: list[str] | tuple[str, ...] = ()) -> None:
    """Set the chain key (create_app and the CLI pass Settings.audit_keys()), and earlier keys."""
    global _key, _key_id
    _key_id, _key = _derive(secret_key)
    _keys.clear()
    for material in previous:
        key_id, key = _derive(material)
        _keys[key_id] = key
    _keys[_key_id] = _key


def _digest(
    prev_hash: str, seq: int, at: str, fields: dict[str, Any], key: bytes | None = None
) -> str:
    key = key or _key
    if key is None:
        raise RuntimeError("The audit log key is not configured (rounds.audit.service.configure).")
    payload = json.dumps({"prev": prev_hash, "seq": seq, "at": at, **fields}, sort_keys=True)
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _keys_for(key_id: str) -> list[bytes]:
    """Entries written before key ids (key_id "") may have been signed by any known key."""
    if key_id:
        return [_keys[key_id]] if key_id in _keys else []
    return list(_keys.values())


async def record(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any = "",
    *,
    unit_id: int | None = None,
    changes: dict[str, Any] | None = None,
) -> None:
    """Append one entry. Joins the caller's write transaction, or opens its own."""
    async with db.write_transaction():
        rows = await db.raw("UPDATE audit_head SET seq = seq + 1 RETURNING seq, last_hash")
        seq, prev_hash = int(rows[0]["seq"]), rows[0]["last_hash"]
        at = clock.now()
        fields = {
            "actor_id": actor.id,
            "actor_label": actor.label,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "unit_id": unit_id,
            "changes": json.dumps(changes or {}, sort_keys=True, default=str),
            "ip": actor.ip,
        }
        if _key_id:  # entries written before key ids had none in their hash
            fields["key_id"] = _key_id
        digest = _digest(prev_hash, seq, at.isoformat(), fields)
        await AuditEntry.insert(
            AuditEntry(seq=seq, at=at, prev_hash=prev_hash, hash=digest, **fields)
        )
        await db.raw("UPDATE audit_head SET last_hash = {}", digest)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""


async def verify(batch: int = 5000) -> VerifyResult:
    prev_hash, expected_seq, checked = "", 1, 0
    while True:
        rows = (
            await AuditEntry.select()
            .where(AuditEntry.seq >= expected_seq)
            .order_by(AuditEntry.seq)
            .limit(batch)
        )
        if not rows:
            break
        for row in rows:
            if row["seq"] != expected_seq:
                return VerifyResult(False, checked, expected_seq, "an entry is missing")
            if row["prev_hash"] != prev_hash:
                return VerifyResult(
                    False, checked, row["seq"], "the link to the previous entry is broken"
                )
            at = row["at"]
            fields = {
                k: row[k]
                for k in (
                    "actor_id",
                    "actor_label",
                    "action",
                    "object_type",
                    "object_id",
                    "unit_id",
                    "changes",
                    "ip",
                )
            }
            key_id = row.get("key_id") or ""
            if key_id:
                fields["key_id"] = key_id
            keys = _keys_for(key_id)
            if not keys:
                return VerifyResult(
                    False,
                    checked,
                    row["seq"],
                    f"it was signed with audit key {key_id}, which is not configured "
                    "(list earlier keys in ROUNDS_AUDIT_PREVIOUS_KEYS)",
                )
            if all(
                _digest(prev_hash, row["seq"], _iso_utc(at), fields, k) != row["hash"] for k in keys
            ):
                reason = "the entry was changed after it was written"
                if not key_id:
                    reason += " (or its key is not in ROUNDS_AUDIT_PREVIOUS_KEYS)"
                return VerifyResult(False, checked, row["seq"], reason)
            prev_hash, expected_seq, checked = row["hash"], expected_seq + 1, checked + 1
    head = await db.raw("SELECT seq, last_hash FROM audit_head")
    if len(head) != 1:
        return VerifyResult(False, checked, None, "the audit head row is missing or duplicated")
    if int(head[0]["seq"]) != checked or head[0]["last_hash"] != prev_hash:
        return VerifyResult(
            False, checked, checked + 1, "entries at the end of the log are missing"
        )
    return VerifyResult(True, checked)


def _iso_utc(value: datetime) -> str:
    from datetime import UTC

    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


@dataclass
class AuditFilter:
    object_type: str = ""
    action: str = ""
    actor: str = ""
    unit_id: int | None = None
    object_id: str = ""


async def browse(
    filters: AuditFilter, *, page: int = 1, per_page: int = 50
) -> tuple[list[dict], bool]:
    query = AuditEntry.select().order_by(AuditEntry.seq, ascending=False)
    if filters.object_type:
        query = query.where(AuditEntry.object_type == filters.object_type)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.actor:
        query = query.where(AuditEntry.actor_label.ilike(f"%{filters.actor}%"))
    if filters.unit_id:
        query = query.where(AuditEntry.unit_id == filters.unit_id)
    if filters.object_id:
        query = query.where(AuditEntry.object_id == filters.object_id)
    rows = await query.offset((page - 1) * per_page).limit(per_page + 1)
    for row in rows:
        row["changes"] = json.loads(row["changes"] or "{}")
    return rows[:per_page], len(rows) > per_page


async def history(object_type: str, object_id: Any) -> list[dict]:
    """Every entry for one object, oldest first (the issue page's history), since its last
    deletion: SQLite gives the next row the id of a deleted newest row, and what was said about
    the deleted one (on any unit) is not this one's history."""
    rows = (
        await AuditEntry.select()
        .where((AuditEntry.object_type == object_type) & (AuditEntry.object_id == str(object_id)))
        .order_by(AuditEntry.seq)
    )
    deleted = [i for i, row in enumerate(rows) if row["action"] == "delete"]
    if deleted:
        rows = rows[deleted[-1] + 1 :]
    for row in rows:
        row["changes"] = json.loads(row["changes"] or "{}")
    return rows


# --- outside witness: checkpoints -----------------------------------------------------------
# The chain proves entries were not changed, but someone with database access can delete the
# newest entries (or all of them) and set audit_head to match. A checkpoint - the sequence number
# and hash of the newest entry - kept outside Rounds (printed by `rounds audit checkpoint`, in the
# admins' daily digest) catches that: `rounds audit verify --checkpoint SEQ:HASH` fails unless
# the log still holds exactly that entry and extends it.


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        seq, _, digest = text.strip().partition(":")
        if (
            not seq.isdigit()
            or len(digest) != 64
            or any(c not in "0123456789abcdef" for c in digest)
        ):
            raise ValueError("a checkpoint looks like 1234:<64 hex characters>")
        return cls(int(seq), digest)


async def checkpoint() -> Checkpoint:
    """The newest entry's sequence number and hash (0 and "" for an empty log)."""
    row = (
        await AuditEntry.select(AuditEntry.seq, AuditEntry.hash)
        .order_by(AuditEntry.seq, ascending=False)
        .first()
    )
    return Checkpoint(int(row["seq"]), row["hash"]) if row else Checkpoint(0, "")


async def verify_against(kept: Checkpoint) -> VerifyResult:
    """verify(), and the log must still contain the checkpoint's entry unchanged."""
    result = await verify()
    if not result.ok:
        return result
    if kept.seq == 0:
        return result
    if result.checked < kept.seq:
        return VerifyResult(
            False,
            result.checked,
            result.checked + 1,
            f"the log has {result.checked} entries but the checkpoint was taken at entry "
            f"{kept.seq}: entries were deleted",
        )
    row = await AuditEntry.select(AuditEntry.hash).where(AuditEntry.seq == kept.seq).first()
    if row is None or row["hash"] != kept.hash:
        return VerifyResult(
            False,
            result.checked,
            kept.seq,
            "the entry at the checkpoint is not the one that was kept: the log was rewritten",
        )
    return result


# --- refusals and probes, rate-limited -------------------------------------------------------
# Refused actions (403) and requests for another unit's objects (404) are worth knowing about,
# but someone probing ids could write thousands of entries a minute: at most LIMIT of each
# kind per person per window are kept (the server log still has every one).
LIMIT = 20
LIMIT_WINDOW_MINUTES = 10


async def record_limited(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any = "",
    *,
    unit_id: int | None = None,
    changes: dict[str, Any] | None = None,
) -> bool:
    """record() unless this person already has LIMIT such entries in the window; True if kept."""
    from datetime import timedelta

    if actor.id is None:
        return False  # not signed in: only the server log (no person to rate-limit by)
    since = clock.now() - timedelta(minutes=LIMIT_WINDOW_MINUTES)
    recent = await AuditEntry.count().where(
        (AuditEntry.actor_id == actor.id) & (AuditEntry.action == action) & (AuditEntry.at >= since)
    )
    if recent >= LIMIT:
        return False
    await record(actor, action, object_type, object_id, unit_id=unit_id, changes=changes)
    return True
