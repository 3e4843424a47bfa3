"""The executive's tablet fits and prints (issue #20): the navigation is one row at 1024 px with the
less-used links under "More", a phone gets one compact menu, the staff stoplight poster prints on
one page in large type, and the briefing's "Confidential" footer is never drawn over content."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from tests.browser.conftest import SHOTS

pytestmark = pytest.mark.browser


def _pages(pdf: bytes) -> list[str]:
    """Each page's text, spaces collapsed and ligatures ("ﬁ") undone."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return [re.sub(r"\s+", " ", unicodedata.normalize("NFKC", p.extract_text())) for p in pages]


def _nav_tops(page) -> list[int]:
    """Top offsets of the visible navigation entries (links and the More button)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.site-nav__bar > li')]
              .map(li => li.firstElementChild.getBoundingClientRect())
              .filter(r => r.width > 0).map(r => Math.round(r.top))"""
    )


@pytest.mark.parametrize("size", ["landscape", "portrait", "phone"])
def test_navigation_fits_one_row_or_a_phone_menu(tab_factory, size):
    tab = tab_factory(size)
    tab.sign_in("executive@example.org")
    tab.goto("/")
    page = tab.page
    nav = page.get_by_role("navigation", name="Main")
    if size == "phone":
        # one compact menu holding every entry
        assert not nav.locator(".site-nav__bar").is_visible()
        menu = nav.locator(".site-nav__menu")
        menu.get_by_text("Menu").click()
        for name in ("Home", "Rounds", "Tracking log", "Barriers", "Meetings", "Overview"):
            assert menu.get_by_role("link", name=name, exact=True).is_visible(), name
        tab.shot("exec-nav-phone-open")
        header = page.locator(".site-header").bounding_box()
        assert header["height"] < 70, f"the phone header takes {header['height']} px"
    else:
        tops = _nav_tops(page)
        assert len(tops) >= 5 and len(set(tops)) == 1, f"navigation wraps at {size}: {tops}"
        header = page.locator(".site-header").bounding_box()
        if size == "landscape":
            # brand, navigation and sign-out share one row
            assert header["height"] < 70, f"the header takes {header['height']} px at 1024"
        more = nav.locator(".site-nav__more")
        assert not more.get_by_role("link", name="Overview").is_visible()
        more.get_by_text("More").click()
        more.get_by_role("link", name="Overview").click()
        page.wait_for_url(re.compile(r"/overview$"))
        tab.shot(f"exec-nav-{size}")
    tab.assert_clean(f"executive navigation {size}")
    assert not tab.small_targets(), tab.small_targets()


def test_stoplight_poster_prints_on_one_page_in_large_type(tab_factory):
    tab = tab_factory("landscape")
    tab.sign_in("admin@example.org")  # sees every unit
    page = tab.page
    # the demo unit with the most "can't do" items: the fullest poster
    reds = {}
    for unit in range(1, 6):
        if page.goto(f"{tab.base}/units/{unit}/stoplight").status != 200:
            continue  # not one of hers
        reds[unit] = page.locator(".poster-section--red .poster-list li").count()
    tab.problems.clear()  # the 404s of units that are not hers
    tab.goto(f"/units/{max(reds, key=reds.get)}/stoplight")
    tab.assert_clean("stoplight poster")
    shown = page.locator(".poster-list li").count()
    # the fullest poster: every light with more than three items (copies of the demo's items)
    page.evaluate(
        """() => {
            const items = [...document.querySelectorAll('.poster-list li')];
            for (const section of document.querySelectorAll('.poster-section')) {
                let list = section.querySelector('.poster-list');
                if (!list) { list = document.createElement('ul'); list.className = 'poster-list'; section.querySelector('p.muted').replaceWith(list); }
                const n = list.children.length;
                items.slice(0, 5 - Math.min(n, 3)).forEach((li, i) => { const c = li.cloneNode(true); c.className = n + i >= 3 ? 'poster-extra' : ''; list.append(c); });
            }
        }"""
    )
    page.emulate_media(media="print")
    size = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.poster-said span:last-child')).fontSize)"
    )
    assert size >= 20, f"poster text is {size} px in print"  # 15pt and up
    SHOTS.mkdir(parents=True, exist_ok=True)
    for paper in ("Letter", "A4"):
        pdf = page.pdf(format=paper, print_background=True)
        (SHOTS / f"stoplight-{paper.lower()}.pdf").write_bytes(pdf)
        pages = _pages(pdf)
        assert len(pages) == 1, f"the poster takes {len(pages)} pages on {paper}"
        assert "you said, we did" in pages[0]
        assert "Confidential" in pages[0]
    # nothing is lost on screen: every item stays listed there
    page.emulate_media(media="screen")
    assert page.locator(".poster-list li:visible").count() >= shown


def test_briefing_footer_never_overlaps_in_print(tab_factory):
    tab = tab_factory("landscape")
    tab.sign_in("executive@example.org")
    page = tab.page
    page.get_by_role("link", name=re.compile("Open briefing")).first.click()
    page.wait_for_url(re.compile(r"/rounds/\d+/briefing$"))
    page.emulate_media(media="print")
    style = page.evaluate("getComputedStyle(document.querySelector('.site-footer')).position")
    assert style != "fixed"
    footer = page.locator(".site-footer").bounding_box()
    content = page.locator("main").bounding_box()
    assert footer["y"] >= content["y"] + content["height"] - 1, (footer, content)
    pdf = page.pdf(format="Letter", print_background=True)
    (SHOTS / "briefing-letter.pdf").write_bytes(pdf)
    assert "Confidential" in _pages(pdf)[-1]
