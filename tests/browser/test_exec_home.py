"""Issue #20 item 2 in Chromium at 1024x768 and 390x844: the executive's home lists what she owes -
an issue she owns whose fix is overdue, staff feedback due on her unit's issue (most late
first), and a barrier she escalated ("Escalated to X, waiting since ...") - and is axe clean.

The two issues are captured and the barrier opened and escalated through the pages; only the
dates that time alone would make late are set in the live server's database."""

from __future__ import annotations

import re
import secrets
import sqlite3
from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.conftest import LIVE, hospital_today

EXECUTIVE = "executive@example.org"


def _db(sql: str, *args, write: bool = False):
    with sqlite3.connect(LIVE["db"], timeout=10) as conn:
        rows = conn.execute(sql, args).fetchall()
        if write:
            conn.commit()
        return rows


def _capture(tab, unit: int, text: str) -> int:
    tab.goto(f"/units/{unit}/issues/new")
    tab.page.get_by_label("What did staff say?").fill(text)
    tab.page.get_by_label("Raised by (a role, not a name)").fill("RN, days")
    tab.page.get_by_role("button", name="Add to the log").click()
    for _ in range(100):  # the outbox sends it; on the log once acknowledged
        rows = _db("SELECT id FROM safety_issue WHERE description = ?", text)
        if rows:
            return rows[0][0]
        tab.page.wait_for_timeout(100)
    raise AssertionError(f"not captured: {text}")


def test_home_lists_what_the_executive_owes(tab_factory):
    tab = tab_factory("landscape")
    tab.sign_in(EXECUTIVE)
    me = _db("SELECT id FROM person WHERE email = ?", EXECUTIVE)[0][0]
    unit = _db(
        "SELECT unit FROM membership WHERE person = ? AND unit_role = 'executive' ORDER BY unit",
        me,
    )[0][0]
    tag = secrets.token_hex(3)
    fix_text = f"Ceiling lift sling missing on the bariatric room {tag}"
    feedback_text = f"Call bells out of reach after cleaning {tag}"
    fix_id = _capture(tab, unit, fix_text)
    feedback_id = _capture(tab, unit, feedback_text)
    # what only time would do: the fix is long overdue, the staff feedback a day less (the
    # hospital's today may be a day off UTC's)
    today = hospital_today()
    _db(
        "UPDATE safety_issue SET owner = ?, status = 'in_progress', due_on = ? WHERE id = ?",
        me,
        (today - timedelta(days=401)).isoformat(),
        fix_id,
        write=True,
    )
    _db(
        "UPDATE safety_issue SET feedback_due_on = ?, feedback_given_on = NULL WHERE id = ?",
        (today - timedelta(days=400)).isoformat(),
        feedback_id,
        write=True,
    )
    # a barrier she opens for herself, then escalates to someone else
    tab.goto(f"/issues/{fix_id}/barriers/new")
    tab.page.get_by_label("What stands in the way?").fill(f"No budget line for slings {tag}")
    tab.page.get_by_label("Escalation level").select_option("unit")
    tab.page.get_by_label("Who removes it").select_option(str(me))
    tab.page.get_by_role("button", name="Add barrier").click()
    tab.page.wait_for_url(re.compile(r"/barriers/\d+$"))
    escalate = tab.page.locator("form#escalate")
    escalate.get_by_label("Escalate to").select_option("department")
    owner = escalate.get_by_label("New owner")
    other = owner.locator("option").evaluate_all(
        "(os, me) => os.map(o => [o.value, o.textContent]).filter(([v]) => v && v !== me)",
        str(me),
    )[0]
    owner.select_option(other[0])
    escalate.get_by_label("Why does it need help from higher up?").fill("Needs a capital request")
    escalate.get_by_role("button", name="Escalate").click()
    tab.page.get_by_text("Escalated").first.wait_for()
    new_owner = other[1].split(" – ")[0].strip()

    for size in ("landscape", "portrait", "phone"):
        if size != "landscape":
            tab = tab_factory(size)
            tab.sign_in(EXECUTIVE)
        tab.goto("/")
        owed = tab.page.locator("section[aria-labelledby=issues-owed-h]")
        expect(owed.get_by_role("heading", name="What I owe on the tracking log")).to_be_visible()
        fix_row = owed.locator(f"a[href='/issues/{fix_id}']")
        expect(fix_row).to_contain_text(re.compile(r"Fix 40[01] days overdue"))
        feedback_row = owed.locator(f"a[href='/issues/{feedback_id}']")
        expect(feedback_row).to_contain_text(re.compile(r"Staff feedback (399|400) days overdue"))
        rows = owed.locator("a.row").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert rows.index(f"/issues/{fix_id}") < rows.index(f"/issues/{feedback_id}"), rows
        waiting = tab.page.locator("section.followups-panel a.row", has_text=f"slings {tag}")
        expect(waiting).to_contain_text(f"Escalated to {new_owner}, waiting since")
        expect(
            tab.page.get_by_role("heading", name=re.compile("Since I last looked"))
        ).to_be_visible()
        tab.shot(f"exec-home-owes-{size}")
        tab.assert_clean(f"executive home {size}")
        assert tab.small_targets() == [], tab.small_targets()
