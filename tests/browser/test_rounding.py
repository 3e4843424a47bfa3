"""Safety rounds in Chromium: a champion prepares and marks a briefing ready, the executive
partner opens it, starts the round, captures two concerns (one needing their help), reads back
and completes the round. Every new page is axe (WCAG 2.2 AA) clean, without CSP errors."""

import re

import pytest
from playwright.sync_api import expect

# (size, unit, champion) – each size uses its own unit so the runs do not share a round
FLOWS = [
    ("landscape", "4 West Medical ICU", "champion@example.org"),
    ("portrait", "Labor & Delivery", "champion5@example.org"),
]


@pytest.mark.parametrize(("size", "unit", "champion"), FLOWS)
def test_briefing_to_completed_round(tab_factory, size, unit, champion):
    tag = f"{size}"
    # the champion prepares the briefing from the home page
    tab = tab_factory(size)
    tab.sign_in(champion)
    panel = tab.page.locator("section", has=tab.page.get_by_role("heading", name="Next round"))
    row = panel.locator("li.next-round", has_text=unit).first
    assert "Briefing not ready yet" in row.inner_text()
    tab.assert_clean(f"home champion {tag}")
    row.get_by_role("link", name=re.compile("Prepare briefing")).click()
    tab.page.wait_for_url(re.compile(r"/rounds/\d+/briefing/edit$"))
    round_path = re.search(r"(/rounds/\d+)", tab.page.url).group(1)
    tab.assert_clean(f"briefing editor {tag}")
    tab.page.get_by_label("What is going on on the unit").fill(
        "Census high for three weeks; new pumps next month."
    )
    tab.page.get_by_label("Concerns staff want to raise").fill(
        "Bed alarms that do not reset after repositioning."
    )
    tab.page.get_by_label("Wins to recognise").fill("Night team caught a look-alike vial mix-up.")
    tab.page.get_by_label("Asks of the executive partner").fill(
        "Approve a second portable suction unit."
    )
    tab.page.get_by_role("button", name="Mark ready").click()
    tab.page.wait_for_url(re.compile(r"saved=ready"))
    expect(tab.page.get_by_role("status").filter(has_text="Marked ready")).to_be_visible()
    expect(
        tab.page.locator(".editor__preview .glance__card--champion").get_by_text(
            "Approve a second portable suction unit."
        )
    ).to_be_visible()
    tab.shot(f"rounding-editor-{tag}")
    tab.assert_clean(f"briefing editor after ready {tag}")

    # the executive partner sees it ready and opens it
    ex = tab_factory(size)
    ex.sign_in("executive@example.org")
    row = ex.page.locator("li.next-round", has_text=unit).first
    assert "Briefing ready" in row.inner_text()
    row.get_by_role("link", name=re.compile("Open briefing")).click()
    ex.page.wait_for_url(re.compile(r"/rounds/\d+/briefing$"))
    assert round_path in ex.page.url
    expect(ex.page.get_by_role("heading", name="Days since the last harm")).to_be_visible()
    expect(ex.page.get_by_text("Approve a second portable suction unit.")).to_be_visible()
    ex.shot(f"rounding-briefing-{tag}")
    ex.assert_clean(f"briefing {tag}")
    assert ex.small_targets() == []
    ex.page.get_by_role("button", name="Start round").click()
    ex.page.wait_for_load_state()
    anyway = ex.page.get_by_role("button", name="Start the round anyway")
    if "/run" not in ex.page.url and anyway.count():  # the demo round is not due today
        ex.assert_clean(f"start confirmation {tag}")
        anyway.click()
    ex.page.wait_for_url(re.compile(r"/run$"))
    ex.assert_clean(f"round screen {tag}")

    # two concerns, the second needing the executive's help; the list grows in place (htmx)
    ex.page.get_by_label("The concern, in the staff's words").fill(
        "Bed alarms do not reset after turning a patient."
    )
    ex.page.get_by_label("Raised by (a role, not a name)").fill("RN, nights")
    ex.page.get_by_role("button", name="Add", exact=True).click()
    ex.page.get_by_role("heading", name="Heard so far (1)").wait_for()
    assert ex.page.get_by_label("The concern, in the staff's words").input_value() == ""
    # "Raised by" is not carried over silently (only when pinned, issue 20)
    assert ex.page.get_by_label("Raised by (a role, not a name)").input_value() == ""
    ex.page.get_by_label("The concern, in the staff's words").fill(
        "No portable suction on nights; we borrow from 5 North."
    )
    ex.page.get_by_label("Raised by (a role, not a name)").fill("RT")
    ex.page.get_by_label("Needs my help", exact=True).check()
    ex.page.get_by_label("What's in the way, in one line").fill(
        "A second portable suction unit needs capital approval"
    )
    ex.page.get_by_role("button", name="Add", exact=True).click()
    ex.page.get_by_role("heading", name="Heard so far (2)").wait_for()
    # the newest first
    expect(
        ex.page.locator(".heard__item").nth(0).get_by_text("Needs my help – on my barriers")
    ).to_be_visible()
    # a patient identifier is refused with the text kept
    ex.page.get_by_label("The concern, in the staff's words").fill("Mr Jones fell, MRN 12345678")
    ex.page.get_by_role("button", name="Add", exact=True).click()
    ex.page.locator("#description-error").wait_for()
    assert (
        ex.page.get_by_label("The concern, in the staff's words").input_value()
        == "Mr Jones fell, MRN 12345678"
    )
    ex.page.get_by_label("The concern, in the staff's words").fill("")
    # staff stepper
    for _ in range(3):
        before = ex.page.locator("[data-staff-count]").inner_text()
        ex.page.get_by_role("button", name="One more staff").click()
        ex.page.wait_for_function(
            "b => document.querySelector('[data-staff-count]').innerText !== b", arg=before
        )
    assert ex.page.locator("[data-staff-count]").inner_text().startswith("3")
    ex.shot(f"rounding-run-{tag}")
    ex.assert_clean(f"round screen with concerns {tag}")
    assert ex.small_targets() == []

    # read back in large type, then finish
    ex.page.get_by_role("link", name="Read back").click()
    ex.page.wait_for_url(re.compile(r"/readback$"))
    expect(
        ex.page.get_by_text("No portable suction on nights; we borrow from 5 North.")
    ).to_be_visible()
    ex.shot(f"rounding-readback-{tag}")
    ex.assert_clean(f"read back {tag}")
    ex.page.get_by_role("button", name=re.compile("Read back done")).click()
    ex.page.wait_for_url(re.compile(r"/finish$"))
    ex.assert_clean(f"finish {tag}")
    ex.page.locator("select[id^=owner_]").first.select_option(index=1)
    ex.page.locator("input[id^=due_]").first.fill("2099-01-15")
    ex.page.get_by_label("Debrief notes").fill("Good turnout from nights.")
    ex.shot(f"rounding-finish-{tag}")
    ex.page.get_by_role("button", name="Finish round").click()
    ex.page.wait_for_url(re.compile(r"/rounds/\d+\?finished=1$"))
    expect(ex.page.get_by_text("Round completed")).to_be_visible()
    assert ex.page.get_by_text("Executive help asked").count() == 1
    ex.shot(f"rounding-done-{tag}")
    ex.assert_clean(f"completed round {tag}")
    # the briefing kept with the round is the one shown
    ex.goto(round_path + "/briefing")
    expect(ex.page.get_by_text("as it was shown when the round started")).to_be_visible()
    ex.assert_clean(f"frozen briefing {tag}")


@pytest.mark.parametrize("size", ["landscape", "portrait", "phone"])
def test_rounding_pages_clean(tab_factory, size):
    tab = tab_factory(size)
    tab.sign_in("champion2@example.org")  # 5 North: its next briefing is ready in the demo
    for path in ["/rounds", "/units/2/rounds", "/units/2/measures", "/me/calendar"]:
        tab.goto(path)
        tab.shot(f"rounding{path.replace('/', '-')}-{size}")
        tab.assert_clean(f"{path} {size}")
        assert tab.small_targets() == [], (path, tab.small_targets())
    tab.goto("/units/2/rounds")
    tab.page.locator("li.round-row a").first.click()
    tab.page.wait_for_url(re.compile(r"/rounds/\d+$"))
    tab.assert_clean(f"round detail {size}")
    tab.page.get_by_role("link", name="Open the briefing").click()
    tab.page.wait_for_url(re.compile(r"/briefing$"))
    tab.shot(f"rounding-briefing-ready-{size}")
    tab.assert_clean(f"ready briefing {size}")
    admin = tab_factory(size)
    admin.sign_in("admin@example.org")
    admin.goto("/admin/script")
    admin.assert_clean(f"admin script {size}")
