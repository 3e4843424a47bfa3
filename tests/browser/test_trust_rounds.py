"""Issue #11 case 8 in Chromium at 1024x768: a 400-character word (no spaces) captured on a round
wraps on the round screen and the read-back (no sideways scrolling); starting a round that is not
due today goes through the confirm step, without JavaScript too."""

import re

LONG_WORD = "Suctionregulator" * 25  # 400 characters, no spaces


def _start_round(tab, tag):
    tab.sign_in("champion6@example.org")
    panel = tab.page.locator("section", has=tab.page.get_by_role("heading", name="Next round"))
    link = panel.locator("li.next-round", has_text="Peri-operative").first.get_by_role("link")
    link.first.click()
    round_id = re.search(r"/rounds/(\d+)", tab.page.url).group(1)
    tab.goto(f"/rounds/{round_id}/briefing")
    tab.page.get_by_role("button", name="Start round").click()
    tab.page.wait_for_load_state()
    if "/run" not in tab.page.url:  # not due today: the confirm step
        assert tab.page.get_by_text("Check before you start").is_visible()
        tab.shot(f"trust-start-confirm-{tag}")
        tab.assert_clean(f"start confirmation {tag}")
        tab.page.get_by_role("button", name="Start the round anyway").click()
    tab.page.wait_for_url(re.compile(r"/run$"))
    return round_id


def test_long_word_wraps_on_round_and_read_back(tab_factory):
    tab = tab_factory("landscape")
    round_id = _start_round(tab, "landscape")
    tab.page.get_by_label("The concern, in the staff's words").fill(LONG_WORD)
    tab.page.get_by_label("Raised by (a role, not a name)").fill("RN, nights")
    tab.page.get_by_role("button", name="Add", exact=True).click()
    tab.page.locator("#heard").get_by_text(LONG_WORD[:40]).first.wait_for()  # saved, not queued
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024, f"round screen scrolls sideways: {width}px"
    tab.shot("trust-long-word-round")
    tab.assert_clean("round screen with a long word")
    tab.goto(f"/rounds/{round_id}/readback")
    assert tab.page.get_by_text(LONG_WORD[:40]).first.is_visible()
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024, f"read-back scrolls sideways: {width}px"
    tab.shot("trust-long-word-readback")
    tab.assert_clean("read-back with a long word")
    # the tracking log and the issue page wrap it too
    tab.goto("/issues?q=" + LONG_WORD[:30])
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024, f"tracking log scrolls sideways: {width}px"
    tab.page.get_by_role("link", name=re.compile(LONG_WORD[:20])).first.click()
    tab.page.wait_for_url(re.compile(r"/issues/\d+$"))
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024, f"issue page scrolls sideways: {width}px"
    tab.assert_clean("issue page with a long word")
