"""Monthly CUSP team meeting in Chromium: a unit champion runs the meeting from one page on a
tablet – attendance, minutes saved as typed (and kept through a lost connection), an action item
onto the tracking log, finalising – and every meeting page is axe clean at every size."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import hospital_today

SIZES = ["landscape", "portrait", "phone"]


def _next_meeting_path(tab) -> str:
    tab.goto("/meetings")
    link = tab.page.locator("section[aria-labelledby=upcoming-h] a.row__title").first
    return link.get_attribute("href")


@pytest.mark.parametrize("size", SIZES)
def test_meeting_pages_clean_at_every_size(tab_factory, size):
    tab = tab_factory(size)
    tab.sign_in("champion2@example.org")
    tab.goto("/meetings")
    tab.assert_clean(f"/meetings {size}")
    assert tab.small_targets() == []
    tab.shot(f"meetings-index-{size}")
    path = _next_meeting_path(tab)
    tab.goto(path)
    tab.assert_clean(f"{path} {size}")
    assert tab.small_targets() == []
    tab.shot(f"meeting-agenda-{size}")
    unit_link = tab.page.locator("main a[href$='/meetings']").first.get_attribute("href")
    tab.goto(unit_link)
    tab.assert_clean(f"{unit_link} {size}")
    assert tab.small_targets() == []
    tab.shot(f"meetings-unit-{size}")
    # a finalised meeting and its printable minutes
    past = tab.page.locator("a.row__title[href^='/meetings/']").last.get_attribute("href")
    tab.goto(past)
    tab.assert_clean(f"{past} final {size}")
    tab.shot(f"meeting-final-{size}")
    tab.goto(past + "/print")
    tab.assert_clean(f"{past}/print {size}")
    tab.shot(f"meeting-print-{size}")
    tab.goto("/")
    expect(tab.page.get_by_role("heading", name="Next team meeting")).to_be_visible()


def test_champion_runs_the_meeting_on_a_tablet(tab):
    page = tab.page
    tab.sign_in("champion@example.org")
    path = _next_meeting_path(tab)
    tab.goto(path)
    assert page.get_by_role("heading", level=1).inner_text().startswith("4 West Medical ICU")

    # attendance: the executive partner and a team member, and a guest by role
    page.get_by_label(re.compile(r"^Marcus Bell")).check()
    page.get_by_label(re.compile(r"^Jordan Pike")).check()
    page.get_by_label("Add a guest by role").fill("Pharmacy director")
    page.get_by_role("button", name="Save attendance").click()
    page.get_by_text("Attendance saved.").wait_for()
    assert page.get_by_label(re.compile(r"^Marcus Bell")).is_checked()
    expect(page.locator(".mtg-guests").get_by_text("Pharmacy director", exact=True)).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    tab.assert_clean("meeting after attendance")

    # minutes save as they are typed; a reload shows them
    minutes = page.locator("#section-new_issues textarea[name=minutes]").first
    minutes.click()
    minutes.press_sequentially("Bed alarm volume discussed with biomed.", delay=10)
    status = page.locator("#section-new_issues .mtg-status").first
    status.get_by_text("Saved").wait_for(timeout=10_000)
    decisions = page.locator("#section-new_issues textarea[name=decisions]").first
    decisions.fill("Trial louder tones on two monitors.")
    decisions.press("End")
    decisions.press_sequentially(" ", delay=10)
    status.get_by_text("Saved").wait_for(timeout=10_000)
    page.wait_for_timeout(300)
    page.reload()
    assert (
        page.locator("#section-new_issues textarea[name=minutes]").first.input_value()
        == "Bed alarm volume discussed with biomed."
    )

    # the connection drops: the text stays in the page and is saved once it is back
    wins = page.locator("#section-wins textarea[name=minutes]").first
    page.context.set_offline(True)
    wins.click()
    wins.press_sequentially("Night team recognised for the huddle board.", delay=10)
    page.locator("#section-wins .mtg-status").first.get_by_text("connection was lost").wait_for(
        timeout=10_000
    )
    assert wins.input_value() == "Night team recognised for the huddle board."
    page.context.set_offline(False)
    page.locator("#section-wins .mtg-status").first.get_by_text("Saved").wait_for(timeout=15_000)
    # the browser and htmx log the failed request while offline; nothing else may be logged
    expected = (
        "ERR_INTERNET_DISCONNECTED",
        "Failed to load resource",
        "htmx:sendError",
        "htmx:afterRequest",
    )
    tab.problems = [p for p in tab.problems if not any(e in p for e in expected)]

    # an action item from the priorities section becomes a safety issue with an owner and a due date
    priorities = page.locator("#section-priorities")
    priorities.locator("summary", has_text="Add an action item").first.click()
    form = priorities.locator("form.mtg-action__form").first
    form.get_by_label("What will be done").fill("Order two spare suction regulators for the unit.")
    form.get_by_role("button", name="Add to the tracking log").click()
    page.get_by_text("Every action needs an owner and a due date").first.wait_for()
    form = page.locator("#section-priorities form.mtg-action__form").first
    assert (
        form.get_by_label("What will be done").input_value()
        == "Order two spare suction regulators for the unit."
    )
    form.get_by_label("Owner").select_option(label="Jordan Pike")
    form.get_by_label("Due date").fill((hospital_today() + timedelta(days=14)).isoformat())
    form.get_by_role("button", name="Add to the tracking log").click()
    page.get_by_text("Action item added to the tracking log.").wait_for()
    expect(
        page.locator("#actions").get_by_text(
            "Order two spare suction regulators for the unit.", exact=True
        )
    ).to_be_visible()
    tab.shot("meeting-running-landscape")
    page.evaluate(
        "window.scrollTo(0, 0)"
    )  # axe misjudges the header's contrast when it is scrolled away
    tab.assert_clean("meeting with an action")

    # typing, then at once using another form on the page: the minutes are saved before it submits
    case_minutes = page.locator("#section-case textarea[name=minutes]").first
    case_minutes.click()
    case_minutes.press_sequentially("Handoff case reviewed with the team.", delay=5)
    page.locator("#case-pick > summary").click()  # the picker loads when opened
    page.get_by_role("button", name="Choose case").click()
    page.get_by_text("Case of the month chosen.").wait_for(timeout=10_000)
    assert (
        page.locator("#section-case textarea[name=minutes]").first.input_value()
        == "Handoff case reviewed with the team."
    )

    # finalise: approved and locked
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Finalise minutes").click()
    page.get_by_text("Minutes approved and locked").first.wait_for()
    assert page.locator("form[data-autosave]").count() == 0
    expect(page.get_by_text("Bed alarm volume discussed with biomed.")).to_be_visible()
    tab.shot("meeting-finalised-landscape")
    tab.assert_clean("finalised meeting")
    tab.goto(path + "/print")
    expect(
        page.get_by_text("Order two spare suction regulators for the unit.").first
    ).to_be_visible()
    tab.assert_clean("printable minutes")
