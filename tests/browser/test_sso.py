"""Single sign-on in Chromium against a REAL OpenID Connect provider: the `oidc-provider` npm
package (tests/oidc/provider.mjs, installed by `npm ci` in tests/oidc) on loopback, and a Rounds
server configured for it. Success, unknown e-mail, deactivated person, unverified e-mail,
tampered state, replayed code, wrong issuer, and sign-out with the provider's end-session link.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, _free_port, _require_browser

OIDC_DIR = Path(__file__).parent.parent / "oidc"
CLIENT_ID, CLIENT_SECRET = "rounds-test", "a-test-client-secret-for-loopback"
ACCOUNTS = {
    "member": {"email": "member@example.org", "email_verified": True},
    "stranger": {"email": "stranger@elsewhere.example", "email_verified": True},
    "gone": {"email": "gone@example.org", "email_verified": True},
    "unverified": {"email": "champion@example.org", "email_verified": False},
}


def _wait(url: str, proc: subprocess.Popen, log: Path, seconds: int = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: exited\n" + log.read_text())
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{url}: did not start\n" + log.read_text())


@contextmanager
def _running(args, *, cwd, env, log: Path, ready: str):
    with open(log, "w") as out:
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait(ready, proc, log)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _provider(tmp: Path, rounds_port: int):
    node = shutil.which("node")
    if not node or not (OIDC_DIR / "node_modules" / "oidc-provider").exists():
        pytest.fail("the test OpenID provider is not installed: run `npm ci` in tests/oidc")
    port = _free_port()
    rounds = f"http://127.0.0.1:{rounds_port}"
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URI": rounds + "/login/sso/callback",
        "OIDC_POST_LOGOUT_URI": rounds + "/login?signed_out=1",
        "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
    }
    issuer = f"http://127.0.0.1:{port}"
    return port, _running(
        [node, str(OIDC_DIR / "provider.mjs")],
        cwd=OIDC_DIR,
        env=env,
        log=tmp / "provider.log",
        ready=issuer + "/.well-known/openid-configuration",
    )


def _rounds(tmp: Path, port: int, issuer: str):
    env = {
        **os.environ,
        "ROUNDS_DATABASE_URL": f"sqlite:///{tmp / 'rounds.sqlite3'}",
        "ROUNDS_DEMO_PASSWORD": DEMO_PASSWORD,
        "ROUNDS_VAR_DIR": str(tmp / "var"),
        "ROUNDS_COOKIE_SECURE": "false",
        "ROUNDS_BASE_URL": f"http://127.0.0.1:{port}",
        "ROUNDS_OIDC_ISSUER": issuer,
        "ROUNDS_OIDC_CLIENT_ID": CLIENT_ID,
        "ROUNDS_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "ROUNDS_OIDC_BUTTON_LABEL": "Sign in with Fictional General",
    }
    rounds_bin = shutil.which("rounds", path=str(Path(sys.executable).parent)) or "rounds"
    # A deactivated person whose e-mail the provider knows.
    subprocess.run([rounds_bin, "demo"], cwd=tmp, env=env, check=True, capture_output=True)
    for action in (
        ["create", "--name", "Gone Person", "--password", "a long enough password"],
        ["deactivate"],
    ):
        subprocess.run(
            [rounds_bin, "user", action[0], "--email", "gone@example.org", *action[1:]],
            cwd=tmp,
            env=env,
            check=True,
            capture_output=True,
        )
    return _running(
        [rounds_bin, "serve", "--port", str(port)],
        cwd=tmp,
        env=env,
        log=tmp / "rounds.log",
        ready=f"http://127.0.0.1:{port}/healthz",
    )


@pytest.fixture(scope="module")
def sso_servers(tmp_path_factory):
    """(Rounds base URL, provider issuer, Rounds base URL configured with the wrong issuer)."""
    _require_browser()
    tmp = tmp_path_factory.mktemp("sso")
    (tmp / "right").mkdir()
    (tmp / "wrong").mkdir()
    port, wrong_port = _free_port(), _free_port()
    provider_port, provider = _provider(tmp, port)
    with provider:
        issuer = f"http://127.0.0.1:{provider_port}"
        # Same provider, but configured under another issuer name: discovery must refuse it.
        with (
            _rounds(tmp / "right", port, issuer),
            _rounds(tmp / "wrong", wrong_port, f"http://localhost:{provider_port}"),
        ):
            yield f"http://127.0.0.1:{port}", issuer, f"http://127.0.0.1:{wrong_port}"


def _new_tab(browser, base):
    from tests.browser.conftest import Tab

    context = browser.new_context(viewport={"width": 1024, "height": 768})
    tab = Tab(context.new_page(), base)
    return context, tab


def _provider_sign_in(page, login: str) -> None:
    """The provider's own (development) sign-in and consent pages."""
    page.wait_for_selector("input[name=login]")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "anything")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if "/interaction/" in page.url:  # consent
        page.click("button[type=submit]")


def _start(tab, path: str = "/login"):
    tab.page.goto(tab.base + path)
    tab.page.get_by_role("link", name="Sign in with Fictional General").click()


def test_sso_success_and_sign_out(browser, sso_servers):
    base, issuer, _ = sso_servers
    context, tab = _new_tab(browser, base)
    try:
        tab.page.goto(base + "/issues")  # sent to sign in; comes back here afterwards
        assert "/login" in tab.page.url
        tab.assert_clean("sign-in page with single sign-on")
        tab.shot("sso-login-1024")
        tab.page.get_by_role("link", name="Sign in with Fictional General").click()
        assert tab.page.url.startswith(issuer)
        _provider_sign_in(tab.page, "member")
        tab.page.wait_for_url(lambda url: url.startswith(base) and "/login" not in url)
        assert tab.page.url == base + "/issues"
        assert "Max" in tab.page.content() or "Sign out" in tab.page.content()
        tab.page.get_by_role("button", name="Sign out").click()
        expect(tab.page).to_have_url(re.compile(r"/login\?signed_out=sso$"))
        link = tab.page.get_by_role("link", name="Also sign out of your hospital account")
        assert link.get_attribute("href").startswith(issuer + "/session/end?")
        assert tab.page.goto(base + "/").url.startswith(base + "/login")  # the session ended
    finally:
        context.close()


@pytest.mark.parametrize(
    "login, message",
    [
        ("stranger", "no active Rounds account"),
        ("gone", "no active Rounds account"),
        ("unverified", "no verified e-mail"),
    ],
)
def test_sso_refuses_people_without_an_active_account(browser, sso_servers, login, message):
    base, _, _ = sso_servers
    context, tab = _new_tab(browser, base)
    try:
        _start(tab)
        _provider_sign_in(tab.page, login)
        tab.page.wait_for_url(lambda url: url.startswith(base + "/login"))
        # the provider's own development pages load fonts from the internet: not ours to judge
        tab.problems.clear()
        tab.foreign.clear()
        alert = tab.page.get_by_role("alert").inner_text()
        assert message in alert, alert
        assert tab.page.goto(base + "/").url.startswith(base + "/login")  # not signed in
        tab.assert_clean(f"refused {login}")
    finally:
        context.close()


def _record_callbacks(tab) -> list[str]:
    """The provider's answers (callback URLs) as the browser requests them (redirects included,
    which page.route would not see)."""
    seen: list[str] = []
    tab.page.on("request", lambda r: seen.append(r.url) if "/login/sso/callback" in r.url else None)
    return seen


def _signed_in_by_sso(tab, base) -> tuple[str, list[dict]]:
    """One whole sign-in; returns the provider's answer and the flow cookie it came back to."""
    seen = _record_callbacks(tab)
    _start(tab)
    flow_cookies = [c for c in tab.page.context.cookies() if c["name"] == "rounds_sso"]
    assert flow_cookies, "the flow cookie is set when single sign-on starts"
    _provider_sign_in(tab.page, "member")
    tab.page.wait_for_url(lambda url: url.startswith(base) and "/login" not in url)
    assert seen and "code=" in seen[-1] and "state=" in seen[-1]
    return seen[-1], flow_cookies


def test_sso_tampered_state_is_refused(browser, sso_servers):
    """A provider's answer that belongs to another flow (an attacker's, or a changed link) is
    refused: the state does not match the flow this browser started."""
    base, issuer, _ = sso_servers
    context, tab = _new_tab(browser, base)
    try:
        old_answer, _ = _signed_in_by_sso(tab, base)
        tab.page.get_by_role("button", name="Sign out").click()
        expect(tab.page).to_have_url(re.compile(r"/login\?signed_out="))
        # forget the provider's own session too, so the new flow waits at its sign-in page
        context.clear_cookies()
        _start(tab)  # a new flow, with a new state, is waiting at the provider
        tab.page.wait_for_selector("input[name=login]")
        assert tab.page.url.startswith(issuer)
        tab.page.goto(old_answer)
        assert "not valid here" in tab.page.get_by_role("alert").inner_text()
        assert tab.page.goto(base + "/").url.startswith(base + "/login")
        # a changed state on a fresh flow's answer is refused the same way
        _start(tab)
        tab.page.wait_for_selector("input[name=login]")
        tab.page.goto(old_answer.replace("state=", "state=x", 1))
        assert "not valid here" in tab.page.get_by_role("alert").inner_text()
        assert tab.page.goto(base + "/").url.startswith(base + "/login")
    finally:
        context.close()


def test_sso_replayed_code_is_refused(browser, sso_servers):
    base, _, _ = sso_servers
    context, tab = _new_tab(browser, base)
    try:
        answer, flow_cookies = _signed_in_by_sso(tab, base)
        tab.page.get_by_role("button", name="Sign out").click()
        expect(tab.page).to_have_url(re.compile(r"/login\?signed_out="))
        # Someone replays the provider's answer with the browser's flow cookie as it was then:
        # the state matches, but the provider refuses a code used once already.
        context.add_cookies(flow_cookies)
        tab.page.goto(answer)
        alert = tab.page.get_by_role("alert").inner_text()
        assert "refused the sign-in" in alert and "invalid_grant" in alert, alert
        assert tab.page.goto(base + "/").url.startswith(base + "/login")
    finally:
        context.close()


def test_sso_wrong_issuer_is_refused(browser, sso_servers):
    _, _, wrong_base = sso_servers
    context, tab = _new_tab(browser, wrong_base)
    try:
        _start(tab)
        tab.page.wait_for_load_state()
        assert tab.page.url.startswith(wrong_base)  # never sent to the provider
        assert "different issuer" in tab.page.get_by_role("alert").inner_text()
    finally:
        context.close()


def test_password_sign_in_still_works_beside_sso(browser, sso_servers):
    base, _, _ = sso_servers
    context, tab = _new_tab(browser, base)
    try:
        tab.sign_in("champion@example.org")
        assert "/login" not in tab.page.url
    finally:
        context.close()
