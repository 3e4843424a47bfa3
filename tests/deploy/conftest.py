"""Deployment tests: the built wheel, nginx + two servers, backups, upgrades.

They build packages, create virtual environments and start real servers, so they take minutes:
they run only with ROUNDS_DEPLOY_TESTS=1 (.ci/run sets it) or when asked for by path
(`pytest tests/deploy`). With ROUNDS_DEPLOY_TESTS=1 a missing tool fails instead of skipping.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parent.parent.parent
REQUIRED = os.environ.get("ROUNDS_DEPLOY_TESTS") == "1"
DEMO_PASSWORD = "demo-password-for-deploy-tests"
PG_ADMIN_URL = os.environ.get("ROUNDS_DEPLOY_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def pytest_collection_modifyitems(config, items):
    asked = any("tests/deploy" in str(arg) for arg in config.args)
    for item in items:
        if "deploy" in item.nodeid.split("/"):
            item.add_marker(pytest.mark.deploy)
            if not (REQUIRED or asked):
                item.add_marker(
                    pytest.mark.skip(
                        reason="deployment test: set ROUNDS_DEPLOY_TESTS=1 (.ci/run does)"
                    )
                )


def need(condition: bool, what: str) -> None:
    """Skip when a tool is missing on a developer's machine; fail in CI."""
    if not condition:
        if REQUIRED:
            pytest.fail(f"{what} (required: ROUNDS_DEPLOY_TESTS=1)")
        pytest.skip(what)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without this checkout on PYTHONPATH and without other ROUNDS_ settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ROUNDS_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env.update(extra)
    return env


def wait_healthy(base: str, proc: subprocess.Popen, log: Path, timeout: float = 120, **kw) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(base + "/healthz", timeout=2, **kw).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server did not start:\n{log.read_text()}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def csrf_from(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: httpx.Client, email: str, password: str = DEMO_PASSWORD) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    response = client.post(
        "/login",
        data={
            "email": email,
            "password": password,
            "next": "/",
            "_csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 303, (
        f"sign-in failed: {response.status_code} {response.text[:300]}"
    )
