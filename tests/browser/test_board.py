"""The board report prints on one page in Chromium (Letter and A4), and the overview and board
report are axe-clean and fit every screen; the PDF download holds the page's figures."""

from __future__ import annotations

import io
import re

import httpx
import pytest
from pypdf import PdfReader

from tests.browser.conftest import SHOTS

pytestmark = pytest.mark.browser


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _text(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def test_board_report_prints_on_one_page(tab_factory):
    tab = tab_factory("landscape")
    tab.sign_in("leader@example.org")
    tab.goto("/overview/board")
    page = tab.page
    assert page.get_by_role("button", name="Print").is_visible()  # shown where JS can print
    tab.assert_clean("board report, tablet")
    tab.shot("board-1024x768")
    page.set_viewport_size({"width": 1440, "height": 900})
    tab.assert_clean("board report, desk")
    tab.shot("board-1440x900")
    total = page.locator('tr[data-unit="All units"] td').all_inner_texts()
    page.emulate_media(media="print")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for paper in ("Letter", "A4"):
        pdf = page.pdf(
            format=paper,
            print_background=True,
            margin={"top": "10mm", "bottom": "10mm", "left": "10mm", "right": "10mm"},
        )
        (SHOTS / f"board-chromium-{paper.lower()}.pdf").write_bytes(pdf)
        assert _pages(pdf) == 1, f"the board report takes {_pages(pdf)} pages on {paper}"
        # the printed page is the screen's page: the total row's figures are on it
        assert " ".join(total[:6]) in _text(pdf)

    # the server-made PDF says the same
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    for paper in ("letter", "a4"):
        r = httpx.get(f"{tab.base}/overview/board.pdf?paper={paper}", cookies=cookies, timeout=120)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        (SHOTS / f"board-server-{paper}.pdf").write_bytes(r.content)
        assert _pages(r.content) == 1
        assert "All units " + " ".join(total[:6]) in _text(r.content)


@pytest.mark.parametrize("size", ["landscape", "portrait", "phone"])
def test_overview_and_board_fit_every_screen(tab_factory, size):
    tab = tab_factory(size)
    tab.sign_in("admin@example.org")
    for path, name in (("/overview", "overview"), ("/overview/board", "board")):
        tab.goto(path)
        tab.assert_clean(f"{name} {size}")
        assert not tab.small_targets(), tab.small_targets()
        if size == "landscape" and name == "overview":
            tab.shot("overview-1024x768")
            tab.page.set_viewport_size({"width": 1440, "height": 900})
            tab.assert_clean("overview desk")
            tab.shot("overview-1440x900")
        elif size != "landscape":
            tab.shot(f"{name}-{size}")
    tab.goto("/admin/needs-help")
    tab.assert_clean(f"needs-help thresholds {size}")
