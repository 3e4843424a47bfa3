"""Start and stop real servers and databases for the benchmark and the reliability suite."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

PG_BASE = os.environ.get("ROUNDS_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
PASSWORD = "benchmark-password-1234"
SECRET = "benchmark-secret-key-" + "z" * 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rounds_bin() -> str:
    return shutil.which("rounds", path=str(Path(sys.executable).parent)) or "rounds"


class Database:
    """A throw-away database: a SQLite file in `workdir`, or a uniquely named PostgreSQL database."""

    def __init__(self, kind: str, workdir: Path):
        self.kind, self.workdir = kind, workdir
        if kind == "sqlite":
            self.url = f"sqlite:///{workdir / 'rounds.sqlite3'}"
        else:
            self.name = f"rounds_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            self.url = f"{PG_BASE}/{self.name}"

    def create(self) -> None:
        if self.kind == "postgres":
            asyncio.run(self._pg(f'CREATE DATABASE "{self.name}"'))

    def drop(self) -> None:
        if self.kind == "postgres":
            asyncio.run(self._pg(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))

    async def _pg(self, sql: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(f"{PG_BASE}/postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def query(self, sql: str, *args) -> list[dict]:
        """Run one read query directly (for picking ids); `?` placeholders."""
        if self.kind == "sqlite":
            import sqlite3

            conn = sqlite3.connect(self.url.removeprefix("sqlite:///"))
            conn.row_factory = sqlite3.Row
            try:
                return [dict(r) for r in conn.execute(sql, args).fetchall()]
            finally:
                conn.close()

        async def run():
            import asyncpg

            conn = await asyncpg.connect(self.url)
            try:
                pg_sql, n = sql, 0
                while "?" in pg_sql:
                    n += 1
                    pg_sql = pg_sql.replace("?", f"${n}", 1)
                return [dict(r) for r in await conn.fetch(pg_sql, *args)]
            finally:
                await conn.close()

        return asyncio.run(run())


def base_env(db: Database, workdir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROUNDS_")}
    env.update(
        {
            "ROUNDS_DATABASE_URL": db.url,
            "ROUNDS_MODE": "production",
            "ROUNDS_SECRET_KEY": SECRET,
            "ROUNDS_COOKIE_SECURE": "false",
            "ROUNDS_DEMO_PASSWORD": PASSWORD,
            "ROUNDS_VAR_DIR": str(workdir / "var"),
            "ROUNDS_LOGIN_MAX_FAILURES": "1000",
        }
    )
    env.update(extra)
    return env


class Server:
    """A server process group (uvicorn with N workers), started and stopped (or SIGKILLed) whole."""

    def __init__(
        self, argv: list[str], env: dict, port: int, log: Path, ready_path: str = "/healthz"
    ):
        self.argv, self.env, self.port, self.log_path, self.ready_path = (
            argv,
            env,
            port,
            log,
            ready_path,
        )
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> Server:
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.env.get("ROUNDS_VAR_DIR", "."),
            start_new_session=True,
        )
        log.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                if httpx.get(self.base + self.ready_path, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"server did not start:\n{self.tail()}")

    def cpu_seconds(self) -> float:
        """User + system CPU used so far by the whole process group (supervisor and workers)."""
        if not self.proc:
            return 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.proc.pid:  # the process group
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-n:])
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL the whole process group (the uvicorn supervisor and every worker)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None


def rounds_server(
    db: Database, workdir: Path, *, workers: int, port: int | None = None, **env: str
) -> Server:
    port = port or free_port()
    (workdir / "var").mkdir(parents=True, exist_ok=True)
    argv = [
        rounds_bin(),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    return Server(argv, base_env(db, workdir, **env), port, workdir / "server.log")


def ceiling_server(db: Database, workdir: Path, *, workers: int, unit: int) -> Server:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "tests.perf.ceiling",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    env = base_env(db, workdir, ROUNDS_CEILING_UNIT=str(unit))
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return Server(argv, env, port, workdir / "ceiling.log", ready_path="/ceiling")


def run_rounds(
    db: Database, workdir: Path, *args: str, timeout: float = 300
) -> subprocess.CompletedProcess:
    (workdir / "var").mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [rounds_bin(), *args],
        env=base_env(db, workdir),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=workdir,
    )
