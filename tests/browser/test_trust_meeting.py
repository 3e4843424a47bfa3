"""Issue #11 cases 4 and 5 replayed in Chromium on the monthly team meeting page.

4. A meeting action "update an existing issue" adds an update and leaves the issue's owner and
   due date alone unless chosen (here on a long-overdue issue: the record of it stays).
5. A team member cannot take over an issue of the unit from the meeting page: the action form
   refuses an owner or due date on an issue that is not theirs (typed text kept), the agenda
   offers them no owner form, and the same POSTs forged from the page (with its CSRF token) to
   /meetings/{id}/issues/{iid}/assign and /meetings/{id}/actions get a clear refusal, not a 500.
Both read the live server's database to see that nothing was overwritten."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.conftest import LIVE, hospital_today

NOT_YOURS = "Only the unit's champions, executive partners, admins and the issue's owner"


def _db(sql: str, *args):
    with sqlite3.connect(LIVE["db"], timeout=10) as conn:
        return conn.execute(sql, args).fetchall()


def _issue(issue_id: int) -> tuple:
    return _db("SELECT owner, due_on FROM safety_issue WHERE id = ?", issue_id)[0]


def _person(email: str) -> int:
    return _db("SELECT id FROM person WHERE email = ?", email)[0][0]


def _meeting(tab, tab_factory) -> tuple[str, int]:
    """The first meeting coming up on 4 West; the champion schedules one when there is none
    (the meeting test approves the demo's next meeting, and an approved one is not coming up)."""
    tab.goto("/meetings")
    upcoming = tab.page.locator("section[aria-labelledby=upcoming-h] a.row__title")
    if upcoming.count() == 0:
        champion = tab_factory("landscape")
        champion.sign_in("champion@example.org")
        champion.goto("/units/1/meetings")
        champion.page.get_by_label("First meeting").fill(
            (hospital_today() + timedelta(days=35)).isoformat()
        )
        champion.page.get_by_label("Time").fill("14:00")
        champion.page.get_by_label("How many months").fill("1")
        champion.page.get_by_role("button", name="Schedule monthly meetings").click()
        champion.page.wait_for_load_state()
        tab.goto("/meetings")
    path = upcoming.first.get_attribute("href")
    tab.goto(path)
    return path, int(path.rsplit("/", 1)[1])


def _action_form_with(tab, wanted):
    """The first agenda item's action form that offers an issue for which wanted(row) holds,
    with that issue's id (rows: id, owner, due_on). Each form loads when its item's "Add an
    action item" is opened."""
    opened = tab.page.locator("details.mtg-action[id$='-action']")
    for details in opened.all():
        details.locator("summary").click()
    expect(tab.page.locator("form[action$='/actions']")).to_have_count(opened.count())
    for form in tab.page.locator("form[action$='/actions']").all():
        ids = [
            int(v)
            for v in form.locator("select[name=issue] option[value]").evaluate_all(
                "os => os.map(o => o.value).filter(v => v)"
            )
        ]
        for issue_id in ids:
            owner, due_on = _issue(issue_id)
            if wanted(owner, due_on):
                return form, issue_id
    raise AssertionError("no agenda item offers a suitable issue")


def _fill_update(tab, form, issue_id: int, text: str) -> None:
    if form.locator("xpath=ancestor::details[1]").get_attribute("open") is None:
        form.locator("xpath=ancestor::details[1]/summary").click()
    form.get_by_label("An update on an existing issue").check()
    form.locator("select[name=issue]").select_option(str(issue_id))
    form.get_by_label("What will be done").fill(text)


def test_update_action_keeps_owner_and_due_date_unless_chosen(tab_factory):
    tab = tab_factory("landscape")
    tab.sign_in("champion@example.org")
    path, _ = _meeting(tab, tab_factory)
    today = hospital_today().isoformat()
    form, issue_id = _action_form_with(
        tab, lambda owner, due: owner is not None and due is not None and str(due) < today
    )  # a long-overdue issue with an owner: the record an overwrite made vanish
    before = _issue(issue_id)
    text = f"Chase the vendor again (meeting replay {issue_id})"
    _fill_update(tab, form, issue_id, text)
    form.get_by_role("button", name="Add to the tracking log").click()
    tab.page.wait_for_url(re.compile(r"done=action"))
    expect(tab.page.get_by_text("Action item added to the tracking log.")).to_be_visible()
    assert _issue(issue_id) == before, "the update overwrote the issue's owner or due date"
    notes = _db("SELECT body FROM issue_update WHERE issue = ?", issue_id)
    assert sum(text in body for (body,) in notes) == 1
    tab.goto(f"/issues/{issue_id}")
    expect(tab.page.get_by_text(text)).to_be_visible()
    tab.shot("trust-meeting-update-kept-owner")
    tab.assert_clean("issue page after a meeting update")
    tab.goto(path)


def test_member_cannot_take_over_an_issue_from_the_meeting(tab_factory):
    tab = tab_factory("landscape")
    tab.sign_in("member@example.org")
    member = _person("member@example.org")
    path, meeting_id = _meeting(tab, tab_factory)
    # the agenda offers no owner form for issues the member does not own
    for li in tab.page.locator("li[id^='top-']").all():
        issue_id = int(li.get_attribute("id").removeprefix("top-"))
        if _issue(issue_id)[0] != member:
            assert li.locator("[id$='-assign']").count() == 0
    form, issue_id = _action_form_with(tab, lambda owner, due: owner not in (None, member))
    before = _issue(issue_id)
    later = (hospital_today() + timedelta(days=20)).isoformat()
    _fill_update(tab, form, issue_id, "Taking this one over")
    form.locator("select[name=owner]").select_option(str(member))
    form.locator("input[name=due_on]").fill(later)
    form.get_by_role("button", name="Add to the tracking log").click()
    tab.page.wait_for_load_state()
    alert = tab.page.get_by_text(NOT_YOURS).first
    expect(alert).to_be_visible()
    refused = tab.page.locator("form[action$='/actions']", has=tab.page.get_by_text(NOT_YOURS))
    assert refused.get_by_label("What will be done").input_value() == "Taking this one over"
    tab.shot("trust-meeting-member-refused")
    tab.assert_clean("member's take-over refused on the meeting page")
    assert _issue(issue_id) == before

    # the same POSTs forged from the page, with the page's CSRF token
    forged = tab.page.evaluate(
        """async ([meeting, issue, member, due]) => {
            const token = document.querySelector("input[name=_csrf_token]").value;
            const send = async (url, fields) => {
                const body = new URLSearchParams({_csrf_token: token, ...fields});
                const r = await fetch(url, {method: "POST", body, credentials: "same-origin"});
                return {status: r.status, text: await r.text()};
            };
            const item = document.querySelector("form[action$='/actions'] input[name=item]").value;
            return [
                await send(`/meetings/${meeting}/issues/${issue}/assign`,
                           {owner: String(member), due_on: due}),
                await send(`/meetings/${meeting}/actions`,
                           {item, kind: "update", issue: String(issue), owner: String(member),
                            due_on: due, description: "Forged take-over",
                            idempotency_key: "forged-take-over"}),
            ];
        }""",
        [meeting_id, issue_id, member, later],
    )
    for answer in forged:
        assert answer["status"] < 500, answer["status"]
        assert answer["status"] in (200, 403), answer["status"]
        assert NOT_YOURS in answer["text"].replace("&#39;", "'"), answer["text"][:500]
    assert _issue(issue_id) == before, "a member took the issue over"
    assert not _db(
        "SELECT id FROM meeting_action WHERE description = 'Forged take-over' AND meeting = ?",
        meeting_id,
    )
    tab.goto(path)


def test_two_devices_on_one_agenda_item_choose_between_both_texts(tab_factory):
    """Case 3 for meeting items: minutes typed on two tablets from the same page. The second
    sees both texts side by side (the issue page's choice), keeps the saved one, and its box
    then shows it; nothing is left "unsaved" and leaving the page does not ask."""
    a, b = tab_factory("landscape"), tab_factory("portrait")
    for tab in (a, b):
        tab.sign_in("champion3@example.org")
    path, _ = _meeting(a, tab_factory)
    b.goto(path)
    box_a = a.page.locator("form[data-autosave] textarea[name=minutes]").first
    item = box_a.get_attribute("id").removeprefix("minutes-")
    box_b = b.page.locator(f"#minutes-{item}")
    status_a, status_b = (
        a.page.locator(f"#item-{item}-status"),
        b.page.locator(f"#item-{item}-status"),
    )
    box_a.fill("Two near-misses with look-alike vials this month.")
    box_a.press("End")  # autosave listens for keyup
    expect(status_a.locator("[data-saved]")).to_be_visible(timeout=10000)
    box_b.fill("Pharmacy to relabel the vials.")
    box_b.press("End")
    choice = status_b.locator(f"#item-{item}-merge")
    expect(choice).to_contain_text(
        "Two near-misses with look-alike vials this month.", timeout=10000
    )
    expect(choice).to_contain_text("Pharmacy to relabel the vials.")
    b.shot("trust-meeting-item-choice")
    b.assert_clean("meeting item merge choice")
    choice.get_by_label(re.compile("Keep the saved value")).check()
    status_b.get_by_role("button", name=re.compile("Save my choice")).click()
    expect(status_b.locator("[data-saved]")).to_be_visible(timeout=10000)
    expect(box_b).to_have_value("Two near-misses with look-alike vials this month.")
    expect(b.page.locator(f"#item-{item}-form")).to_have_attribute("data-state", "saved")
    asked = []
    b.page.on("dialog", lambda d: (asked.append(d.type), d.accept()))
    b.goto("/meetings")
    assert asked == []
    a.goto(path)
    expect(a.page.locator(f"#minutes-{item}")).to_have_value(
        "Two near-misses with look-alike vials this month."
    )
