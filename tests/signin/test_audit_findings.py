"""Audit findings (issue 18): an outside checkpoint catches deleted recent entries; refusals,
probes of other units' objects and CSV exports are recorded, refusals and probes rate-limited."""

import os
import subprocess
import sys

import pytest

from rounds import db
from rounds.audit import service as audit
from rounds.core.tables import AuditEntry
from tests.conftest import TEST_SECRET, post_form


async def _entries(n: int) -> None:
    for i in range(n):
        await audit.record(audit.SYSTEM, "update", "unit", i, changes={"n": [i, i + 1]})


async def _truncate_to(seq: int) -> None:
    """What someone with database access (but not the key) can do: delete the newest entries
    and set the head to match the entry that is now last."""
    await db.raw("DELETE FROM audit_entry WHERE seq > {}", seq)
    row = await AuditEntry.select(AuditEntry.hash).where(AuditEntry.seq == seq).first()
    await db.raw("UPDATE audit_head SET seq = {}, last_hash = {}", seq, row["hash"] if row else "")


async def test_checkpoint_catches_deleted_recent_entries(engine):
    await _entries(5)
    kept = await audit.checkpoint()
    assert kept.seq == 5 and len(kept.hash) == 64
    await _entries(2)
    assert (await audit.verify_against(kept)).ok  # the log extends the checkpoint
    await _truncate_to(3)
    assert (await audit.verify()).ok  # the chain alone cannot tell
    result = await audit.verify_against(kept)
    assert not result.ok and "deleted" in result.reason


async def test_checkpoint_catches_a_wiped_log(engine):
    await _entries(3)
    kept = await audit.checkpoint()
    await db.raw("DELETE FROM audit_entry")
    await db.raw("UPDATE audit_head SET seq = 0, last_hash = ''")
    assert (await audit.verify()).ok
    assert not (await audit.verify_against(kept)).ok


async def test_checkpoint_catches_a_rewritten_log(engine):
    """Delete back past the checkpoint and write new entries up to its number again."""
    await _entries(4)
    kept = await audit.checkpoint()
    await _truncate_to(2)
    await _entries(2)  # seq 3 and 4 again, with other content
    assert (await audit.verify()).ok
    result = await audit.verify_against(kept)
    assert not result.ok and "rewritten" in result.reason


def _cli(settings, *args):
    env = {
        **os.environ,
        "ROUNDS_DATABASE_URL": settings.database_url,
        "ROUNDS_SECRET_KEY": TEST_SECRET,
    }
    return subprocess.run(
        [sys.executable, "-m", "rounds.cli", "audit", *args],
        env=env,
        capture_output=True,
        text=True,
    )


# five `rounds audit` subprocesses, each importing the app (~18 s on a loaded 2-core machine)
@pytest.mark.slow
async def test_cli_checkpoint_and_verify_with_it(engine, settings):
    await _entries(3)
    printed = _cli(settings, "checkpoint")
    assert printed.returncode == 0, printed.stderr
    line = printed.stdout.strip()
    assert line == str(await audit.checkpoint())
    ok = _cli(settings, "verify", "--checkpoint", line)
    assert ok.returncode == 0 and "extends checkpoint 3" in ok.stdout
    await _truncate_to(1)
    assert _cli(settings, "verify").returncode == 0
    bad = _cli(settings, "verify", "--checkpoint", line)
    assert bad.returncode == 1 and "deleted" in bad.stderr
    assert _cli(settings, "verify", "--checkpoint", "nonsense").returncode == 2


async def test_checkpoint_in_the_admins_daily_digest(engine, world):
    from rounds.barriers import reminders
    from rounds.barriers.tables import ReminderDigest
    from rounds.core.clock import local_today

    await _entries(2)
    await reminders.create_digests(local_today(), "http://rounds.test")
    bodies = {
        r["person"]: r["body"]
        for r in await ReminderDigest.select(ReminderDigest.person, ReminderDigest.body)
    }
    admin = bodies[world.people["admin"]]
    assert str(await audit.checkpoint()) in admin and "rounds audit verify --checkpoint" in admin
    assert world.people["member"] not in bodies  # nothing due, no checkpoint for non-admins


async def test_refusals_are_audited_and_rate_limited(client, world, login):
    await login(client, "member")
    for _ in range(3):
        assert (await post_form(client, "/admin/units/new", {"name": "X"})).status_code == 403
    rows = await AuditEntry.select().where(AuditEntry.action == "refused")
    assert len(rows) == 3
    assert (
        rows[0]["actor_id"] == world.people["member"] and "/admin/units/new" in rows[0]["changes"]
    )
    for _ in range(audit.LIMIT + 5):
        await client.get("/admin")
    assert await AuditEntry.count().where(AuditEntry.action == "refused") == audit.LIMIT
    assert (await audit.verify()).ok


async def test_probes_of_other_units_are_audited(client, world, login):
    await login(client, "member")
    response = await client.get(f"/units/{world.unit_b}")
    assert response.status_code == 404
    probe = await AuditEntry.select().where(AuditEntry.action == "probe").first()
    assert probe["unit_id"] == world.unit_b and probe["actor_id"] == world.people["member"]
    # a plain unknown page is not a probe of anything
    await client.get("/nope")
    assert await AuditEntry.count().where(AuditEntry.action == "probe") == 1
    for _ in range(audit.LIMIT + 3):
        await client.get(f"/units/{world.unit_b}")
    assert await AuditEntry.count().where(AuditEntry.action == "probe") == audit.LIMIT


async def test_csv_exports_are_audited(client, world, login):
    await login(client, "champion")
    response = await client.get(f"/issues/export.csv?unit={world.unit_a}")
    assert response.status_code == 200
    entry = await AuditEntry.select().where(AuditEntry.action == "export").first()
    assert entry["object_type"] == "safety_issue" and entry["actor_id"] == world.people["champion"]
    assert entry["unit_id"] == world.unit_a and '"rows": 0' in entry["changes"]
    assert (await client.get("/barriers/export.csv")).status_code == 200
    assert await AuditEntry.count().where(AuditEntry.action == "export") == 2
