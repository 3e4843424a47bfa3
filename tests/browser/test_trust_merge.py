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
