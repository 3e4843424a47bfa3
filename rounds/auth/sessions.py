"""Server-side sessions in the database, shared by every server process.

The cookie holds a random token; the database holds only its SHA-256. Sessions end after
`idle_timeout` without a request and, whatever happens, `absolute_timeout` after sign-in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from rounds import db
from rounds.auth.access import Viewer
from rounds.core import clock
from rounds.core.tables import Person, WebSession

# Refresh last_seen_at at most this often, so reads do not write on every request.
TOUCH_EVERY = timedelta(seconds=20)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class LoadedSession:
    viewer: Viewer
    session_id: int
    expires_in: int  # seconds until the idle timeout, as of this request


async def create(
    person_id: int, *, absolute_seconds: int, ip: str, user_agent: str, method: str = "password"
) -> str:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    await WebSession.insert(
        WebSession(
            token_hash=_hash(token),
            person=person_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(seconds=absolute_seconds),
            ip=ip[:64],
            user_agent=user_agent[:255],
            method=method,
        )
    )
    return token


async def load(token: str, *, idle_seconds: int, ip: str) -> LoadedSession | None:
    if not token or len(token) > 100:
        return None
    # One query for the session, its person and their units (this runs on every request).
    found = await db.fetch(
        "SELECT s.id, s.last_seen_at, s.expires_at, s.method, p.id AS person_id, p.email, p.display_name, p.role, p.active, p.must_change_password, "
        "EXISTS (SELECT 1 FROM person_factor f WHERE f.person = p.id AND f.confirmed_at IS NOT NULL) AS has_second_factor, "
        "m.unit, m.unit_role FROM web_session s JOIN person p ON p.id = s.person "
        "LEFT JOIN membership m ON m.person = p.id WHERE s.token_hash = {}",
        _hash(token),
    )
    if not found:
        return None
    rows = found[0]
    now = clock.now()
    last_seen = _aware(rows["last_seen_at"])
    if (
        not rows["active"]
        or now >= _aware(rows["expires_at"])
        or now - last_seen >= timedelta(seconds=idle_seconds)
    ):
        await WebSession.delete().where(WebSession.id == rows["id"])
        return None
    if now - last_seen >= TOUCH_EVERY:
        await WebSession.update({WebSession.last_seen_at: now}).where(WebSession.id == rows["id"])
        last_seen = now
    memberships = [
        {"unit": r["unit"], "unit_role": r["unit_role"]} for r in found if r["unit"] is not None
    ]
    viewer = Viewer(
        id=rows["person_id"],
        email=rows["email"],
        display_name=rows["display_name"],
        role=rows["role"],
        unit_roles={m["unit"]: m["unit_role"] for m in memberships},
        ip=ip,
        must_change_password=bool(rows["must_change_password"]),
        has_second_factor=bool(rows["has_second_factor"]),
        sign_in_method=rows["method"],
    )
    idle_left = idle_seconds - int((now - last_seen).total_seconds())
    absolute_left = int((_aware(rows["expires_at"]) - now).total_seconds())
    return LoadedSession(
        viewer=viewer, session_id=rows["id"], expires_in=max(0, min(idle_left, absolute_left))
    )


async def touch(session_id: int) -> None:
    await WebSession.update({WebSession.last_seen_at: clock.now()}).where(
        WebSession.id == session_id
    )


async def end(token: str) -> None:
    await WebSession.delete().where(WebSession.token_hash == _hash(token))


async def end_all_for(person_id: int, *, except_token: str | None = None) -> None:
    async with db.write_transaction():
        query = WebSession.delete().where(WebSession.person == person_id)
        if except_token:
            query = query.where(WebSession.token_hash != _hash(except_token))
        await query


async def purge_expired(idle_seconds: int) -> int:
    """Delete sessions past their absolute or idle timeout (`rounds maintenance`); how many."""
    now = clock.now()
    gone = (
        await WebSession.delete()
        .where(
            (WebSession.expires_at < now)
            | (WebSession.last_seen_at < now - timedelta(seconds=idle_seconds))
        )
        .returning(WebSession.id)
    )
    return len(gone)


def _aware(value: datetime | str) -> datetime:
    """db.fetch gives SQLite timestamps as ISO text ("...+00:00"), PostgreSQL's as datetimes."""
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def person_exists(person_id: int) -> bool:
    return await Person.exists().where(Person.id == person_id)


async def touch_by_token(token: str) -> None:
    await WebSession.update({WebSession.last_seen_at: clock.now()}).where(
        WebSession.token_hash == _hash(token)
    )
