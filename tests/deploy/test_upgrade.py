"""Upgrades keep data: a database made by the previous release (the code as of commit d9af871,
dumped with data in every table by tests/deploy/make_upgrade_fixture.py) is migrated by today's
code on SQLite and PostgreSQL; no row is lost, the audit chain still verifies (with the
documented key rotation applied at the same time) and the pages render from it."""

from __future__ import annotations

import gzip
import re
import sqlite3
import subprocess

import httpx
import pytest

from tests.deploy.conftest import sign_in
from tests.deploy.helpers import Server, drop_database, env_for, new_database, query, rounds
from tests.deploy.make_upgrade_fixture import FIXTURES, PASSWORD, SECRET

RELEASE = "d9af871"


def load(kind: str, url: str, tmp_path) -> None:
    sql = gzip.decompress((FIXTURES / f"release-{RELEASE}.{kind}.sql.gz").read_bytes()).decode()
    if kind == "sqlite":
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.executescript(sql)
        return
    path = tmp_path / "dump.sql"
    path.write_text(sql)
    done = subprocess.run(
        ["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-f", str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def counts(kind: str, url: str) -> dict[str, int]:
    tables = query(
        url,
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        if kind == "sqlite"
        else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    )
    return {t: int(query(url, f'SELECT COUNT(*) FROM "{t}"')[0]) for t in tables}


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_previous_release_database_upgrades_and_renders(kind, tmp_path):
    url = new_database("sqlite" if kind == "sqlite" else "postgresql", tmp_path, "upgrade")
    try:
        load(kind, url, tmp_path)
        before = counts(kind, url)
        empty = [t for t, n in before.items() if n == 0]
        assert not empty, f"the fixture has tables without rows: {empty}"

        # Today's code, and at the same time the audit key moved off the rotated secret key.
        env = env_for(
            url,
            tmp_path,
            ROUNDS_SECRET_KEY="a-rotated-session-secret-" + "r" * 24,
            ROUNDS_AUDIT_PREVIOUS_KEYS=SECRET,
            ROUNDS_DEMO_PASSWORD=PASSWORD,
        )
        rounds(env, "migrate")
        after = counts(kind, url)
        for table, number in before.items():
            if table != "migration":
                assert after[table] == number, (
                    f"{table}: {number} rows before, {after[table]} after"
                )
        assert after["migration"] > before["migration"]  # today's migrations ran
        assert "intact" in rounds(env, "audit", "verify").stdout

        issue = query(url, "SELECT MIN(id) FROM safety_issue")[0]
        meeting = query(url, "SELECT MIN(id) FROM meeting")[0]
        round_id = query(url, "SELECT MIN(id) FROM safety_round")[0]
        barrier = query(url, "SELECT MIN(id) FROM barrier")[0]
        unit = query(url, "SELECT MIN(id) FROM unit")[0]
        server = Server(env, tmp_path)
        try:
            with httpx.Client(base_url=server.base, timeout=30) as client:
                sign_in(client, "admin@example.org", PASSWORD)
                for path in (
                    "/",
                    "/issues",
                    f"/issues/{issue}",
                    "/barriers",
                    f"/barriers/{barrier}",
                    f"/meetings/{meeting}",
                    f"/rounds/{round_id}/briefing",
                    f"/rounds/{round_id}/briefing?open=all",
                    f"/units/{unit}/measures",
                    "/overview",
                    "/admin",
                    "/reminders",
                ):
                    page = client.get(path)
                    assert page.status_code == 200, (path, page.status_code, page.text[:300])
                    assert re.search(r"<main", page.text), path
            with httpx.Client(base_url=server.base, timeout=30) as client:
                # A sign-in: a session and an audit entry on the upgraded chain, with today's key.
                sign_in(client, "upgrade@example.org", PASSWORD)
                assert client.get("/").status_code == 200
            assert "intact" in rounds(env, "audit", "verify").stdout
        finally:
            server.stop()
    finally:
        drop_database(url)
