"""Issue 20 item 3 in Chromium at 1024x768, 768x1024 and 390x844: capture that confirms itself.
The newest concern is at the top of "Heard so far" with a visible "Added" that a screen reader
announces (a live region); each concern can be corrected or removed until the round is finished;
"Raised by" resets after Add unless pinned; Add stays on screen while typing on a phone; "what's
in the way" is required with "Needs my help" and becomes the barrier's title on the board."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SHOTS
from tests.browser.test_outbox import BOX, outbox, start_round

RAISED = "Raised by (a role, not a name)"
# each size starts its own round of the COO's (counted from the last; the outbox tests use 1-4)
SIZES = [("landscape", 5), ("portrait", 6), ("phone", 7)]


def add_button(tab):
    return tab.page.get_by_role("button", name="Add", exact=True)


def heard_items(tab):
    return tab.page.locator("#heard .heard__item")


def add_visible_while_typing(tab) -> None:
    """The Add button is inside the viewport while the concern's box has the focus."""
    tab.page.get_by_label(BOX).focus()
    box = add_button(tab).bounding_box()
    height = tab.page.evaluate("window.visualViewport ? visualViewport.height : innerHeight")
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, (box, height)


@pytest.mark.parametrize(("size", "pick"), SIZES)
def test_capture_confirms_itself(tab_factory, size, pick):
    tab = tab_factory(size)
    run = start_round(tab, "coo@example.org", pick)
    tag = f"{size}"
    add_visible_while_typing(tab)
    # what the executive sees while typing (the viewport, not the whole page)
    tab.page.screenshot(path=str(SHOTS / f"capture-typing-{size}.png"))
    text_a = f"Capture test {size}: the linen cart blocks the fire door"
    text_b = f"Capture test {size}: the hoist battery is flat by noon"

    # Add: at the top, marked Added, announced; Raised by resets (not pinned)
    tab.page.get_by_label(BOX).fill(text_a)
    tab.page.get_by_label(RAISED).fill("RN, nights")
    add_button(tab).click()
    expect(tab.page.locator("#capture-status")).to_contain_text("Added", timeout=15000)
    assert tab.page.locator("#capture-status").get_attribute("aria-live") == "polite"
    expect(heard_items(tab).first).to_contain_text(text_a)
    expect(heard_items(tab).first.locator(".heard__added")).to_have_text(re.compile("Added"))
    expect(tab.page.get_by_label(RAISED)).to_have_value("")
    add_visible_while_typing(tab)

    # pinned: Raised by stays for the next concern, and the pin stays ticked
    pin = tab.page.get_by_label(re.compile("Pin: keep “Raised by”"))
    tab.page.get_by_label(BOX).fill(text_b)
    tab.page.get_by_label(RAISED).fill("RT")
    pin.check()
    add_button(tab).click()
    expect(heard_items(tab).first).to_contain_text(text_b, timeout=15000)
    expect(tab.page.get_by_label(RAISED)).to_have_value("RT")
    expect(pin).to_be_checked()
    expect(heard_items(tab).nth(1)).to_contain_text(text_a)
    expect(heard_items(tab).nth(1).locator(".heard__added")).to_have_count(0)
    pin.uncheck()

    # Needs my help without "what's in the way": a clear message, everything typed is kept
    text_c = f"Capture test {size}: no portable suction on nights"
    line = f"Second suction unit needs capital approval ({size})"
    tab.page.get_by_label(BOX).fill(text_c)
    tab.page.get_by_label("Needs my help", exact=True).check()
    add_button(tab).click()
    expect(tab.page.locator("[data-outbox-message]")).to_contain_text("what is in the way")
    expect(tab.page.get_by_label(BOX)).to_have_value(text_c)
    expect(tab.page.get_by_label("Needs my help", exact=True)).to_be_checked()
    expect(outbox(tab, "waiting")).to_have_count(0)
    tab.shot(f"capture-in-the-way-missing-{tag}")
    tab.assert_clean(f"what's in the way missing {tag}")
    tab.page.get_by_label("What's in the way, in one line").fill(line)
    add_button(tab).click()
    expect(heard_items(tab).first).to_contain_text(text_c, timeout=15000)
    expect(heard_items(tab).first).to_contain_text("on my barriers")
    expect(heard_items(tab).first).to_contain_text(line)
    tab.shot(f"capture-added-{tag}")
    tab.page.get_by_label(BOX).focus()
    tab.page.screenshot(path=str(SHOTS / f"capture-added-viewport-{size}.png"))
    tab.assert_clean(f"round screen after three adds {tag}")
    assert tab.small_targets() == [], tab.small_targets()

    # correct the first concern (reworded) in place
    item_a = heard_items(tab).filter(has_text=text_a)
    item_a.get_by_role("link", name=re.compile("Correct or remove")).click()
    box = tab.page.get_by_label("Correct the concern")
    expect(box).to_have_value(text_a)
    tab.shot(f"capture-correcting-{tag}")
    tab.assert_clean(f"correcting a concern {tag}")
    assert tab.small_targets() == [], tab.small_targets()
    corrected = text_a.replace("fire door", "fire door on nights")
    box.fill(corrected)
    tab.page.get_by_role("button", name="Save the correction").click()
    expect(tab.page.locator("#capture-status")).to_contain_text("Changes saved")
    expect(heard_items(tab).filter(has_text=corrected)).to_have_count(1)
    corrected_id = heard_items(tab).filter(has_text=corrected).get_attribute("id").split("-")[1]

    # "Needs my help" on a concern already heard asks for what is in the way first
    later_line = f"Linen room door needs an estates work order ({size})"
    item_a = heard_items(tab).filter(has_text=corrected)
    item_a.get_by_role("link", name=re.compile("^Needs my help")).click()
    tab.page.get_by_role("button", name="Needs my help").click()
    expect(tab.page.locator("#help_in_the_way-error")).to_contain_text("in one line")
    tab.assert_clean(f"needs my help on a heard concern, line missing {tag}")
    assert tab.small_targets() == [], tab.small_targets()
    tab.page.get_by_label("What's in the way, in one line").last.fill(later_line)
    tab.page.get_by_role("button", name="Needs my help").click()
    expect(heard_items(tab).filter(has_text=corrected)).to_contain_text("on my barriers")
    expect(heard_items(tab).filter(has_text=corrected)).to_contain_text(later_line)

    # remove the second (said by mistake): gone from the list, announced
    item_b = heard_items(tab).filter(has_text=text_b)
    item_b.get_by_role("link", name=re.compile("Correct or remove")).click()
    tab.page.get_by_role("button", name="Remove from the log").click()
    expect(tab.page.locator("#capture-status")).to_contain_text("Removed")
    expect(heard_items(tab).filter(has_text=text_b)).to_have_count(0)
    expect(tab.page.locator("#heard-h")).to_have_text(re.compile(r"Heard so far \(\d+\)"))
    tab.assert_clean(f"after a removal {tag}")

    # the barrier board shows what is in the way as the barrier's title
    tab.goto("/barriers")
    expect(tab.page.get_by_text(line).first).to_be_visible()
    expect(tab.page.get_by_text(later_line).first).to_be_visible()
    tab.assert_clean(f"barrier board {tag}")

    # after the round is finished: nothing on the round screen can be corrected any more
    round_path = run.removesuffix("/run")
    tab.goto(round_path + "/finish")
    tab.page.get_by_role("button", name="Finish round").click()
    tab.page.wait_for_url(re.compile(r"\?finished=1$"))
    tab.goto(run)
    expect(tab.page.get_by_role("link", name=re.compile("Correct or remove"))).to_have_count(0)
    tab.goto(f"{run}/issues/{corrected_id}/edit")  # an old link: the round screen says it is over
    expect(tab.page.get_by_text("This round is finished")).to_be_visible()
    expect(tab.page.get_by_label("Correct the concern")).to_have_count(0)


def test_without_javascript_add_correct_remove(browser, live_server):
    """The same on a phone without JavaScript (axe needs JavaScript: the same markup is checked
    with it above)."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    try:
        from tests.browser.conftest import Tab
        from tests.browser.test_outbox import round_ids

        tab = Tab(context.new_page(), live_server)
        tab.sign_in("executive@example.org")
        # the outbox's no-JavaScript test takes the last round listed; this one the one before
        round_id = round_ids(tab, "executive@example.org")[-2]
        tab.goto(f"/rounds/{round_id}/briefing")
        tab.page.get_by_role("button", name="Start round").click()
        tab.page.wait_for_load_state()
        if "/run" not in tab.page.url:
            tab.page.get_by_role("button", name=re.compile("^Start", re.I)).first.click()
        tab.page.wait_for_url(re.compile(r"/run"))
        text = "No JavaScript: the ward phone does not ring at the desk"
        # Needs my help without what is in the way: said, everything kept, nothing added
        tab.page.get_by_label(BOX).fill(text)
        tab.page.get_by_label(RAISED).fill("Unit clerk")
        tab.page.get_by_label("Needs my help", exact=True).check()
        add_button(tab).click()
        tab.page.wait_for_load_state()
        expect(tab.page.locator("#in_the_way-error")).to_contain_text("in one line")
        expect(tab.page.get_by_label(BOX)).to_have_value(text)
        expect(tab.page.get_by_label(RAISED)).to_have_value("Unit clerk")
        tab.page.get_by_label("Needs my help", exact=True).uncheck()
        tab.page.get_by_label(re.compile("Pin: keep “Raised by”")).check()
        add_button(tab).click()
        tab.page.wait_for_url(re.compile(r"/run\?added=\d+&pin=1"))
        expect(tab.page.locator("#capture-status")).to_contain_text("Added")
        expect(heard_items(tab).first).to_contain_text(text)
        expect(heard_items(tab).first.locator(".heard__added")).to_be_visible()
        expect(tab.page.get_by_label(RAISED)).to_have_value("Unit clerk")  # pinned
        tab.shot("capture-nojs-added-phone")
        assert tab.small_targets() == [], tab.small_targets()
        # correct it on its own page, then remove it
        heard_items(tab).first.get_by_role("link", name=re.compile("Correct or remove")).click()
        tab.page.get_by_label("Correct the concern").fill(text + " after 10 pm")
        tab.page.get_by_role("button", name="Save the correction").click()
        tab.page.wait_for_url(re.compile(r"done=changed"))
        expect(tab.page.locator("#capture-status")).to_contain_text("Changes saved")
        expect(heard_items(tab).first).to_contain_text(text + " after 10 pm")
        heard_items(tab).first.get_by_role("link", name=re.compile("Correct or remove")).click()
        tab.page.get_by_role("button", name="Remove from the log").click()
        tab.page.wait_for_url(re.compile(r"done=removed"))
        expect(tab.page.locator("#capture-status")).to_contain_text("Removed")
        expect(tab.page.locator("#heard").get_by_text(text)).to_have_count(0)
    finally:
        context.close()
