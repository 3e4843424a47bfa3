"""Slow down repeated failed sign-ins without ever locking a real person out for long.

Three counters, each in a `login_throttle` row:
- the pair (e-mail, address): after `max_failures` failures in the window it is blocked until
  the window ends - this stops one attacker guessing one account;
- the address alone: blocked after 4x as many failures (one machine guessing many accounts);
- the e-mail alone: only a short, growing pause (2, 4, 8 ... at most 60 seconds) once it has had
  `max_failures` failures from anywhere, so someone guessing from many addresses is slowed
  while the real person, from their own address, waits a minute at most.
The same rules apply to unknown e-mails (no account enumeration). A failure is counted
*before* the password is checked, atomically, so parallel guesses cannot slip past the limit.

A browser where the person signed in before (a valid device cookie, see device.py) is not
subject to those three counters - other people's failures cannot lock it out - but to its own:
`device:<browser>|<e-mail>`, blocked for the window after `max_failures` failures.
"""

from __future__ import annotations

from datetime import timedelta

from rounds import db
from rounds.auth.sessions import _aware
from rounds.core import clock
from rounds.core.tables import LoginThrottle

IP_FACTOR = 4
EMAIL_PAUSE_CAP_SECONDS = 60


def _keys(email: str, ip: str) -> tuple[str, str, str]:
    email = email.strip().lower()[:254]
    return f"pair:{email}|{ip}", f"ip:{ip}", f"email:{email}"


def _device_key(email: str, device: str) -> str:
    return f"device:{device[:40]}|{email.strip().lower()[:254]}"


async def blocked_for(email: str, ip: str, device: str | None = None) -> int:
    """Seconds until sign-in may be tried again for this e-mail from this address, or from this
    trusted browser (0 = now)."""
    return await seconds_blocked([_device_key(email, device)] if device else list(_keys(email, ip)))


async def seconds_blocked(keys: list[str]) -> int:
    """Seconds until every counter under `keys` allows another try (0 = now); the voice
    forms' throttle shares these counters' table and this rule."""
    now = clock.now()
    rows = await LoginThrottle.select(LoginThrottle.blocked_until).where(
        LoginThrottle.key.is_in(keys)
    )
    wait = 0
    for row in rows:
        if row["blocked_until"] is not None:
            wait = max(wait, int((_aware(row["blocked_until"]) - now).total_seconds()) + 1)
    return max(wait, 0)


async def count_attempt(
    email: str, ip: str, *, max_failures: int, lockout_minutes: int, device: str | None = None
) -> None:
    """Count this attempt as a failure up front (undone by `record_success`)."""
    now = clock.now()
    window = timedelta(minutes=lockout_minutes)
    pair, address, account = _keys(email, ip)
    counters = (
        [(_device_key(email, device), max_failures)]
        if device
        else [(pair, max_failures), (address, max_failures * IP_FACTOR), (account, max_failures)]
    )
    await _count(counters, now=now, window=window, pause_key=account)


async def count_code_attempt(person_id: int, *, max_failures: int, lockout_minutes: int) -> None:
    """The second step (authenticator code) has its own counter per person: knowing the
    password gives `max_failures` guesses at the code per window."""
    await _count(
        [(code_key(person_id), max_failures)],
        now=clock.now(),
        window=timedelta(minutes=lockout_minutes),
    )


def code_key(person_id: int) -> str:
    return f"code:{person_id}"


async def code_blocked_for(person_id: int) -> int:
    return await seconds_blocked([code_key(person_id)])


async def clear(key: str) -> None:
    await LoginThrottle.delete().where(LoginThrottle.key == key)


async def _count(
    counters: list[tuple[str, int]], *, now, window: timedelta, pause_key: str | None = None
) -> None:
    account = pause_key
    async with db.write_transaction():
        for key, limit in counters:
            # One atomic upsert counts the attempt and returns the row, locked until commit: two
            # parallel attempts never lose a count, and a sign-in that clears the counters
            # meanwhile (record_success) cannot leave this attempt without a row (it did, as a 500,
            # with 50 parallel sign-ins of one account on PostgreSQL).
            row = (
                await db.raw(
                    "INSERT INTO login_throttle (key, failures, window_started_at, blocked_until) VALUES ({}, 1, {}, NULL) "
                    "ON CONFLICT (key) DO UPDATE SET failures = login_throttle.failures + 1 "
                    "RETURNING failures, window_started_at, blocked_until",
                    key,
                    now,
                )
            )[0]
            failures, started, blocked_until = (
                row["failures"],
                _aware(row["window_started_at"]),
                row["blocked_until"],
            )
            if now - started > window:
                failures, started, blocked_until = 1, now, None
            if key == account:
                if failures >= limit:
                    blocked_until = now + timedelta(
                        seconds=min(EMAIL_PAUSE_CAP_SECONDS, 2 ** (failures - limit + 1))
                    )
            elif failures >= limit:
                blocked_until = started + window
            await db.raw(
                "UPDATE login_throttle SET failures = {}, window_started_at = {}, blocked_until = {} WHERE key = {}",
                failures,
                started,
                blocked_until,
                key,
            )


async def record_success(email: str, ip: str, device: str | None = None) -> None:
    """A correct password: forget this person's failures (the address counter stays)."""
    pair, address, account = _keys(email, ip)
    # One row per statement, never two locks held at once: an attempt counting in parallel
    # holds these rows (in the order pair, address, account) until it commits, and a DELETE of
    # both rows in one statement could deadlock with it (seen on PostgreSQL, 12 tablets at once).
    for key in (pair, account):
        await LoginThrottle.delete().where(LoginThrottle.key == key)
    if device:
        # A trusted attempt was counted on the browser's own counter only.
        await LoginThrottle.delete().where(LoginThrottle.key == _device_key(email, device))
        return
    # This attempt was counted against the address up front; it was not a failure. Without this,
    # a ward's shared tablets behind one address were blocked after 4 x max_failures sign-ins.
    await db.raw(
        "UPDATE login_throttle SET failures = failures - 1 WHERE key = {} AND failures > 0", address
    )
