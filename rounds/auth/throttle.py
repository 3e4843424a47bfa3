"""Slow down repeated failed sign-ins per account and per address, never for good.

After `max_failures` failures within the window, further attempts for that key are refused
until `lockout` has passed; the block then lifts by itself, so an attacker cannot lock a real
person out permanently. The same rule applies to unknown e-mails (no account enumeration).
"""

from __future__ import annotations

from datetime import timedelta

from rounds import db
from rounds.auth.sessions import _aware
from rounds.core import clock
from rounds.core.tables import LoginThrottle

IP_FACTOR = 4  # an address may fail for several accounts before it is slowed


def keys(email: str, ip: str) -> list[tuple[str, int]]:
    return [(f"email:{email.strip().lower()[:300]}", 1), (f"ip:{ip}", IP_FACTOR)]


async def blocked_for(email: str, ip: str) -> int:
    """Seconds until sign-in may be tried again for this e-mail/address (0 = now)."""
    now = clock.now()
    rows = await LoginThrottle.select().where(LoginThrottle.key.is_in([k for k, _ in keys(email, ip)]))
    wait = 0
    for row in rows:
        if row["blocked_until"] is not None:
            wait = max(wait, int((_aware(row["blocked_until"]) - now).total_seconds()))
    return max(wait, 0)


async def record_failure(email: str, ip: str, *, max_failures: int, lockout_minutes: int) -> None:
    now = clock.now()
    window = timedelta(minutes=lockout_minutes)
    async with db.write_transaction():
        for key, factor in keys(email, ip):
            row = await LoginThrottle.objects().where(LoginThrottle.key == key).first()
            if row is None:
                row = LoginThrottle(key=key, failures=0, window_started_at=now)
            elif now - _aware(row.window_started_at) > window:
                row.failures, row.window_started_at, row.blocked_until = 0, now, None
            row.failures += 1
            if row.failures >= max_failures * factor:
                row.blocked_until = now + window
            await row.save()


async def record_success(email: str) -> None:
    await LoginThrottle.delete().where(LoginThrottle.key == keys(email, "")[0][0])
