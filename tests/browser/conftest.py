"""Browser tests: the real server (`rounds serve --demo`) in a subprocess on a temporary SQLite
database, driven by Playwright through Debian's Chromium (/usr/bin/chromium).

Set ROUNDS_REQUIRE_BROWSER=1 (CI does) to fail instead of skipping when Chromium is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = os.environ.get("ROUNDS_CHROMIUM", "/usr/bin/chromium")
DEMO_PASSWORD = "demo-password-for-tests"
AXE = (Path(__file__).parent.parent / "vendor").glob("axe-*.min.js")
AXE_SOURCE = next(AXE).read_text()
SIZES = {
    "landscape": (1024, 768),
    "portrait": (768, 1024),
    "phone": (390, 844),
    "desk": (1440, 900),  # a desk monitor: the tracking log's table
}
SHOTS = Path(os.environ.get("ROUNDS_SCREENSHOTS", "var/screenshots"))
# The live server's SQLite file, for tests that must change what only time would (a session
# left idle past the timeout).
LIVE = {}


def hospital_today():
    """Today's date where the live server's hospital is (its ROUNDS_TIMEZONE): the date its
    forms check against. The machine's date.today() differs from it for hours each day."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from rounds.settings import load_settings

    # computed here, not through clock.set_timezone: that is process-wide state of the app
    return datetime.now(ZoneInfo(load_settings().timezone)).date()


def _require_browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("ROUNDS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM} and ROUNDS_REQUIRE_BROWSER=1")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        pytest.fail("playwright is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Base URL of a real Rounds server with the demo hospital loaded."""
    _require_browser()
    workdir = tmp_path_factory.mktemp("live")
    port = _free_port()
    env = {
        **os.environ,
        "ROUNDS_DATABASE_URL": f"sqlite:///{workdir / 'rounds.sqlite3'}",
        "ROUNDS_DEMO_PASSWORD": DEMO_PASSWORD,
        "ROUNDS_VAR_DIR": str(workdir / "var"),
        "ROUNDS_COOKIE_SECURE": "false",
    }
    log = open(workdir / "server.log", "w")
    rounds_bin = shutil.which("rounds", path=str(Path(sys.executable).parent)) or "rounds"
    proc = subprocess.Popen(
        [rounds_bin, "serve", "--demo", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    LIVE["db"] = workdir / "rounds.sqlite3"
    deadline = time.time() + 180  # a loaded 2-core CI machine can take a while
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited:\n" + (workdir / "server.log").read_text())
        try:
            if httpx.get(base + "/healthz", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("server did not start:\n" + (workdir / "server.log").read_text())
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class Tab:
    """A page plus the checks every browser test wants: CSP violations, console errors,
    requests to other hosts."""

    def __init__(self, page, base):
        self.page, self.base = page, base
        self.problems: list[str] = []
        self.foreign: list[str] = []
        page.on("console", self._console)
        page.on("request", self._request)

    def _console(self, msg):
        text = msg.text
        if msg.type == "error" or "Content Security Policy" in text:
            if "favicon" not in text:
                self.problems.append(text)

    def _request(self, request):
        if not request.url.startswith(self.base) and not request.url.startswith("data:"):
            self.foreign.append(request.url)

    def goto(self, path: str):
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 400, (
            f"{path}: {response and response.status}"
        )
        return response

    def sign_in(self, email: str, password: str = DEMO_PASSWORD):
        self.page.goto(self.base + "/login")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(lambda url: "/login" not in url)

    def axe(self, context: str = "") -> list[dict]:
        """Run axe-core with the WCAG 2.2 AA rules (wcag22aa is off by default; enabled here)."""
        self.page.evaluate(AXE_SOURCE)
        result = self.page.evaluate(
            """async () => {
                const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa']}});
                return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0,3).map(n => n.target.join(' '))}));
            }"""
        )
        return result

    def assert_clean(self, context: str = ""):
        violations = self.axe()
        assert violations == [], f"axe violations {context}: {violations}"
        assert self.problems == [], f"console/CSP problems {context}: {self.problems}"
        assert self.foreign == [], f"requests to other hosts {context}: {self.foreign}"
        width = self.page.evaluate("document.documentElement.scrollWidth")
        viewport = self.page.evaluate("window.innerWidth")
        assert width <= viewport, f"horizontal scrolling {context}: {width} > {viewport}"

    def small_targets(self) -> list[str]:
        """Visible controls smaller than 44x44 CSS px: links inside a sentence excepted; a checkbox or
        radio needs a 24 px box on a 44 px row (its label)."""
        return self.page.evaluate(
            """() => {
                const out = [];
                for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
                    const r = el.getBoundingClientRect();
                    if (r.width === 0 || r.height === 0) continue;
                    const style = getComputedStyle(el);
                    if (style.visibility === 'hidden') continue;
                    // a link inside a sentence (its paragraph or cell has words of its own) is exempt
                    const block = el.tagName === 'A' && style.display === 'inline' && el.closest('p, li, td, dd');
                    if (block && /[A-Za-z]{3,}/.test(block.textContent.replace(el.textContent, ''))) continue;
                    if ((el.type === 'checkbox' || el.type === 'radio')) {
                        // the box itself at least 24 px, the row it sits in (its label) at least 44
                        const label = el.closest('label') || (el.id && document.querySelector('label[for="' + el.id + '"]'));
                        const row = label ? label.getBoundingClientRect() : r;
                        if (r.width >= 24 && r.height >= 24 && Math.max(row.height, r.height) >= 44) continue;
                    }
                    if (r.width < 44 || r.height < 44) out.push(el.outerHTML.slice(0, 80) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
                }
                return out;
            }"""
        )

    def shot(self, name: str):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def tab_factory(browser, live_server):
    contexts = []

    def make(size: str = "landscape") -> Tab:
        width, height = SIZES[size]
        context = browser.new_context(
            viewport={"width": width, "height": height}, has_touch=size not in ("landscape", "desk")
        )
        contexts.append(context)
        return Tab(context.new_page(), live_server)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def tab(tab_factory) -> Tab:
    return tab_factory("landscape")
