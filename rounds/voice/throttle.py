"""Slow down floods on the public concern form, never lock a real person out for long.

Same store and upsert as sign-in throttling (rounds.auth.throttle, table `login_throttle`),
with keys of its own:
- `voice-ip:{address}`: the first ADDRESS_FREE sends in ADDRESS_WINDOW are free, then each
  send waits 2, 4, 8 ... at most ADDRESS_PAUSE_CAP seconds - a flood from one machine is slowed
  to a trickle, while a colleague on the same ward network (same address) waits a minute or two
  at most;
- `voice-unit:{unit}`: after UNIT_FREE sends in an hour to one unit (a flood from many
  addresses), each send waits UNIT_PAUSE seconds;
- `voice-miss:{address}`: reference-code look-ups that found nothing; after MISS_LIMIT in
  MISS_WINDOW the address is refused look-ups until the window ends (codes cannot be guessed).
"""

from __future__ import annotations

from datetime import timedelta

from rounds import db
from rounds.auth.sessions import _aware
from rounds.auth.throttle import seconds_blocked
from rounds.core import clock
from rounds.core.tables import LoginThrottle

ADDRESS_FREE = 5
ADDRESS_WINDOW = timedelta(minutes=10)
ADDRESS_PAUSE_CAP = 120
UNIT_FREE = 60
UNIT_WINDOW = timedelta(hours=1)
UNIT_PAUSE = 20
MISS_LIMIT = 20
MISS_WINDOW = timedelta(minutes=15)


def _send_keys(ip: str, unit_id: int) -> tuple[str, str]:
    return f"voice-ip:{ip[:64]}", f"voice-unit:{unit_id}"


def _miss_key(ip: str) -> str:
    return f"voice-miss:{ip[:64]}"


async def send_wait(ip: str, unit_id: int) -> int:
    """Seconds before this address may send to this unit again (0 = now)."""
    return await seconds_blocked(list(_send_keys(ip, unit_id)))


async def lookup_wait(ip: str) -> int:
    return await seconds_blocked([_miss_key(ip)])


async def _count(key: str, window: timedelta, pause) -> None:
    """Count one event under `key`; `pause(count, started)` gives the new blocked_until."""
    now = clock.now()
    row = (
        await db.raw(
            "INSERT INTO login_throttle (key, failures, window_started_at, blocked_until) VALUES ({}, 1, {}, NULL) "
            "ON CONFLICT (key) DO UPDATE SET failures = login_throttle.failures + 1 "
            "RETURNING failures, window_started_at, blocked_until",
            key,
            now,
        )
    )[0]
    count, started = row["failures"], _aware(row["window_started_at"])
    if now - started > window:
        count, started = 1, now
    await db.raw(
        "UPDATE login_throttle SET failures = {}, window_started_at = {}, blocked_until = {} WHERE key = {}",
        count,
        started,
        pause(count, started, now),
        key,
    )


async def count_send(ip: str, unit_id: int) -> None:
    address, unit = _send_keys(ip, unit_id)

    def address_pause(count, started, now):
        if count < ADDRESS_FREE:
            return None
        return now + timedelta(seconds=min(ADDRESS_PAUSE_CAP, 2 ** (count - ADDRESS_FREE + 1)))

    def unit_pause(count, started, now):
        return now + timedelta(seconds=UNIT_PAUSE) if count >= UNIT_FREE else None

    async with db.write_transaction():
        await _count(address, ADDRESS_WINDOW, address_pause)
        await _count(unit, UNIT_WINDOW, unit_pause)


async def count_miss(ip: str) -> None:
    def miss_pause(count, started, now):
        return started + MISS_WINDOW if count >= MISS_LIMIT else None

    async with db.write_transaction():
        await _count(_miss_key(ip), MISS_WINDOW, miss_pause)


async def purge_stale(older_than: timedelta = timedelta(days=1)) -> int:
    """Forget the form's counters once their windows are long over (they hold addresses);
    run by `rounds maintenance`."""
    cutoff = clock.now() - older_than
    stale = LoginThrottle.key.like("voice-%") & (LoginThrottle.window_started_at < cutoff)
    count = await LoginThrottle.count().where(stale)
    if count:
        await LoginThrottle.delete().where(stale)
    return count
