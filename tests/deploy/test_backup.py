"""Backups that restore: 20 clients writing, `rounds backup` mid-burst, `rounds restore` into a
new database; every write acknowledged before the backup began is there and the audit chain
verifies on the copy. A restore over a database with data is refused."""

from __future__ import annotations

import shutil
import time

import pytest

from tests.deploy.conftest import need
from tests.deploy.helpers import (
    Burst,
    Server,
    drop_database,
    env_for,
    new_database,
    query,
    rounds,
)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_backup_mid_burst_restores_every_acknowledged_write(kind, tmp_path):
    if kind == "postgresql":
        need(shutil.which("pg_dump") and shutil.which("psql"), "PostgreSQL client tools missing")
    source_url = new_database(kind, tmp_path, "live")
    copy_url = new_database(kind, tmp_path, "copy")
    env = env_for(source_url, tmp_path)
    server = Server(env, tmp_path, "--demo")
    backup_file = tmp_path / ("rounds.backup" if kind == "postgresql" else "rounds-backup.sqlite3")
    try:
        burst = Burst(server.base, clients=20)
        burst.start()
        burst.wait_for(
            20
        )  # the burst is under way (seconds on a quiet machine, more on a busy one)
        began = time.monotonic()
        done = rounds(env, "backup", str(backup_file))
        burst.wait_for(len(burst.acked) + 20)  # and goes on after the backup began
        burst.finish()
        assert "Backed up" in done.stdout
        assert not burst.failed, burst.failed[:5]
        before = burst.acked_before(began)
        assert len(before) >= 20, f"only {len(before)} writes before the backup"
        assert len(burst.acked) > len(before)  # writes went on while it ran
        print(
            f"\n{kind}: {len(before)} writes acknowledged before the backup, {len(burst.acked)} in all"
        )

        refused = rounds(env, "restore", str(backup_file), check=False)
        assert refused.returncode == 1 and "Refusing" in refused.stderr

        copy_env = env_for(copy_url, tmp_path)
        rounds(copy_env, "restore", str(backup_file))
        restored = set(
            query(
                copy_url,
                "SELECT description FROM safety_issue WHERE description LIKE 'Backup check%'",
            )
        )
        missing = before - restored
        assert not missing, (
            f"{len(missing)} acknowledged writes missing, e.g. {sorted(missing)[:3]}"
        )
        verified = rounds(copy_env, "audit", "verify")
        assert "intact" in verified.stdout
        # The copy serves: a signed-in page renders from it.
        copy_server = Server(copy_env, tmp_path, name="copy")
        try:
            import httpx

            from tests.deploy.conftest import sign_in

            with httpx.Client(base_url=copy_server.base, timeout=10) as client:
                sign_in(client, "champion@example.org")
                page = client.get("/issues?q=Backup+check")
                assert page.status_code == 200 and "Backup check" in page.text
        finally:
            copy_server.stop()
    finally:
        server.stop()
        drop_database(source_url)
        drop_database(copy_url)
