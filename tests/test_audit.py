"""Audit entries are written for changes and sign-ins; tampering is detected."""

import json
import subprocess
import sys

import pytest

from rounds import db
from rounds.audit.service import verify
from rounds.core.tables import AuditEntry
from tests.conftest import post_form


async def test_unit_changes_are_audited_with_old_and_new(client, world, login):
    await login(client, "admin")
    response = await post_form(
        client,
        "/admin/units/new",
        {
            "name": "7 South Oncology",
            "kind": "med-surg",
            "facility": "North",
            "staff_headcount": "40",
            "active": "on",
        },
    )
    assert response.status_code == 303
    unit_id = int(response.headers["location"].rsplit("/", 1)[1])
    response = await post_form(
        client,
        f"/admin/units/{unit_id}",
        {
            "name": "7 South Oncology",
            "kind": "med-surg",
            "facility": "North Tower",
            "staff_headcount": "44",
            "active": "on",
            "version": "1",
        },
    )
    assert response.status_code == 303
    entries = (
        await AuditEntry.select().where(AuditEntry.object_type == "unit").order_by(AuditEntry.seq)
    )
    assert [e["action"] for e in entries] == ["create", "update"]
    changes = json.loads(entries[1]["changes"])
    assert changes == {"facility": ["North", "North Tower"], "staff_headcount": [40, 44]}
    assert entries[1]["actor_label"] == "admin@test.org"
    result = await verify()
    assert result.ok and result.checked >= 3


async def test_edited_row_breaks_the_chain(client, world, login):
    await login(client, "admin")
    await post_form(client, "/admin/units/new", {"name": "Ward 9", "kind": "icu", "active": "on"})
    assert (await verify()).ok
    await db.raw(
        "UPDATE audit_entry SET changes = {} WHERE object_type = 'unit'",
        '{"name": [null, "Ward 10"]}',
    )
    result = await verify()
    assert not result.ok and "changed" in result.reason


async def test_deleted_row_breaks_the_chain(client, world, login):
    await login(client, "admin")
    await post_form(client, "/logout")
    await login(client, "admin")
    await db.raw("DELETE FROM audit_entry WHERE seq = 2")
    assert not (await verify()).ok


# two `rounds audit verify` subprocesses, each importing the app (seconds on a loaded machine)
@pytest.mark.slow
async def test_cli_verify_exit_codes(engine, settings, world):
    from rounds.audit import service as audit

    await audit.record(audit.SYSTEM, "create", "unit", 1, changes={"name": [None, "X"]})
    import os

    from tests.conftest import TEST_SECRET

    env = {
        **os.environ,
        "ROUNDS_DATABASE_URL": settings.database_url,
        "ROUNDS_SECRET_KEY": TEST_SECRET,
    }
    ok = subprocess.run(
        [sys.executable, "-m", "rounds.cli", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    await db.raw("UPDATE audit_entry SET actor_label = 'someone else'")
    bad = subprocess.run(
        [sys.executable, "-m", "rounds.cli", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and "BROKEN" in bad.stderr


async def test_admin_can_browse_and_filter(client, world, login):
    await login(client, "admin")
    await post_form(
        client, "/admin/units/new", {"name": "Filtered Unit", "kind": "icu", "active": "on"}
    )
    page = await client.get("/admin/audit?object_type=unit")
    assert (
        page.status_code == 200
        and "Filtered Unit" in page.text
        and "sign in" not in page.text.split("<tbody>")[1]
    )
    fragment = await client.get("/admin/audit?action=sign_in", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "sign in" in fragment.text


async def test_rehashing_without_the_key_is_detected(client, world, login):
    """Someone with database access but not ROUNDS_SECRET_KEY edits a row and recomputes a plain hash."""
    import hashlib

    await login(client, "admin")
    row = await AuditEntry.select().where(AuditEntry.seq == 1).first()
    fake = hashlib.sha256(b"whatever they compute").hexdigest()
    await db.raw("UPDATE audit_entry SET actor_label = 'someone', hash = {} WHERE seq = 1", fake)
    await db.raw("UPDATE audit_head SET last_hash = {}", fake)
    assert row is not None and not (await verify()).ok
