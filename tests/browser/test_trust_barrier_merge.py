"""Issue #11 case 3 for barriers in Chromium: two tablets on "My follow-ups" (htmx). The first
adds a note with a next follow-up date; the second, from the page opened before, adds a note
with another date: it sees both dates side by side (the issue page's choice), its note kept in
the box, chooses its own date, and both notes are in the log once."""

from __future__ import annotations

import re
import secrets
import sqlite3
from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.conftest import LIVE, hospital_today
from tests.browser.test_exec_home import _capture

EMAIL = "coo@example.org"


def _db(sql: str, *args):
    with sqlite3.connect(LIVE["db"], timeout=10) as conn:
        return conn.execute(sql, args).fetchall()


def test_two_tablets_on_one_barrier_choose_between_both_dates(tab_factory):
    a, b = tab_factory("landscape"), tab_factory("phone")
    a.sign_in(EMAIL)
    me = _db("SELECT id FROM person WHERE email = ?", EMAIL)[0][0]
    unit = _db(
        "SELECT unit FROM membership WHERE person = ? AND unit_role = 'executive' ORDER BY unit",
        me,
    )[0][0]
    tag = secrets.token_hex(3)
    issue_id = _capture(a, unit, f"Hoist slings sent to the laundry and not returned {tag}")
    a.goto(f"/issues/{issue_id}/barriers/new")
    title = f"Laundry contract has no return deadline {tag}"
    a.page.get_by_label("What stands in the way?").fill(title)
    a.page.get_by_label("Who removes it").select_option(str(me))
    a.page.get_by_role("button", name="Add barrier").click()
    a.page.wait_for_url(re.compile(r"/barriers/\d+$"))
    barrier_id = int(a.page.url.rsplit("/", 1)[1])

    b.sign_in(EMAIL)
    for tab in (a, b):
        tab.goto("/barriers/mine")
    in_two_weeks = (hospital_today() + timedelta(days=14)).isoformat()
    in_three_days = (hospital_today() + timedelta(days=3)).isoformat()

    item_a = a.page.locator(f"#barrier-{barrier_id}")
    item_a.get_by_text("Add note / next date").click()
    item_a.get_by_label("What happened since the last follow-up?").fill("Laundry manager called")
    item_a.locator("form[action$='/notes']").get_by_label("Next follow-up").fill(in_two_weeks)
    item_a.get_by_role("button", name="Save note").click()
    a.page.get_by_text("Follow-up note saved").wait_for()

    item_b = b.page.locator(f"#barrier-{barrier_id}")
    item_b.get_by_text("Add note / next date").click()
    item_b.get_by_label("What happened since the last follow-up?").fill("Asked for a weekly return")
    item_b.locator("form[action$='/notes']").get_by_label("Next follow-up").fill(in_three_days)
    item_b.get_by_role("button", name="Save note").click()
    item_b = b.page.locator(f"#barrier-{barrier_id}")
    choice = item_b.locator(f"#b{barrier_id}-note-merge")
    expect(choice).to_contain_text("You and someone else both changed 1 detail")
    assert (
        item_b.get_by_label("What happened since the last follow-up?").input_value()
        == "Asked for a weekly return"
    )
    b.shot("trust-barrier-choice-phone")
    item_b.screenshot(path="var/screenshots/trust-barrier-choice-phone-item.png")
    b.assert_clean("barrier merge choice on My follow-ups")
    choice.get_by_label(re.compile("Use yours")).check()
    item_b.get_by_role("button", name="Save note").click()
    b.page.get_by_text("Follow-up note saved").wait_for()
    row = _db("SELECT next_follow_up_on FROM barrier WHERE id = ?", barrier_id)[0][0]
    assert str(row).startswith(in_three_days), row
    bodies = [
        body for (body,) in _db("SELECT body FROM barrier_note WHERE barrier = ?", barrier_id)
    ]
    assert bodies.count("Laundry manager called") == 1, bodies
    assert bodies.count("Asked for a weekly return") == 1, bodies
