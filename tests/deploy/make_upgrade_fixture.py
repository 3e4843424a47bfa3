"""Make the upgrade fixtures: databases built by an earlier release's code, with data in every
table, dumped as SQL (tests/deploy/fixtures/release-<rev>.{sqlite,postgres}.sql.gz).

    python -m tests.deploy.make_upgrade_fixture d9af871

checks out that commit's `rounds` package into a temporary folder, runs ITS migrations and demo
loader (and its `user create` and `reminders send`, so the audit log and digests have rows),
fills the few tables the demo leaves empty, and dumps the result. test_upgrade.py loads the dump
into a new database, migrates it with today's code and renders pages from it.
"""

from __future__ import annotations

import gzip
import io
import os
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "upgrade-fixture-secret-key-0123456789abcdef"
PASSWORD = "upgrade-fixture-demo-pw"
PG_ADMIN = os.environ.get("ROUNDS_DEPLOY_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")

# Rows for tables the demo leaves empty (the same SQL works on SQLite and PostgreSQL).
FILL = [
    "INSERT INTO web_session (token_hash, person, created_at, last_seen_at, expires_at, ip, user_agent)"
    " SELECT 'f1x7ure', id, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '127.0.0.1', 'fixture'"
    " FROM person WHERE email = 'champion@example.org'",
    "INSERT INTO login_throttle (key, failures, window_started_at, blocked_until)"
    " VALUES ('email:nobody@example.org', 1, CURRENT_TIMESTAMP, NULL)",
    "INSERT INTO defect_learning (issue, what_happened, factors, actions, how_we_know, updated_at, version)"
    " SELECT MIN(id), 'Alarm volume was turned down on nights.', '[\"equipment\"]', '[\"volume check at handover\"]',"
    " 'Audit of 20 handovers.', CURRENT_TIMESTAMP, 1 FROM safety_issue",
]


def main(rev: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", rev, "rounds"], capture_output=True, check=True
        ).stdout
        tarfile.open(fileobj=io.BytesIO(archive)).extractall(tmp / "code")
        sqlite_path = tmp / "old.sqlite3"
        build(f"sqlite:///{sqlite_path}", tmp)
        conn = sqlite3.connect(sqlite_path)
        for sql in FILL:
            conn.execute(sql)
        conn.commit()
        check_every_table(
            [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")],
            lambda t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0],
        )
        write(FIXTURES / f"release-{rev}.sqlite.sql.gz", "\n".join(conn.iterdump()))
        conn.close()

        name = f"rounds_fixture_{uuid.uuid4().hex[:8]}"
        psql(PG_ADMIN, f'CREATE DATABASE "{name}"')
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
        try:
            build(url, tmp)
            for sql in FILL:
                psql(url, sql)
            tables = psql(
                url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).split()
            check_every_table(tables, lambda t: int(psql(url, f'SELECT COUNT(*) FROM "{t}"')))
            dump = subprocess.run(
                ["pg_dump", "--no-owner", "--no-privileges", "--format=plain", url],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            write(FIXTURES / f"release-{rev}.postgres.sql.gz", dump)
        finally:
            psql(PG_ADMIN, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build(url: str, tmp: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ROUNDS_")},
        "PYTHONPATH": str(tmp / "code"),
        "ROUNDS_DATABASE_URL": url,
        "ROUNDS_SECRET_KEY": SECRET,
        "ROUNDS_DEMO_PASSWORD": PASSWORD,
        "ROUNDS_VAR_DIR": str(tmp / "var"),
    }
    for args in (
        ["demo"],
        [
            "user",
            "create",
            "--email",
            "upgrade@example.org",
            "--name",
            "Upgrade Check",
            "--password",
            PASSWORD,
        ],
        ["reminders", "send"],
    ):
        subprocess.run([sys.executable, "-m", "rounds.cli", *args], env=env, cwd=tmp, check=True)


def check_every_table(tables, count) -> None:
    empty = [t for t in tables if not count(t)]
    assert not empty, f"tables without rows: {empty}"


def psql(url: str, sql: str) -> str:
    return subprocess.run(
        ["psql", url, "-At", "-c", sql], capture_output=True, text=True, check=True
    ).stdout


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(path, "wb", mtime=0) as out:
        out.write(text.encode())
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "d9af871")
