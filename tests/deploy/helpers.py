"""Databases and servers for the deployment tests: a throwaway SQLite file or PostgreSQL
database, the `rounds` command from this checkout, a signed-in burst of writers."""

from __future__ import annotations

import re
import sqlite3
import string
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import httpx

from tests.deploy.conftest import (
    DEMO_PASSWORD,
    PG_ADMIN_URL,
    REPO,
    clean_env,
    free_port,
    sign_in,
    stop,
    wait_healthy,
)

SECRET = "deploy-test-secret-" + "s" * 30
AUDIT_KEY = "deploy-test-audit-key-" + "a" * 30


def new_database(kind: str, tmp_path: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / (name + '.sqlite3')}"
    db_name = f"rounds_deploy_{name}_{uuid.uuid4().hex[:8]}"
    psql(PG_ADMIN_URL, f'CREATE DATABASE "{db_name}"')
    return urlunparse(urlparse(PG_ADMIN_URL)._replace(path=f"/{db_name}"))


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        name = urlparse(url).path.lstrip("/")
        psql(PG_ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def psql(url: str, sql: str) -> str:
    done = subprocess.run(["psql", url, "-At", "-c", sql], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def query(url: str, sql: str) -> list[str]:
    """One column of a query's rows, as text."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return [str(row[0]) for row in conn.execute(sql)]
    return [line for line in psql(url, sql).splitlines() if line]


def env_for(url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    settings = {
        "PYTHONPATH": str(REPO),
        "ROUNDS_DATABASE_URL": url,
        "ROUNDS_SECRET_KEY": SECRET,
        "ROUNDS_AUDIT_KEY": AUDIT_KEY,
        "ROUNDS_DEMO_PASSWORD": DEMO_PASSWORD,
        "ROUNDS_VAR_DIR": str(tmp_path / "var"),
    }
    return clean_env(**{**settings, **extra})


def rounds(env: dict[str, str], *args: str, cwd: Path | None = None, check: bool = True):
    done = subprocess.run(
        [sys.executable, "-m", "rounds.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    if check:
        assert done.returncode == 0, f"rounds {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


class Server:
    """`rounds serve` from this checkout in a subprocess."""

    def __init__(self, env, tmp_path: Path, *args: str, port: int | None = None, name="server"):
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / f"{name}.log"
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "rounds.cli", "serve", "--port", str(self.port), *args],
                env=env,
                cwd=tmp_path,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_healthy(self.base, self.proc, self.log)

    def stop(self) -> None:
        stop(self.proc)


def letters(number: int) -> str:
    """A counter spelt in letters (free text with long digit runs is screened as identifiers)."""
    return "".join(string.ascii_lowercase[int(d)] for d in str(number))


class Burst:
    """N signed-in clients capturing safety issues as fast as the server takes them; each
    acknowledged write (303) is kept with the moment its answer arrived."""

    def __init__(self, base: str, clients: int = 20, email: str = "champion@example.org"):
        self.base, self.email = base, email
        self.acked: list[tuple[float, str]] = []
        self.failed: list[str] = []
        self.stopping = threading.Event()
        self.clients = [httpx.Client(base_url=base, timeout=30) for _ in range(clients)]
        for client in self.clients:
            sign_in(client, email)
        home = self.clients[0].get("/")
        self.unit = int(re.search(r'href="/units/(\d+)"', home.text).group(1))
        self.threads = [
            threading.Thread(target=self._write, args=(n, c), daemon=True)
            for n, c in enumerate(self.clients)
        ]

    def _write(self, number: int, client: httpx.Client) -> None:
        count = 0
        while not self.stopping.is_set():
            count += 1
            text = f"Backup check {letters(number)} {letters(count)} pump alarm unheard"
            try:
                response = client.post(
                    f"/units/{self.unit}/issues/new",
                    data={
                        "description": text,
                        "raised_by": "RN, days",
                        "source": "safety_round",
                        "idempotency_key": uuid.uuid4().hex,
                        "_csrf_token": client.cookies.get("rounds_csrf"),
                    },
                )
            except httpx.HTTPError as exc:
                self.failed.append(repr(exc))
                continue
            if response.status_code == 303:
                self.acked.append((time.monotonic(), text))
            else:
                self.failed.append(f"{response.status_code} {response.text[:200]}")

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def wait_for(self, acknowledged: int, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acked) < acknowledged:
            assert time.monotonic() < deadline, f"only {len(self.acked)} writes in {timeout} s"
            assert not self.failed, self.failed[:5]
            time.sleep(0.1)

    def finish(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)
        for client in self.clients:
            client.close()

    def acked_before(self, moment: float) -> set[str]:
        return {text for at, text in self.acked if at < moment}


UNITS = REPO / "deploy" / "systemd"
INSTALLED_ROUNDS = "/opt/rounds/venv/bin/rounds"


def unit_command(unit: str, instance: str = "") -> list[str]:
    """A systemd unit's ExecStart with the installed `rounds` replaced by this checkout's."""
    lines = [
        line.removeprefix("ExecStart=")
        for line in (UNITS / unit).read_text().splitlines()
        if line.startswith("ExecStart=")
    ]
    assert len(lines) == 1, f"{unit}: one ExecStart expected"
    words = lines[0].replace("%i", instance).split()
    assert words[0] == INSTALLED_ROUNDS, words
    return [sys.executable, "-m", "rounds.cli", *words[1:]]
