"""Issue #11 case 3 in Chromium: two tabs on one issue. A changes category and risk; B, from a
page opened before, writes the action plan and double-clicks Save: both people's changes stay.
Then both change the same detail: B sees both values, chooses, and nothing else is lost.
Also the hand-over page an admin sees before deactivating someone (screenshots, axe)."""

import re

from playwright.sync_api import expect


def _open_edit(tab, path):
    tab.goto(path)
    tab.page.get_by_text("Edit details").click()


def test_two_tabs_and_a_double_save_keep_both_peoples_changes(tab_factory):
    a, b = tab_factory("landscape"), tab_factory("landscape")
    a.sign_in("champion6@example.org")
    b.sign_in("champion6@example.org")
    a.goto("/issues")
    href = (
        a.page.locator("a[href^='/issues/']")
        .filter(has_text=re.compile(r"\w"))
        .evaluate_all(
            "els => els.map(e => e.getAttribute('href')).filter(h => /^\\/issues\\/\\d+$/.test(h))"
        )[0]
    )
    _open_edit(a, href)
    _open_edit(b, href)
    form_a = a.page.locator("form[action$='/edit']")
    category = form_a.get_by_label("Category")
    category.select_option(index=2)
    chosen_category = category.locator("option:checked").inner_text()
    form_a.get_by_label("Worst credible harm").select_option("severe")
    form_a.get_by_label("Likelihood").select_option("likely")
    form_a.get_by_label("Ease of fixing").select_option("easy")
    form_a.get_by_role("button", name="Save changes").click()
    a.page.wait_for_url(re.compile(r"saved=1"))

    form_b = b.page.locator("form[action$='/edit']")
    form_b.get_by_label("Action plan").fill("Order regulators for every room.")
    form_b.get_by_role("button", name="Save changes").dblclick()
    b.page.wait_for_url(re.compile(r"saved=1"))
    b.page.reload()
    summary = b.page.locator(".issue-summary")
    expect(summary).to_contain_text(chosen_category)
    expect(summary).to_contain_text("High priority")
    b.page.get_by_text("Edit details").click()
    assert form_b.get_by_label("Action plan").input_value() == "Order regulators for every room."
    assert form_b.get_by_label("Worst credible harm").input_value() == "severe"
    assert form_b.get_by_label("Ease of fixing").input_value() == "easy"

    # both change the same detail: B sees both values and chooses
    _open_edit(a, href)
    _open_edit(b, href)
    form_a.get_by_label("Likelihood").select_option("frequent")
    form_a.get_by_role("button", name="Save changes").click()
    a.page.wait_for_url(re.compile(r"saved=1"))
    form_b.get_by_label("Likelihood").select_option("rare")
    form_b.get_by_label("How we will know the risk is reduced").fill("No missing regulators.")
    form_b.get_by_role("button", name="Save changes").click()
    choice = b.page.locator("#merge-conflict")
    expect(choice).to_contain_text("Frequent")
    expect(choice).to_contain_text("Rare")
    b.shot("trust-merge-choice")
    b.assert_clean("merge choice")
    choice.get_by_label(re.compile("Keep the saved value")).check()
    b.page.locator("form[action$='/edit']").get_by_role("button", name="Save changes").click()
    b.page.wait_for_url(re.compile(r"saved=1"))
    b.page.get_by_text("Edit details").click()
    assert form_b.get_by_label("Likelihood").input_value() == "frequent"
    assert (
        form_b.get_by_label("How we will know the risk is reduced").input_value()
        == "No missing regulators."
    )
    assert form_b.get_by_label("Action plan").input_value() == "Order regulators for every room."


def test_hand_over_page(tab_factory):
    for size in ("landscape", "portrait", "phone"):
        tab = tab_factory(size)
        tab.sign_in("admin@example.org")
        tab.goto("/admin")
        href = tab.page.get_by_role("link", name=re.compile("Jordan Pike")).first.get_attribute(
            "href"
        )
        tab.goto(href + "/handover")
        expect(tab.page.get_by_role("heading", name=re.compile("Hand over"))).to_be_visible()
        tab.shot(f"trust-handover-{size}")
        tab.assert_clean(f"hand-over page {size}")
        assert tab.small_targets() == []


def test_deactivating_a_person_hands_everything_over(tab_factory):
    """Case 6 replayed: a team member who owns an issue and a barrier leaves. The admin's
    deactivation goes through the hand-over page; the issue goes to the suggested champion,
    the barrier to nobody on purpose - flagged on the champion's home; nothing keeps the
    departed owner, and the champion's next edit of the issue keeps its owner."""
    import secrets
    import sqlite3

    from tests.browser.conftest import LIVE

    def db(sql, *args):
        with sqlite3.connect(LIVE["db"], timeout=10) as conn:
            return conn.execute(sql, args).fetchall()

    leaving_email = "member5@example.org"  # Jamie Patel, 3 East (no other test signs in as them)
    leaving, unit = db(
        "SELECT p.id, m.unit FROM person p JOIN membership m ON m.person = p.id WHERE p.email = ?",
        leaving_email,
    )[0]
    champion = db(
        "SELECT person FROM membership WHERE unit = ? AND unit_role = 'champion' ORDER BY person",
        unit,
    )[0][0]
    champion_email = db("SELECT email FROM person WHERE id = ?", champion)[0][0]
    tag = secrets.token_hex(3)
    admin = tab_factory("landscape")
    admin.sign_in("admin@example.org")
    admin.goto(f"/units/{unit}/issues/new")
    text = f"Walking aids left in the corridor after therapy {tag}"
    admin.page.get_by_label("What did staff say?").fill(text)
    admin.page.get_by_role("button", name="Add to the log").click()
    for _ in range(100):
        found = db("SELECT id FROM safety_issue WHERE description = ?", text)
        if found:
            break
        admin.page.wait_for_timeout(100)
    issue_id = found[0][0]
    # the leaver owns the issue (set on its page) and a barrier on it
    admin.goto(f"/issues/{issue_id}")
    admin.page.get_by_role("heading", name="Edit details").click()
    form = admin.page.locator("form[action$='/edit']")
    form.get_by_label("Owner").select_option(str(leaving))
    form.get_by_role("button", name="Save changes").click()
    admin.page.wait_for_url(re.compile(r"saved=1"))
    admin.goto(f"/issues/{issue_id}/barriers/new")
    admin.page.get_by_label("What stands in the way?").fill(f"No storage bay on 3 East {tag}")
    admin.page.get_by_label("Who removes it").select_option(str(leaving))
    admin.page.get_by_role("button", name="Add barrier").click()
    admin.page.wait_for_url(re.compile(r"/barriers/\d+$"))
    barrier_id = int(admin.page.url.rsplit("/", 1)[1])

    admin.goto(f"/admin/people/{leaving}/handover")
    issue_choice = admin.page.locator(f"select#issue_{issue_id}")
    assert issue_choice.input_value() == str(champion)  # suggested: the unit's champion
    admin.page.locator(f"select#barrier_{barrier_id}").select_option("")  # nobody yet
    admin.shot("trust-handover-filled")
    admin.assert_clean("hand-over with choices")
    admin.page.get_by_role("button", name="Hand over and deactivate").click()
    admin.page.wait_for_load_state()
    assert db("SELECT active FROM person WHERE id = ?", leaving)[0][0] in (0, False)
    assert db("SELECT owner FROM safety_issue WHERE id = ?", issue_id)[0][0] == champion
    assert db("SELECT owner FROM barrier WHERE id = ?", barrier_id)[0][0] is None
    still = (
        db(
            "SELECT COUNT(*) FROM safety_issue WHERE owner = ? AND status IN "
            "('new', 'planned', 'in_progress')",
            leaving,
        )[0][0]
        + db("SELECT COUNT(*) FROM barrier WHERE owner = ? AND status = 'open'", leaving)[0][0]
    )
    assert still == 0, "something still belongs to the person who left"

    lead = tab_factory("landscape")
    lead.sign_in(champion_email)
    flagged = lead.page.locator("section[aria-labelledby=needs-owner-h]")
    expect(flagged).to_contain_text(f"No storage bay on 3 East {tag}")
    lead.assert_clean("champion's home with a flagged barrier")
    # the champion's next edit of the issue keeps its owner (never silently cleared)
    lead.goto(f"/issues/{issue_id}")
    lead.page.get_by_role("heading", name="Edit details").click()
    lead_form = lead.page.locator("form[action$='/edit']")
    lead_form.get_by_label("Action plan").fill("Marked bay by the lifts.")
    lead_form.get_by_role("button", name="Save changes").click()
    lead.page.wait_for_url(re.compile(r"saved=1"))
    assert db("SELECT owner FROM safety_issue WHERE id = ?", issue_id)[0][0] == champion
