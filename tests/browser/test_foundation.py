"""Each demo role signs in on a tablet and a phone, sees a navigation that fits the role, and
every page they can reach from it is axe (WCAG 2.2 AA) clean, touch-friendly and self-contained."""

import pytest

ROLES = {
    "admin@example.org": {"must": ["Home", "Admin"], "must_not": []},
    "executive@example.org": {"must": ["Home"], "must_not": ["Admin"]},
    "champion@example.org": {"must": ["Home"], "must_not": ["Admin"]},
    "member@example.org": {"must": ["Home"], "must_not": ["Admin"]},
    "leader@example.org": {"must": ["Home"], "must_not": ["Admin"]},
}


@pytest.mark.parametrize("size", ["landscape", "portrait", "phone"])
@pytest.mark.parametrize("email", list(ROLES))
def test_sign_in_each_role(tab_factory, email, size):
    tab = tab_factory(size)
    tab.sign_in(email)
    nav = tab.page.get_by_role("navigation", name="Main")
    labels = [t.strip() for t in nav.locator("a").all_inner_texts()]
    for label in ROLES[email]["must"]:
        assert label in labels, (email, labels)
    for label in ROLES[email]["must_not"]:
        assert label not in labels, (email, labels)
    tab.shot(f"home-{email.split('@')[0]}-{size}")
    tab.assert_clean(f"home {email} {size}")
    assert tab.small_targets() == []
    # every page in the navigation renders cleanly for this role
    for href in nav.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))"):
        tab.goto(href)
        tab.assert_clean(f"{href} {email} {size}")


def test_login_page_clean_and_generic_error(tab_factory):
    for size in ("landscape", "phone"):
        tab = tab_factory(size)
        tab.goto("/login")
        tab.assert_clean(f"login {size}")
        assert tab.small_targets() == []
        tab.page.get_by_label("Email").fill("nobody@example.org")
        tab.page.get_by_label("Password").fill("wrong-password")
        tab.page.get_by_role("button", name="Sign in").click()
        tab.page.get_by_text("do not match an active account").wait_for()
        assert tab.page.get_by_label("Email").input_value() == "nobody@example.org"
        tab.shot(f"login-error-{size}")


def test_admin_pages_clean(tab_factory):
    tab = tab_factory("portrait")
    tab.sign_in("admin@example.org")
    for path in [
        "/admin",
        "/admin/units/1",
        "/admin/units/new",
        "/admin/people/new",
        "/admin/people/2",
        "/admin/audit",
        "/units/1",
    ]:
        tab.goto(path)
        tab.assert_clean(path)
        tab.shot("admin" + path.replace("/", "-"))


def test_admin_form_keeps_input_on_error(tab):
    tab.sign_in("admin@example.org")
    tab.goto("/admin/units/new")
    tab.page.get_by_label("Unit name").fill("")
    tab.page.get_by_label("Facility").fill("North Tower <b>")
    tab.page.get_by_role("button", name="Save unit").click()
    tab.page.get_by_text("This is required.").first.wait_for()
    assert tab.page.get_by_label("Facility").input_value() == "North Tower <b>"
    tab.assert_clean("unit form with errors")
