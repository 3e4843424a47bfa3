"""`rounds backup PATH` and `rounds restore PATH`.

SQLite: SQLite's online backup API copies the database in one step from a single read
snapshot, so the copy is consistent while people keep writing (WAL: writers are not blocked).
PostgreSQL: `pg_dump --format=custom` (one consistent snapshot too), restored with `pg_restore`;
both must be on PATH (Debian: postgresql-client, the server's major version or newer).

A restore refuses to overwrite a database that has data unless told to (`--force`), and
migrates the restored copy, so a backup from an earlier release comes back on the current schema.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

SQLITE_MAGIC = b"SQLite format 3\0"
PG_MAGIC = b"PGDMP"


class BackupError(Exception):
    """Raised with a message for the person at the console."""


def backup(settings, path: Path) -> str:
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # confidential
    os.close(fd)
    try:
        if settings.is_sqlite:
            _sqlite_backup(settings.sqlite_path, partial)
        else:
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(partial)], settings)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(path)
    return f"Backed up to {path} ({path.stat().st_size:,} bytes)."


def _sqlite_backup(source_path: Path, target: Path) -> None:
    if not source_path.exists():
        raise BackupError(f"No database at {source_path}.")
    source = sqlite3.connect(source_path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # all pages in one step: one read snapshot
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        copy.close()
        source.close()


def restore(settings, path: Path, *, force: bool = False) -> str:
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    head = path.read_bytes()[:16]
    if settings.is_sqlite:
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{path} is not a SQLite backup (ROUNDS_DATABASE_URL is SQLite).")
        target = settings.sqlite_path
        if not force and _sqlite_has_data(target):
            raise BackupError(_refusal(str(target)))
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        source, into = sqlite3.connect(path), sqlite3.connect(target)
        try:
            source.backup(into)
            into.execute("PRAGMA journal_mode=WAL")
        finally:
            into.close()
            source.close()
    else:
        if not head.startswith(PG_MAGIC):
            raise BackupError(
                f"{path} is not a pg_dump custom-format backup (ROUNDS_DATABASE_URL is PostgreSQL)."
            )
        if not force and _pg_has_data(settings):
            raise BackupError(_refusal("the PostgreSQL database"))
        # The target has no data (or --force): replace whatever schema it has with the backup's.
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--clean",
                "--if-exists",
                "--exit-on-error",
                "--dbname",
                urlparse(settings.database_url).path.lstrip("/") or "postgres",
                str(path),
            ],
            settings,
        )
    return f"Restored {path}."


def _refusal(what: str) -> str:
    return (
        f"Refusing to restore: {what} already holds data (people or audit entries). "
        "Restore into a new, empty database, or add --force to replace everything in it."
    )


def _sqlite_has_data(target: Path) -> bool:
    if not target.exists() or target.stat().st_size == 0:
        return False
    with sqlite3.connect(target) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return any(
            conn.execute(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()[0]
            for t in ("person", "audit_entry")
            if t in tables
        )


def _pg_has_data(settings) -> bool:
    for table in ("person", "audit_entry"):
        exists = _run(
            ["psql", "-At", "-c", f"SELECT to_regclass('public.{table}') IS NOT NULL"], settings
        )
        if exists.strip() == "t":
            has = _run(["psql", "-At", "-c", f"SELECT EXISTS (SELECT 1 FROM {table})"], settings)
            if has.strip() == "t":
                return True
    return False


def _run(command: list[str], settings) -> str:
    """Run a PostgreSQL client tool against ROUNDS_DATABASE_URL (password via the environment)."""
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client)."
        )
    parsed = urlparse(settings.database_url)
    env = {**os.environ, "PGDATABASE": (parsed.path or "/postgres").lstrip("/")}
    env["PGHOST"] = parsed.hostname or "127.0.0.1"
    env["PGPORT"] = str(parsed.port or 5432)
    env["PGUSER"] = unquote(parsed.username or "postgres")
    if parsed.password:
        env["PGPASSWORD"] = unquote(parsed.password)
    sslmode = parse_qs(parsed.query).get("sslmode", [None])[0]
    if sslmode:
        env["PGSSLMODE"] = sslmode
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed:\n{done.stderr.strip()}")
    return done.stdout
