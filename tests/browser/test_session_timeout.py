"""The idle sign-out is announced 60 s ahead with a one-tap "Stay signed in" (browser clock faked)."""


def test_idle_warning_and_stay_signed_in(tab_factory):
    tab = tab_factory("portrait")
    tab.page.clock.install()
    tab.sign_in("member@example.org")
    tab.goto("/")
    dialog = tab.page.locator("#idle-warning")
    assert not dialog.is_visible()
    tab.page.clock.run_for(13 * 60 * 1000)  # 13 minutes idle: no warning yet
    assert not dialog.is_visible()
    tab.page.clock.run_for(62 * 1000)  # inside the last minute
    assert dialog.is_visible()
    assert "signed out in" in dialog.inner_text()
    tab.shot("idle-warning-portrait")
    tab.assert_clean("idle warning")
    with tab.page.expect_response(lambda r: r.url.endswith("/session/keepalive")) as response:
        tab.page.get_by_role("button", name="Stay signed in").click()
    assert response.value.status == 204
    tab.page.wait_for_timeout(50)
    assert not dialog.is_visible()


def test_idle_timeout_returns_to_sign_in(tab_factory):
    tab = tab_factory("phone")
    tab.page.clock.install()
    tab.sign_in("member@example.org")
    tab.goto("/")
    # The server's session is still alive in real time, so only the browser's move is checked here;
    # the server-side idle timeout is covered by tests/test_auth.py::test_idle_timeout.
    with tab.page.expect_request(lambda r: "/login?next=" in r.url) as request:
        tab.page.clock.run_for(15 * 60 * 1000 + 2000)
    assert request.value.url.endswith("/login?next=%2F")
