"""Operations (issue 17): expired sessions purged, audit keys that rotate, the access log,
settings validated, links that follow the served address."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from datetime import timedelta

import httpx
import pytest

from rounds import db
from rounds.audit import service as audit
from rounds.auth import sessions
from rounds.core import clock
from rounds.core.tables import WebSession
from rounds.settings import SettingsError, load_settings, unknown_variables
from rounds.web.access_log import safe_path, with_access_log
from tests.conftest import TEST_SECRET

KEY_A = "old-secret-key-" + "a" * 40
KEY_K = "audit-key-" + "k" * 40


@pytest.fixture
def restore_audit_key():
    yield
    audit.configure(TEST_SECRET)


async def test_maintenance_purges_idle_and_expired_sessions(engine, world):
    person = world.people["member"]
    fresh = await sessions.create(person, absolute_seconds=3600, ip="", user_agent="")
    await sessions.create(person, absolute_seconds=3600, ip="", user_agent="")
    await sessions.create(person, absolute_seconds=3600, ip="", user_agent="")
    rows = await WebSession.select(WebSession.id).order_by(WebSession.id)
    now = clock.now()
    await WebSession.update({WebSession.last_seen_at: now - timedelta(minutes=16)}).where(
        WebSession.id == rows[1]["id"]
    )  # idle past 15 minutes
    await WebSession.update({WebSession.expires_at: now - timedelta(seconds=1)}).where(
        WebSession.id == rows[2]["id"]
    )  # past the absolute limit
    assert await sessions.purge_expired(15 * 60) == 2
    assert await WebSession.count() == 1
    assert await sessions.load(fresh, idle_seconds=15 * 60, ip="") is not None


async def test_audit_chain_survives_key_rotation(engine, world, restore_audit_key, monkeypatch):
    audit.configure(KEY_A)  # an installation that keyed the chain from its secret key
    monkeypatch.setattr(audit, "_key_id", "")  # as written before key ids existed
    await audit.record(audit.SYSTEM, "create", "unit", 1)
    monkeypatch.undo()
    await audit.record(audit.SYSTEM, "update", "unit", 1)
    audit.configure(KEY_K, [KEY_A])  # its own audit key now; the old one verifies old entries
    await audit.record(audit.SYSTEM, "update", "unit", 2)
    result = await audit.verify()
    assert result.ok, result.reason
    ids = [r["key_id"] for r in await db.raw("SELECT key_id FROM audit_entry ORDER BY seq")]
    assert ids[0] == "" and ids[-1] != ids[-2] and all(len(i) == 12 for i in ids[1:])

    audit.configure(KEY_K)  # the old key forgotten: its entries can no longer be vouched for
    result = await audit.verify()
    assert not result.ok and "ROUNDS_AUDIT_PREVIOUS_KEYS" in result.reason

    audit.configure(KEY_K, [KEY_A])
    await db.raw(
        "UPDATE audit_entry SET changes = '{\"x\": 1}' WHERE seq = (SELECT MAX(seq) FROM audit_entry)"
    )
    assert not (await audit.verify()).ok  # a changed entry is still caught


# a `rounds audit verify` subprocess importing the app
@pytest.mark.slow
async def test_secret_key_rotates_and_cli_verify_still_passes(
    engine, settings, world, restore_audit_key
):
    audit.configure(KEY_K)
    await audit.record(audit.SYSTEM, "create", "unit", 1)
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": ":".join(sys.path),
        "ROUNDS_DATABASE_URL": settings.database_url,
        "ROUNDS_SECRET_KEY": "a-brand-new-session-secret-" + "n" * 20,
        "ROUNDS_AUDIT_KEY": KEY_K,
    }
    done = subprocess.run(
        [sys.executable, "-m", "rounds.cli", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "intact" in done.stdout


@pytest.fixture
def access_lines():
    logger = logging.getLogger("rounds.access")
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    logger.addHandler(handler)
    yield out
    logger.removeHandler(handler)


@pytest.mark.parametrize("json_format", [False, True])
async def test_access_log_line_per_request(app, access_lines, json_format):
    logged = with_access_log(app, json_format=json_format)
    token = "Q" * 43
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=logged), base_url="http://testserver"
    ) as client:
        ok = await client.get(
            "/login?next=/issues&password=hunter2", headers={"Cookie": "rounds_session=c00kie"}
        )
        await client.get(f"/calendar/{token}.ics?x=1")
        await client.get("/nope%0a2026-01-01 GET /admin 200", headers={"X-Request-ID": "abc-123"})
    lines = access_lines.getvalue().splitlines()
    assert len(lines) == 3
    text = access_lines.getvalue()
    assert "hunter2" not in text and "c00kie" not in text and token not in text and "?" not in text
    assert ok.headers["x-request-id"]
    if json_format:
        first, second, third = (json.loads(line) for line in lines)
        assert (first["method"], first["path"], first["status"]) == ("GET", "/login", 200)
        assert first["request_id"] == ok.headers["x-request-id"] and first["ms"] >= 0
        assert second["path"] == "/calendar/***.ics" and second["status"] == 404
        assert third["request_id"] == "abc-123" and "\n" not in third["path"]
    else:
        assert lines[0].split()[2:5] == ["GET", "/login", "200"]
        assert f"rid={ok.headers['x-request-id']}" in lines[0]
        assert "\\x0a" in lines[2] and "rid=abc-123" in lines[2]


def test_safe_path_escapes_control_characters():
    assert safe_path("/a\nb\x1bc") == "/a\\x0ab\\x1bc"
    assert safe_path("/issues/12") == "/issues/12"


@pytest.mark.parametrize(
    ("env", "value"),
    [
        ("ROUNDS_FORWARDED_ALLOW_IPS", "10.0.0.1, proxy.local"),
        ("ROUNDS_FORWARDED_ALLOW_IPS", ""),
        ("ROUNDS_BASE_URL", "rounds.example.org"),
        ("ROUNDS_BASE_URL", "https://rounds.example.org/?x=1"),
        ("ROUNDS_LOG_FORMAT", "xml"),
        ("ROUNDS_AUDIT_KEY", "short"),
        ("ROUNDS_AUDIT_PREVIOUS_KEYS", "short"),
        ("ROUNDS_SMTP_PORT", "70000"),
        ("ROUNDS_MAIL_FROM", "nobody"),
        ("ROUNDS_ACCESS_LOG", "maybe"),
    ],
)
def test_bad_operations_settings_are_explained(monkeypatch, env, value):
    monkeypatch.setenv(env, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert env in str(err.value)


def test_good_operations_settings(monkeypatch):
    monkeypatch.setenv("ROUNDS_FORWARDED_ALLOW_IPS", "127.0.0.1, 10.1.0.0/16,::1")
    monkeypatch.setenv("ROUNDS_BASE_URL", "https://rounds.example.org/")
    settings = load_settings()
    assert settings.forwarded_allow_ips == "127.0.0.1,10.1.0.0/16,::1"
    assert settings.link_base("http://127.0.0.1:8001/") == "https://rounds.example.org"
    monkeypatch.delenv("ROUNDS_BASE_URL")
    assert load_settings().link_base("https://rounds.example.org/") == "https://rounds.example.org"


def test_unknown_rounds_variables_are_named():
    env = {"ROUNDS_SECRET_KEY": "x", "ROUNDS_SECRETKEY": "x", "ROUNDS_TEST_DATABASE_URL": "x"}
    assert unknown_variables(env) == ["ROUNDS_SECRETKEY"]
