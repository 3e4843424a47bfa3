"""The tracking log at a desk (1440x900): a dense table sorted from its headings by keyboard, with
aria-sort, a header that stays in view, axe clean; tablets keep the cards."""

import re

from playwright.sync_api import expect


def tab_to(page, name: str, limit: int = 120) -> None:
    """Press Tab until the focused element's text starts with `name` (fails if never)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        text = page.evaluate("document.activeElement && document.activeElement.innerText || ''")
        if text.strip().startswith(name):
            return
    raise AssertionError(f"{name!r} was never reached with Tab")


def test_log_table_sorts_by_keyboard_at_a_desk(tab_factory):
    tab = tab_factory("desk")
    tab.sign_in("champion@example.org")
    tab.goto("/issues")
    table = tab.page.locator("table.log-table")
    expect(table).to_be_visible()
    expect(tab.page.locator("ul.log-cards")).to_be_hidden()
    assert table.locator("tbody tr").count() >= 10
    heads = [t.strip(" ▲▼↕\n") for t in table.locator("thead th").all_inner_texts()]
    assert heads == [
        "Status",
        "Priority",
        "Easy win",
        "Safety issue",
        "Category",
        "Owner",
        "Fix due",
        "Feedback due",
        "Unit",
    ]
    expect(table.locator('th[aria-sort="descending"]')).to_have_text(re.compile("Priority"))
    tab.assert_clean("desk log")
    tab.shot("issues-log-desk-1440")

    # sort by the Safety issue column with the keyboard only; focus stays on the heading
    tab_to(tab.page, "Safety issue")
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_url(re.compile(r"sort=description$"))
    sorted_head = table.locator('th[aria-sort="ascending"]')
    expect(sorted_head).to_have_text(re.compile("Safety issue"))
    assert tab.page.evaluate("document.activeElement.id") == "sort-description"
    texts = table.locator("tbody td:nth-child(4) a").all_inner_texts()
    assert texts == sorted(texts, key=str.lower) and len(set(texts)) > 3
    tab.page.keyboard.press("Enter")  # again: the other way
    tab.page.wait_for_url(re.compile(r"sort=description-rev"))
    expect(table.locator('th[aria-sort="descending"]')).to_have_text(re.compile("Safety issue"))
    texts = table.locator("tbody td:nth-child(4) a").all_inner_texts()
    assert texts == sorted(texts, key=str.lower, reverse=True)
    assert table.locator("th[aria-sort]").count() == 1
    tab.assert_clean("sorted by keyboard")

    # the sort is in the URL: a fresh load shows the same order
    tab.goto("/issues?sort=owner")
    expect(table.locator('th[aria-sort="ascending"]')).to_have_text(re.compile("Owner"))

    # the header stays in view when the list scrolls
    tab.page.mouse.wheel(0, 1500)
    tab.page.wait_for_function("window.scrollY > 600")
    top = table.locator("thead th").first.bounding_box()["y"]
    assert -1 <= top <= 2, top


def test_tablet_keeps_the_cards(tab_factory):
    tab = tab_factory("landscape")
    tab.sign_in("champion@example.org")
    tab.goto("/issues")
    expect(tab.page.locator("ul.log-cards")).to_be_visible()
    expect(tab.page.locator("table.log-table")).to_be_hidden()
    tab.assert_clean("tablet log")
    tab.shot("issues-log-desk-1024")


def test_add_a_safety_issue_from_home_with_a_unit_choice(tab_factory):
    tab = tab_factory("desk")
    tab.sign_in("executive@example.org")  # executive partner of three units
    tab.goto("/")
    tab.page.get_by_label("Add to").select_option(label="5 North Med-Surg")
    tab.page.get_by_role("button", name="Add a safety issue").click()
    tab.page.wait_for_url(re.compile(r"/units/\d+/issues/new$"))
    expect(tab.page.get_by_role("heading", level=1)).to_contain_text("5 North")
    tab.assert_clean("capture after choosing a unit")


def test_import_a_hospital_sheet_maps_columns_and_previews(tab_factory, tmp_path):
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    for row in [
        ["4 West CUSP tracking log", None, None, None, None, None],
        ["Date Identified", "Issue / Concern", "Department", "Responsible", "Target Date", "Status"],
        [datetime(2026, 1, 5), "Bladder scanner shared with two units", "4 West Medical ICU", "Jordan Pike", datetime(2026, 2, 15), "Open"],
        [datetime(2026, 1, 9), "Blood gas analyser down on weekends", "5 North Med-Surg", "", None, "Open"],
    ]:  # fmt: skip
        book.active.append(row)
    path = tmp_path / "4W log.xlsx"
    book.save(path)
    tab = tab_factory("desk")
    tab.sign_in("champion@example.org")
    tab.goto("/units/1/issues/import")
    tab.page.get_by_label("Spreadsheet file").set_input_files(str(path))
    tab.page.get_by_role("button", name="Check the file").click()
    expect(tab.page.get_by_label("Issue / Concern")).to_have_value("description")
    expect(tab.page.get_by_label("Target Date")).to_have_value("due_on")
    expect(tab.page.get_by_text("This row is for “5 North Med-Surg”")).to_be_visible()
    tab.assert_clean("import mapping and preview")
    tab.shot("issues-import-preview-1440")
    # the person says the department column is not to be checked, and checks again
    tab.page.get_by_label("Department").select_option("")
    tab.page.get_by_role("button", name="Check again").click()
    expect(tab.page.get_by_role("button", name="Import: add 2, update 0")).to_be_visible()
    expect(tab.page.get_by_text("Column “Department”: 2 values not saved")).to_be_visible()
    tab.page.get_by_role("button", name="Import: add 2, update 0").click()
    tab.page.wait_for_url(re.compile(r"/issues\?unit=1"))
    expect(tab.page.get_by_role("status").first).to_contain_text("2 safety issues added")


def test_quick_triage_at_finish_round_in_taps(tab_factory):
    """On a tablet in portrait: each concern rated with one tap each for harm, likelihood and
    ease; the easy win is on the log straight after."""
    ex = tab_factory("portrait")
    ex.sign_in("executive@example.org")
    row = ex.page.locator("li.next-round", has_text="5 North").first
    row.get_by_role("link", name=re.compile("Open briefing")).click()
    ex.page.wait_for_url(re.compile(r"/rounds/\d+/briefing$"))
    ex.page.get_by_role("button", name="Start round").click()
    ex.page.wait_for_load_state()
    anyway = ex.page.get_by_role("button", name="Start the round anyway")
    if "/run" not in ex.page.url and anyway.count():
        anyway.click()
    ex.page.wait_for_url(re.compile(r"/run$"))
    concern = "Spill kit missing from the med room pod"
    ex.page.get_by_label("The concern, in the staff's words").fill(concern)
    ex.page.get_by_role("button", name="Add", exact=True).click()
    ex.page.locator("#heard").get_by_text(concern).first.wait_for()  # saved, not only queued
    ex.page.goto(ex.page.url.replace("/run", "/finish"))
    item = ex.page.locator("li.row", has_text=concern)
    item.get_by_role("group", name="Worst credible harm").get_by_label(
        "Moderate", exact=True
    ).check()
    item.get_by_role("group", name="How likely").get_by_label("Likely", exact=True).check()
    item.get_by_role("group", name="Ease of fixing").get_by_label("Easy", exact=True).check()
    ex.assert_clean("finish with quick triage")
    assert ex.small_targets() == []
    ex.shot("rounding-finish-triage-portrait")
    ex.page.get_by_role("button", name="Finish round").click()
    ex.page.wait_for_url(re.compile(r"/rounds/\d+\?finished=1$"))
    ex.goto("/issues?easy=1")
    expect(ex.page.get_by_text(concern).first).to_be_visible()
