"""The production set-up, run for real: Debian's nginx terminating TLS (a trustme certificate)
in front of two `rounds serve` instances on PostgreSQL, with the config files shipped in deploy/
(the nginx site with ports and paths substituted; the servers started with the systemd unit's
ExecStart). Chromium signs in over HTTPS; requests alternate between the instances and the
session holds; one instance is killed and the next requests are still served; cookies are
Secure; the audit log has the client's address, and forwarded headers count only from the proxy.
Throughput through nginx with two instances and then one is printed (not asserted)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.deploy.conftest import REPO, need, stop, wait_healthy
from tests.deploy.helpers import (
    drop_database,
    env_for,
    new_database,
    query,
    rounds,
    unit_command,
)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CHROMIUM = os.environ.get("ROUNDS_CHROMIUM", "/usr/bin/chromium")
SITE = REPO / "deploy" / "nginx" / "rounds.conf"


def site_config(tmp: Path, *, https: int, http: int, upstreams: tuple[int, int], cert, key) -> str:
    """The shipped site file with this test's ports and paths: each replaced text must exist."""
    text = SITE.read_text()
    for old, new in [
        ("server 127.0.0.1:8001 ", f"server 127.0.0.1:{upstreams[0]} "),
        ("server 127.0.0.1:8002 ", f"server 127.0.0.1:{upstreams[1]} "),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("/etc/ssl/rounds/fullchain.pem", str(cert)),
        ("/etc/ssl/rounds/privkey.pem", str(key)),
        ("/var/log/nginx/rounds.access.log", str(tmp / "access.log")),
        ("/var/log/nginx/rounds.error.log", str(tmp / "error.log")),
    ]:
        assert old in text, f"deploy/nginx/rounds.conf no longer has {old!r}"
        text = text.replace(old, new)
    return text


def main_config(tmp: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf provides around a site, in this test's own folder."""
    temp = "\n".join(
        f"    {kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}daemon off;
worker_processes 2;
pid {tmp / "nginx.pid"};
error_log {tmp / "nginx-error.log"} warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 65;
{temp}
    include {site};
}}
"""


def signed_in(page) -> bool:
    return "/login" not in page.url and page.locator("form[action='/logout']").count() > 0


def throughput(
    base: str, ca: Path | None, cookies, path: str = "/", seconds: float = 5, clients: int = 8
) -> float:
    """Answers per second (keep-alive connections, threads on the same cores)."""
    done, errors = [0], []
    stop_at = time.monotonic() + seconds

    def run():
        with httpx.Client(
            base_url=base,
            verify=ssl.create_default_context(cafile=str(ca)) if ca else True,
            cookies=cookies,
            timeout=30,
        ) as client:
            while time.monotonic() < stop_at:
                response = client.get(path)
                if response.status_code == 200:
                    done[0] += 1
                else:
                    errors.append(response.status_code)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:5]
    return done[0] / (time.monotonic() - started)


def test_nginx_tls_two_instances_postgres(tmp_path):
    need(Path(NGINX).exists(), "nginx is not installed (apt-get install nginx)")
    need(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM}")
    need(shutil.which("psql") is not None, "psql is not installed")
    import trustme
    from playwright.sync_api import sync_playwright

    from tests.deploy.conftest import free_port

    url = new_database("postgresql", tmp_path, "nginx")
    https, http, port_a, port_b = (free_port() for _ in range(4))
    base = f"https://127.0.0.1:{https}"
    env = env_for(
        url,
        tmp_path,
        ROUNDS_MODE="production",
        ROUNDS_COOKIE_SECURE="true",
        ROUNDS_FORWARDED_ALLOW_IPS="127.0.0.1",
        ROUNDS_BASE_URL=base,
    )
    rounds(env, *unit_command("rounds-migrate.service")[3:])
    rounds(env, "demo")  # people to sign in as

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    chain, key, ca_file = tmp_path / "fullchain.pem", tmp_path / "privkey.pem", tmp_path / "ca.pem"
    chain.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    cert.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(ca_file))

    nginx_dir = tmp_path / "nginx"
    nginx_dir.mkdir()
    site = nginx_dir / "rounds.conf"
    site.write_text(
        site_config(
            nginx_dir, https=https, http=http, upstreams=(port_a, port_b), cert=chain, key=key
        )
    )
    conf = nginx_dir / "nginx.conf"
    conf.write_text(main_config(nginx_dir, site))
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(nginx_dir), "-e", str(nginx_dir / "startup.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr

    servers, logs = {}, {}
    nginx = None
    try:
        for name, port in (("a", port_a), ("b", port_b)):
            logs[name] = tmp_path / f"server-{name}.log"
            with open(logs[name], "w") as out:
                servers[name] = subprocess.Popen(
                    unit_command("rounds@.service", instance=str(port)),
                    env=env,
                    cwd=tmp_path,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            wait_healthy(f"http://127.0.0.1:{port}", servers[name], logs[name])
        nginx_log = nginx_dir / "stdout.log"
        with open(nginx_log, "w") as out:
            nginx = subprocess.Popen(
                [
                    NGINX,
                    "-p",
                    str(nginx_dir),
                    "-e",
                    str(nginx_dir / "startup.log"),
                    "-c",
                    str(conf),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_healthy(base, nginx, nginx_log, verify=ssl.create_default_context(cafile=str(ca_file)))

        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
            )
            context = browser.new_context(
                ignore_https_errors=True, viewport={"width": 1024, "height": 768}
            )
            page = context.new_page()
            page.goto(base + "/login")
            page.fill("#email", "champion@example.org")
            page.fill("#password", env["ROUNDS_DEMO_PASSWORD"])
            page.click("button[type=submit]")
            page.wait_for_load_state()
            assert signed_in(page), page.url

            cookies = context.cookies()
            assert {c["name"] for c in cookies} >= {"__Host-rounds_session", "__Host-rounds_csrf"}
            assert all(c["secure"] for c in cookies), cookies

            before = {n: logs[n].read_text().count(" GET ") for n in logs}
            for path in ("/", "/issues", "/", "/issues", "/me/calendar", "/"):
                response = page.goto(base + path)
                assert response.status == 200 and signed_in(page), (path, page.url)
            after = {n: logs[n].read_text().count(" GET ") for n in logs}
            assert all(after[n] > before[n] for n in logs), (before, after)  # both served

            session = {c["name"]: c["value"] for c in cookies}
            two = {p: throughput(base, ca_file, session, p) for p in ("/healthz", "/")}

            servers["a"].kill()  # no goodbye: a crashed instance
            servers["a"].wait()
            for path in ("/issues", "/", "/me/calendar", "/"):
                response = page.goto(base + path)
                assert response.status == 200 and signed_in(page), (path, page.url)
            one = {p: throughput(base, ca_file, session, p) for p in ("/healthz", "/")}
            direct = {
                p: throughput(f"http://127.0.0.1:{port_b}", None, session, p)
                for p in ("/healthz", "/")
            }
            browser.close()
        for p in two:
            print(
                f"\n{p}: through nginx (TLS) to two instances {two[p]:.1f}/s, to one {one[p]:.1f}/s;"
                f" straight to the instance {direct[p]:.1f}/s"
            )

        # The audit log records the client's own address (127.0.0.5 here, nginx connects from
        # 127.0.0.1); a forged X-Forwarded-For is replaced by nginx...
        from tests.deploy.conftest import csrf_from

        transport = httpx.HTTPTransport(
            local_address="127.0.0.5", verify=ssl.create_default_context(cafile=str(ca_file))
        )
        with httpx.Client(base_url=base, transport=transport, timeout=10) as client:
            login = client.get("/login")
            signed = client.post(
                "/login",
                data={
                    "email": "executive@example.org",
                    "password": env["ROUNDS_DEMO_PASSWORD"],
                    "next": "/",
                    "_csrf_token": csrf_from(login.text),
                },
                headers={"X-Forwarded-For": "203.0.113.9"},
            )
            assert signed.status_code == 303, signed.text[:300]
        ip = query(
            url, "SELECT ip FROM audit_entry WHERE action = 'sign_in' ORDER BY seq DESC LIMIT 1"
        )
        assert ip == ["127.0.0.5"], ip
        # ... and one sent straight to an instance from elsewhere than the proxy is ignored.
        transport = httpx.HTTPTransport(local_address="127.0.0.6")
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port_b}", transport=transport, timeout=10
        ) as client:
            login = client.get("/login")
            csrf_cookie = login.cookies["__Host-rounds_csrf"]  # Secure: sent by hand over HTTP
            signed = client.post(
                "/login",
                data={
                    "email": "leader@example.org",
                    "password": env["ROUNDS_DEMO_PASSWORD"],
                    "next": "/",
                    "_csrf_token": csrf_from(login.text),
                },
                headers={
                    "X-Forwarded-For": "203.0.113.9",
                    "X-Forwarded-Proto": "https",
                    "Cookie": f"__Host-rounds_csrf={csrf_cookie}",
                },
            )
            assert signed.status_code == 303, signed.text[:300]
        ip = query(
            url, "SELECT ip FROM audit_entry WHERE action = 'sign_in' ORDER BY seq DESC LIMIT 1"
        )
        assert ip == ["127.0.0.6"], ip
        rounds(env, "audit", "verify")
    finally:
        if nginx is not None:
            stop(nginx)
        for proc in servers.values():
            stop(proc)
        drop_database(url)


@pytest.mark.parametrize(
    "unit", ["rounds-maintenance.service", "rounds-reminders.service", "rounds-migrate.service"]
)
def test_timer_units_run(unit, tmp_path):
    """Each timer's (and the migration's) ExecStart runs against a fresh database."""
    url = new_database("sqlite", tmp_path, "units")
    env = env_for(url, tmp_path)
    rounds(env, *unit_command(unit)[3:])  # exits 0


def test_backup_unit_runs(tmp_path):
    """rounds-backup.service's shell line (systemd's %% unescaped) makes a dated backup in the
    backup folder, and its clean-up line runs."""
    from tests.deploy.helpers import INSTALLED_ROUNDS, UNITS

    url = new_database("sqlite", tmp_path, "units")
    env = env_for(url, tmp_path)
    rounds(env, "migrate")
    wrapper = tmp_path / "rounds"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} -m rounds.cli "$@"\n')
    wrapper.chmod(0o755)
    folder = tmp_path / "backups"
    folder.mkdir()
    unit = (UNITS / "rounds-backup.service").read_text()
    for key in ("ExecStart=", "ExecStartPost="):
        (line,) = [x.removeprefix(key) for x in unit.splitlines() if x.startswith(key)]
        line = line.replace(INSTALLED_ROUNDS, str(wrapper)).replace(
            "/var/backups/rounds", str(folder)
        )
        argv = shlex.split(line.replace("%%", "%"))
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    (made,) = folder.glob("rounds-*.backup")
    assert re.fullmatch(r"rounds-\d{8}-\d{6}\.backup", made.name)
    assert made.read_bytes().startswith(b"SQLite format 3")
