"""The demo executive works through "My follow-ups" on a tablet: adds a note and the next date,
escalates one barrier, removes another. Every barrier page is axe-clean on tablet and phone."""

import re
import time
from datetime import timedelta

import pytest

from tests.browser.conftest import hospital_today

NOTE_ON = "Pharmacy restocks the dispensing cabinet"
ESCALATE_ON = "Bed-exit alarms need a vendor service contract"
REMOVE_ON = "Barcode scanners lose the wireless connection"


def _wait_focus(page, selector, seconds=3.0):
    """htmx moves focus after the swap settles (page.wait_for_function would need eval, which CSP forbids)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if page.evaluate(
            "s => !!document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        time.sleep(0.05)
    raise AssertionError(f"focus is not on {selector}")


def _item(tab, text):
    return tab.page.locator("li.fu", has_text=text)


def test_executive_follows_up_escalates_and_removes(tab_factory):
    tab = tab_factory("landscape")
    tab.sign_in("executive@example.org")
    page = tab.page
    panel = page.locator("#followups")
    assert panel.is_visible()
    assert page.get_by_text("More than 5 open at once").is_visible()  # the WIP flag
    first = page.locator("li.fu").first
    assert "Escalation due" in first.inner_text()  # the most overdue leads
    tab.shot("barriers-home-executive-landscape")
    tab.assert_clean("home with follow-ups")

    # 1. add a follow-up note and set the next date
    item = _item(tab, NOTE_ON)
    item.get_by_text("Add note / next date").click()
    item.get_by_label("What happened since the last follow-up?").fill(
        "Pharmacy agreed to trial a 06:00 restock."
    )
    next_on = (hospital_today() + timedelta(days=10)).isoformat()
    item.locator("form[action$='/notes']").get_by_label("Next follow-up").fill(next_on)
    tab.shot("barriers-note-open-landscape")
    item.get_by_role("button", name="Save note").click()
    page.get_by_text("Follow-up note saved").wait_for()
    _wait_focus(page, "[data-focus-after-swap]")
    assert _item(tab, NOTE_ON).count() in (0, 1)  # due later now: may drop off the home list

    # 2. escalate the one that is due for escalation, to the CEO
    item = _item(tab, ESCALATE_ON)
    item.get_by_text("Escalate", exact=True).first.click()
    assert item.get_by_label("Escalate to").input_value() == "c_suite"  # the suggested next level
    item.get_by_label("Escalate to").select_option("c_suite")
    item.get_by_label("New owner").select_option(label="Evelyn Carter – President & CEO (C-suite)")
    item.get_by_label("Why does it need help from higher up?").fill(
        "Needs a budget decision above nursing."
    )
    item.get_by_role("button", name="Escalate").click()
    page.get_by_text("Escalated. The new owner sees it").wait_for()
    assert _item(tab, ESCALATE_ON).count() == 0  # no longer the executive's

    # 3. mark another removed (a note is required first)
    item = _item(tab, REMOVE_ON)
    item.get_by_text("Removed", exact=True).click()
    item.get_by_role("button", name="Mark removed").click()
    page.get_by_text("Say how the barrier was removed.").wait_for()
    _wait_focus(page, "[name=removed_note]")
    item = _item(tab, REMOVE_ON)
    item.get_by_label("How was it removed?").fill(
        "IT surveyed the far rooms and added two access points."
    )
    item.get_by_role("button", name="Mark removed").click()
    page.get_by_text("Marked as removed").wait_for()
    assert _item(tab, REMOVE_ON).count() == 0
    tab.assert_clean("home after actions")

    # the history is kept on the barrier page
    tab.goto("/barriers")
    page.get_by_role("link", name=re.compile(ESCALATE_ON)).click()
    page.get_by_text("Escalated").first.wait_for()
    assert page.get_by_text("Needs a budget decision above nursing.").is_visible()
    assert "Evelyn Carter" in page.locator("dl.facts").inner_text()
    tab.shot("barriers-detail-escalated-landscape")
    tab.assert_clean("barrier page after escalation")


@pytest.mark.parametrize("size", ["portrait", "phone"])
def test_barrier_pages_clean(tab_factory, size):
    tab = tab_factory(size)
    tab.sign_in("executive@example.org")
    page = tab.page
    for path in ["/", "/barriers/mine", "/barriers", "/reminders"]:
        tab.goto(path)
        tab.assert_clean(f"{path} {size}")
        assert tab.small_targets() == [], (path, tab.small_targets())
        tab.shot(f"barriers{path.replace('/', '-') or '-home'}-{size}")
    tab.goto("/barriers/mine")
    first = page.locator("li.fu").first
    first.locator("summary", has_text="Escalate").click()
    tab.assert_clean(f"escalate form open {size}")
    tab.shot(f"barriers-escalate-open-{size}")
    href = first.locator("a.fu__title").get_attribute("href")
    tab.goto(href)
    tab.assert_clean(f"barrier page {size}")
    assert tab.small_targets() == [], tab.small_targets()
    tab.shot(f"barriers-detail-{size}")
    issue_href = page.get_by_role("link", name="← Safety issue").get_attribute("href")
    tab.goto(issue_href + "/barriers/new")
    tab.assert_clean(f"new barrier {size}")
    assert tab.small_targets() == [], tab.small_targets()
    page.get_by_role("button", name="Add barrier").click()
    page.get_by_text("Say what stands in the way.").wait_for()
    tab.assert_clean(f"new barrier with errors {size}")
    tab.shot(f"barriers-new-errors-{size}")


def test_admin_barrier_settings_and_board_clean(tab_factory):
    tab = tab_factory("portrait")
    tab.sign_in("admin@example.org")
    for path in ["/admin/barrier-settings", "/barriers"]:
        tab.goto(path)
        tab.assert_clean(path)
        tab.shot("barriers-admin" + path.replace("/", "-"))
