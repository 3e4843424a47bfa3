"""The sweep: every page each demo role can reach, at tablet landscape, portrait and phone sizes.

For each role the crawl starts at the home page and the navigation and follows same-origin GET
links (bounded: at most two pages of each URL shape, at most MAX_PAGES per role). Every page
must have 0 axe-core WCAG 2.2 AA violations, no control smaller than 44x44 CSS px, no horizontal
scrolling, no request to another host, no CSP or console error, and a first load (HTML + CSS
+ JS, as transferred, i.e. compressed) under 60 KB. All failures are gathered and reported
together, one line each.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` for a quick loop

ROLES = [
    "executive@example.org",
    "champion@example.org",
    "member@example.org",
    "leader@example.org",
    "admin@example.org",
]
SIZES = ["landscape", "portrait", "phone"]
MAX_PAGES = 12
PER_SHAPE = 1
WEIGHT_LIMIT = 60 * 1024
SUMMARY = Path(
    "var/perf/sweep.md"
)  # one line per role: pages checked, problems, heaviest first load
KEY = re.compile(
    r"/issues/new$|/run$|/briefing$|/barriers/mine$|/meetings/\d+$|/issues/\d+$|^/issues$"
)
SKIP = re.compile(r"\.(csv|ics|md|txt|json)$|/export|/logout|/calendar/|/static/|/login")


def _shape(path: str) -> str:
    parsed = urlparse(path)
    return re.sub(r"/\d+", "/N", parsed.path) + (
        "?" + "&".join(sorted(k.split("=")[0] for k in parsed.query.split("&")))
        if parsed.query
        else ""
    )


def crawl(tab, bodies: dict[str, str] | None = None) -> list[str]:
    """Same-origin GET links from the home page and navigation, breadth first, bounded.
    The HTML each page was served with goes into `bodies` (for the validator)."""
    seen_shapes: dict[str, int] = {}
    queue, pages = ["/"], []
    while queue and len(pages) < MAX_PAGES:
        # the key screens first (capture, run, briefing, follow-ups, agenda, an issue), then the rest
        queue.sort(key=lambda p: 0 if KEY.search(p) else 1)
        path = queue.pop(0)
        shape = _shape(path)
        if path in pages or seen_shapes.get(shape, 0) >= PER_SHAPE or SKIP.search(path):
            continue
        response = tab.page.goto(tab.base + path)
        if (
            response is None
            or response.status >= 400
            or "text/html" not in (response.headers.get("content-type") or "")
        ):
            continue
        seen_shapes[shape] = seen_shapes.get(shape, 0) + 1
        pages.append(path)
        if bodies is not None:
            bodies[path] = response.text()
        hrefs = tab.page.eval_on_selector_all(
            "a[href]", "els => els.map(e => e.getAttribute('href'))"
        )
        for href in hrefs:
            if href and href.startswith("/") and not href.startswith("//"):
                href = href.split("#")[0]
                if href and href not in pages and href not in queue:
                    queue.append(href)
    return pages


VNU = Path(__file__).parents[1] / "tools/node_modules/vnu-jar/build/dist/vnu.jar"
# htmx's hx-* attributes are not HTML, and the validator says so; that is the only exception.
HTMX_ATTRIBUTE = re.compile(r"Attribute “hx-[a-z-]+” (not allowed|is not serializable)")


def validate_html(bodies: dict[str, str]) -> list[str]:
    """The W3C Nu validator (vnu-jar from npm, `npm ci --prefix tests/tools`) over the HTML each
    page was served with, in one Java run: one line per error."""
    import json
    import shutil
    import subprocess
    import tempfile

    if not VNU.exists() or not shutil.which("java"):
        if os.environ.get("ROUNDS_REQUIRE_BROWSER") == "1":
            pytest.fail("the HTML validator is missing: npm ci --prefix tests/tools (needs java)")
        pytest.skip("the HTML validator is not installed: npm ci --prefix tests/tools")
    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for n, (path, html) in enumerate(bodies.items()):
            file = Path(folder) / f"page{n}.html"
            file.write_text(html)
            files[file.name] = path
        run = subprocess.run(
            [
                "java",
                "-jar",
                str(VNU),
                "--errors-only",
                "--format",
                "json",
                *sorted(str(Path(folder) / name) for name in files),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    messages = json.loads(run.stderr or run.stdout)["messages"]
    errors = []
    for m in messages:
        if m.get("type") != "error" or HTMX_ATTRIBUTE.search(m.get("message", "")):
            continue
        url = m.get("url", "")
        path = files.get(url.rsplit("/", 1)[-1], url)
        errors.append(f"{path}: validator line {m.get('lastLine')}: {m['message']}")
    return errors


def test_the_validator_reports_real_errors():
    """The validator check can fail: a page with a duplicate id and a required select without an
    empty first option gives errors, an htmx attribute alone does not."""
    bad = (
        "<!doctype html><html lang=en><title>t</title><p id=a>x</p><p id=a>y</p>"
        "<select required name=s><option value=1>One</option></select>"
    )
    good = '<!doctype html><html lang=en><title>t</title><a href="/" hx-boost="true">Home</a>'
    errors = validate_html({"/bad": bad, "/good": good})
    assert any("/bad" in e and "Duplicate ID" in e for e in errors), errors
    assert any("/bad" in e and "select" in e for e in errors), errors
    assert not any(e.startswith("/good") for e in errors), errors


class Weigher:
    """Transferred (encoded) bytes of each response, from the browser's own accounting."""

    def __init__(self, page):
        self.sizes: dict[str, int] = {}
        page.on("requestfinished", self._done)

    def _done(self, request):
        try:
            sizes = request.sizes()
        except Exception:
            return
        self.sizes[request.url.split("#")[0]] = (
            sizes["responseBodySize"] + sizes["responseHeadersSize"]
        )

    def first_load(self, tab, url: str) -> tuple[int, dict[str, int]]:
        assets = tab.page.evaluate(
            "() => [...document.querySelectorAll('link[rel=stylesheet][href], script[src]')].map(e => e.href || e.src)"
        )
        parts = {url: self.sizes.get(url, 0)}
        for asset in assets:
            parts[asset] = self.sizes.get(asset, 0)
        return sum(parts.values()), parts


@pytest.mark.parametrize("email", ROLES)
def test_every_reachable_page(tab_factory, email):
    problems: list[str] = []
    discover = tab_factory("landscape")
    discover.sign_in(email)
    served: dict[str, str] = {}
    pages = crawl(discover, served)
    assert len(pages) >= 2, (email, pages)
    who = email.split("@")[0]
    problems += [f"{who} {error}" for error in validate_html(served)]
    heaviest = (0, "")
    for size in SIZES:
        tab = tab_factory(
            size
        )  # a fresh context: an empty cache, so the first load is really first
        weigher = Weigher(tab.page)
        tab.sign_in(email)
        for path in pages:
            tab.problems.clear()
            tab.foreign.clear()
            url = tab.base + path
            response = tab.page.goto(url)
            if response is None or response.status >= 400:
                problems.append(f"{who} {size} {path}: HTTP {response and response.status}")
                continue
            tab.page.wait_for_load_state("load")
            where = f"{who} {size} {path}"
            for v in tab.axe():
                problems.append(
                    f"{where}: axe {v['id']} ({v['impact']}): {v['help']} at {v['nodes']}"
                )
            for target in tab.small_targets()[:3]:
                problems.append(f"{where}: small target {target}")
            width = tab.page.evaluate("document.documentElement.scrollWidth")
            viewport = tab.page.evaluate("window.innerWidth")
            if width > viewport:
                problems.append(f"{where}: scrolls horizontally ({width} > {viewport})")
            if tab.foreign:
                problems.append(f"{where}: requests to other hosts {tab.foreign[:3]}")
            if tab.problems:
                problems.append(f"{where}: console/CSP {tab.problems[:2]}")
            total, parts = weigher.first_load(tab, tab.page.url.split("#")[0])
            assert total > 0, (
                where,
                "the browser reported no transfer sizes: the weight check would be vacuous",
            )
            heaviest = max(heaviest, (total, f"{path} ({size})"))
            if total > WEIGHT_LIMIT:
                problems.append(f"{where}: first load {total / 1024:.1f} KB > 60 KB {parts}")
            if size == "phone":
                tab.shot(
                    f"sweep-{who}-{_shape(path).strip('/').replace('/', '-').replace('?', '_') or 'home'}-{size}"
                )
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    with SUMMARY.open("a") as out:
        out.write(
            f"| {who} | {len(pages)} | {len(problems)} | {heaviest[0] / 1024:.1f} KB {heaviest[1]} | {' '.join(pages)} |\n"
        )
    assert problems == [], (
        f"{len(problems)} problems on {len(pages)} pages for {email}:\n" + "\n".join(problems)
    )


def test_static_assets_are_compressed_and_cached(tab_factory):
    tab = tab_factory("landscape")
    tab.sign_in("champion@example.org")
    assets = tab.page.evaluate(
        "() => [...document.querySelectorAll('link[rel=stylesheet][href], script[src]')].map(e => e.href || e.src)"
    )
    assert assets
    for asset in assets:
        response = tab.page.request.get(asset, headers={"Accept-Encoding": "gzip"})
        assert response.ok, asset
        assert "max-age=31536000" in response.headers.get("cache-control", ""), asset
        if len(response.body()) > 1000:
            assert response.headers.get("content-encoding") == "gzip", asset
