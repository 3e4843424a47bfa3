"""The built wheel, installed (not editable) into a fresh virtual environment outside the
checkout, serves every page with its templates, styles and htmx."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import venv
from pathlib import Path

import httpx

from tests.deploy.conftest import (
    DEMO_PASSWORD,
    REPO,
    clean_env,
    free_port,
    sign_in,
    stop,
    wait_healthy,
)


def build_wheel(out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
        check=True,
        cwd=out,
    )
    (wheel,) = out.glob("rounds-*.whl")
    return wheel


def install(wheel: Path, where: Path) -> Path:
    """A fresh venv with the wheel and its dependencies pinned by requirements.lock."""
    venv.create(where, with_pip=True)
    pip = [str(where / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run(
        [*pip, "-c", str(REPO / "requirements.lock"), str(wheel)],
        check=True,
        env=clean_env(),
        cwd=where,
    )
    return where / "bin"


def test_installed_wheel_serves_pages_styles_and_htmx(tmp_path):
    wheel = build_wheel(tmp_path)
    names = subprocess.run(
        [sys.executable, "-m", "zipfile", "-l", str(wheel)], capture_output=True, text=True
    ).stdout
    assert "rounds/_templates/base.html" in names and "rounds/_static/css/app.css" in names

    bin_dir = install(wheel, tmp_path / "venv")
    # The sdist carries the top-level templates/ and static/ too (a wheel built from it has them).
    subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", "hatchling"],
        check=True,
        env=clean_env(),
    )
    subprocess.run(
        [str(bin_dir / "hatchling"), "build", "-t", "sdist", "-d", str(tmp_path / "sdist")],
        check=True,
        cwd=REPO,
        env=clean_env(),
        capture_output=True,
    )
    (sdist,) = (tmp_path / "sdist").glob("rounds-*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"templates/base.html", "static/css/app.css", "pyproject.toml"} <= members
    empty = tmp_path / "empty"
    empty.mkdir()
    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "import rounds; print(rounds.TEMPLATES_DIR)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=empty,
        env=clean_env(),
    ).stdout.strip()
    assert where.startswith(str(tmp_path / "venv")), where  # the installed copy, not the checkout

    port = free_port()
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [str(bin_dir / "rounds"), "serve", "--demo", "--port", str(port)],
            cwd=empty,
            env=clean_env(ROUNDS_DEMO_PASSWORD=DEMO_PASSWORD),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, log)
        with httpx.Client(base_url=base, timeout=10) as client:
            login = client.get("/login")
            assert login.status_code == 200
            assert login.headers["content-type"].startswith("text/html")
            assert "Sign in to Rounds" in login.text

            sign_in(client, "champion@example.org")
            home = client.get("/issues")
            assert home.status_code == 200, home.text[:500]
            assert home.headers["content-type"].startswith("text/html")
            assert "Tracking log" in home.text

            css = re.search(r'href="(/static/css/app\.css\?v=\w+)"', home.text).group(1)
            htmx = re.search(
                r'src="(/static/vendor/htmx-[\d.]+\.min\.js\?v=\w+)"', home.text
            ).group(1)
            got = client.get(css)
            assert got.status_code == 200 and got.headers["content-type"].startswith("text/css")
            assert len(got.content) > 1000
            got = client.get(htmx)
            assert got.status_code == 200
            assert "javascript" in got.headers["content-type"]
            assert b"htmx" in got.content
    finally:
        stop(proc)
    # What the server wrote went into the folder it was started from, nowhere near the checkout.
    assert (empty / "var" / "rounds.sqlite3").exists()
