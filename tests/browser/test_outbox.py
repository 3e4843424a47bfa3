"""The capture outbox in Chromium (issue 11): nothing a nurse says is lost - offline, on a
reload, after the session ended or the idle sign-out - and nothing is sent twice or by the
wrong person on a shared tablet. Without JavaScript the round works as before."""

from __future__ import annotations

import re
import sqlite3

from playwright.sync_api import expect

from tests.browser.conftest import LIVE

BOX = "The concern, in the staff's words"
# Expected while the network is cut or the session has ended: the browser logs failed fetches.
EXPECTED_NOISE = (
    "Failed to load resource",
    "net::ERR_INTERNET_DISCONNECTED",
    "Response Status Error Code 401",  # htmx logs the 401 it hands to the page
)


_ROUNDS: dict[str, list[int]] = {}  # each executive's upcoming rounds, as first listed


def round_ids(tab, executive: str) -> list[int]:
    if executive not in _ROUNDS:
        tab.goto("/rounds")
        links = tab.page.locator("a[href^='/rounds/']").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        )
        _ROUNDS[executive] = sorted(
            {int(m.group(1)) for h in links if (m := re.fullmatch(r"/rounds/(\d+)", h))}
        )
    return _ROUNDS[executive]


def start_round(tab, executive: str, pick: int) -> str:
    """Sign in as `executive`, start one of their upcoming rounds (counted from the last, so
    other tests' "next round" stays untouched; each test its own) and return its round screen."""
    tab.sign_in(executive)
    round_id = round_ids(tab, executive)[-pick]
    tab.goto(f"/rounds/{round_id}/briefing")
    tab.page.get_by_role("button", name="Start round").click()
    confirm = tab.page.get_by_role("button", name=re.compile("^Start", re.I))
    tab.page.wait_for_load_state()
    if "/run" not in tab.page.url and confirm.count():
        confirm.first.click()  # a round not scheduled for today may ask to confirm
    tab.page.wait_for_url(re.compile(r"/run$"))
    return f"/rounds/{round_id}/run"


def expire_session(email: str) -> None:
    """The tablet slept past the idle timeout: the server's session for `email` has ended."""
    with sqlite3.connect(LIVE["db"], timeout=10) as conn:
        conn.execute(
            "UPDATE web_session SET last_seen_at = '2000-01-01 00:00:00+00:00' "
            "WHERE person = (SELECT id FROM person WHERE email = ?)",
            (email,),
        )


def add(tab, text: str, raised_by: str = "RN, nights") -> None:
    tab.page.get_by_label(BOX).fill(text)
    tab.page.get_by_label("Raised by (a role, not a name)").fill(raised_by)
    tab.page.get_by_role("button", name="Add", exact=True).click()


def heard_texts(tab) -> list[str]:
    return tab.page.locator("#heard .heard__text").all_inner_texts()


def outbox(tab, state: str | None = None):
    """The outbox items, or those in one state (the item's data-outbox-item attribute; a text
    filter on "Saved" would also match "Could not be saved")."""
    if state is None:
        return tab.page.locator("[data-outbox-item]")
    return tab.page.locator(f"[data-outbox-item='{state}']")


class _Problems(list):
    """Console problems, without the failed fetches these tests cause on purpose."""

    def append(self, text):
        if not any(noise in text for noise in EXPECTED_NOISE):
            super().append(text)


def quiet(tab) -> None:
    tab.problems = _Problems(p for p in tab.problems if not any(n in p for n in EXPECTED_NOISE))


def test_offline_capture_then_online_all_on_the_log_once(tab_factory):
    tab = tab_factory("landscape")
    run = start_round(tab, "coo@example.org", 1)
    before = len(heard_texts(tab))
    tab.page.context.set_offline(True)
    concerns = [f"Offline concern {n}: the hoist battery runs flat by noon" for n in (1, 2, 3)]
    for text in concerns:
        add(tab, text)
        expect(tab.page.get_by_label(BOX)).to_have_value("")
    expect(outbox(tab)).to_have_count(3)
    for item in outbox(tab).all():
        expect(item).to_contain_text("Waiting for the network")
    assert len(heard_texts(tab)) == before
    tab.page.context.set_offline(False)
    expect(outbox(tab, "saved")).to_have_count(3, timeout=15000)
    expect(tab.page.locator("#heard-h")).to_have_text(f"Heard so far ({before + 3})")
    tab.goto(run)
    heard = heard_texts(tab)
    for text in concerns:
        assert heard.count(text) == 1, heard
    expect(outbox(tab)).to_have_count(0)
    quiet(tab)
    tab.assert_clean("round after the outbox emptied")


def test_reload_while_offline_loses_nothing(tab_factory):
    tab = tab_factory("portrait")
    run = start_round(tab, "coo@example.org", 2)
    tab.page.context.set_offline(True)
    add(tab, "Reload test: the sharps bin in the med room is always full")
    add(tab, "Reload test: nobody restocks the crash cart after a code")
    tab.page.get_by_label(BOX).fill("Half-typed: the fridge alarm")
    # Leaving with unsent or half-typed text asks first.
    asked = []
    tab.page.once("dialog", lambda d: (asked.append(d.type), d.dismiss()))
    tab.page.get_by_role("link", name="Read back").click()
    tab.page.wait_for_timeout(300)
    assert asked == ["beforeunload"] and tab.page.url.endswith(run)
    # Reload anyway (accepting the question): offline it fails to Chromium's own error page.
    tab.page.on("dialog", lambda d: d.accept())
    try:
        tab.page.reload(timeout=5000)
    except Exception:
        pass
    tab.page.context.set_offline(False)
    tab.goto(run)  # back online: the page load sends what waited
    # (Chromium's error page may reload by itself once online; either way each goes once.)
    heard_section = tab.page.locator("#heard")
    expect(heard_section).to_contain_text("Reload test: the sharps bin", timeout=15000)
    expect(heard_section).to_contain_text("Reload test: nobody restocks", timeout=15000)
    expect(outbox(tab).filter(has_text="Waiting")).to_have_count(0)
    heard = heard_texts(tab)
    assert heard.count("Reload test: the sharps bin in the med room is always full") == 1
    assert heard.count("Reload test: nobody restocks the crash cart after a code") == 1
    expect(tab.page.get_by_label(BOX)).to_have_value("Half-typed: the fridge alarm")
    tab.goto(run)
    assert len(heard_texts(tab)) == len(heard)  # nothing sent twice


def test_session_ended_during_capture_sign_in_sends_it_and_returns(tab_factory):
    tab = tab_factory("landscape")
    run = start_round(tab, "coo@example.org", 3)
    expire_session("coo@example.org")
    text = "Expired session: the bed scale reads 2 kg heavy"
    add(tab, text)
    item = outbox(tab).first
    expect(item).to_contain_text("Signed out – sign in to send")
    assert text not in heard_texts(tab)
    # any other save on the page says so too, and keeps what was typed
    tab.page.get_by_label("Their roles").fill("2 RNs")
    tab.page.get_by_role("button", name="One more staff").click()
    expect(tab.page.locator("#signed-out-note")).to_contain_text("Signed out")
    expect(tab.page.get_by_label("Their roles")).to_have_value("2 RNs")
    asked = []
    tab.page.on("dialog", lambda d: (asked.append(d.type), d.accept()))
    item.get_by_role("link", name="Sign in to send").click()
    tab.page.wait_for_url(re.compile(r"/login\?next="))
    tab.page.get_by_label("Email").fill("coo@example.org")
    tab.page.get_by_label("Password").fill("demo-password-for-tests")
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.wait_for_url(re.compile(re.escape(run) + "$"))
    expect(outbox(tab, "saved")).to_have_count(1, timeout=15000)
    assert heard_texts(tab).count(text) == 1
    assert asked == []  # going to sign in to send is not "leaving with unsent text"
    tab.goto(run)
    assert heard_texts(tab).count(text) == 1
    quiet(tab)
    tab.assert_clean("round after sending post sign-in")


def test_idle_sign_out_keeps_the_draft_for_the_same_person(tab_factory):
    tab = tab_factory("phone")
    tab.page.clock.install()
    run = start_round(tab, "cmo@example.org", 1)
    tab.page.get_by_label(BOX).fill("Idle draft: the transport lift is out again")
    expire_session("cmo@example.org")
    tab.page.clock.run_for(15 * 60 * 1000 + 2000)
    tab.page.wait_for_url(re.compile(r"/login\?next="))
    tab.page.get_by_label("Email").fill("cmo@example.org")
    tab.page.get_by_label("Password").fill("demo-password-for-tests")
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.wait_for_url(re.compile(re.escape(run) + "$"))
    expect(tab.page.get_by_label(BOX)).to_have_value("Idle draft: the transport lift is out again")


def test_another_person_never_sees_or_sends_them(tab_factory):
    tab = tab_factory("landscape")
    run = start_round(tab, "coo@example.org", 4)
    tab.page.context.set_offline(True)
    text = "Shared tablet: only the first person may send this"
    add(tab, text)
    expect(outbox(tab)).to_have_count(1)
    expire_session("coo@example.org")
    tab.page.context.set_offline(False)
    expect(outbox(tab).first).to_contain_text("Signed out", timeout=15000)
    # The unit champion picks up the tablet and signs in.
    sent = []
    tab.page.on(
        "request",
        lambda r: sent.append(r.url) if r.method == "POST" and "/run/capture" in r.url else None,
    )
    tab.sign_in("champion4@example.org")
    tab.goto(run)
    tab.page.wait_for_timeout(1500)
    expect(outbox(tab)).to_have_count(0)
    assert text not in tab.page.locator("main").inner_text()
    assert sent == []
    # The first person signs in again: their concern goes, once.
    tab.page.get_by_role("button", name="Sign out").click()
    tab.page.wait_for_url(re.compile(r"/login"))
    tab.sign_in("coo@example.org")
    tab.goto(run)
    expect(outbox(tab, "saved")).to_have_count(1, timeout=15000)
    assert heard_texts(tab).count(text) == 1 and len(sent) == 1


def test_manual_sign_out_asks_what_to_do_with_unsent_items(tab_factory):
    tab = tab_factory("portrait")
    run = start_round(tab, "cmo@example.org", 2)
    tab.page.route("**/run/capture", lambda route: route.abort())  # the server is unreachable
    add(tab, "Sign-out test: send this one")
    expect(outbox(tab).first).to_contain_text("Waiting for the network")
    # Elsewhere in the app the person is told, with the way back.
    tab.page.on("dialog", lambda d: d.accept())  # "leave with unsent items?" - yes
    tab.goto("/")
    note = tab.page.locator("#outbox-elsewhere")
    expect(note).to_contain_text("1 concern is not on the log yet")
    note.get_by_role("link").click()
    tab.page.wait_for_url(re.compile(re.escape(run) + "$"))
    expect(outbox(tab).first).to_contain_text("Waiting for the network")
    tab.goto("/")  # signing out from another page: "Send now" sends from there too
    tab.page.get_by_role("button", name="Sign out").click()
    dialog = tab.page.locator("#outbox-signout")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("1 concern is not on the tracking log yet")
    tab.shot("outbox-signout-portrait")
    dialog.get_by_role("button", name="Send now, then sign out").click()
    expect(dialog).to_contain_text("Not everything could be sent", timeout=15000)
    assert "/login" not in tab.page.url
    tab.page.unroute("**/run/capture")
    dialog.get_by_role("button", name="Send now, then sign out").click()
    tab.page.wait_for_url(re.compile(r"/login"), timeout=15000)
    tab.sign_in("cmo@example.org")
    tab.goto(run)
    assert heard_texts(tab).count("Sign-out test: send this one") == 1
    # Discard: gone for good, never sent.
    tab.page.route("**/run/capture", lambda route: route.abort())
    add(tab, "Sign-out test: discard this one")
    expect(outbox(tab)).to_have_count(1)
    tab.page.get_by_role("button", name="Sign out").click()
    dialog.get_by_role("button", name="Discard them and sign out").click()
    tab.page.wait_for_url(re.compile(r"/login"))
    tab.page.unroute("**/run/capture")
    tab.sign_in("cmo@example.org")
    tab.goto(run)
    tab.page.wait_for_timeout(1000)
    expect(outbox(tab)).to_have_count(0)
    assert "Sign-out test: discard this one" not in heard_texts(tab)


def test_refused_concern_comes_back_into_the_box_with_the_reason(tab_factory):
    tab = tab_factory("landscape")
    start_round(tab, "cmo@example.org", 3)
    text = "MRN 12345678 fell twice on the way to the bathroom"
    add(tab, text)
    expect(tab.page.get_by_label(BOX)).to_have_value(text, timeout=15000)
    item = outbox(tab).first
    expect(item).to_contain_text("Could not be saved")
    # the server's reason, next to the box as without JavaScript
    message = tab.page.locator("#description-error")
    expect(message).to_be_visible()
    assert "record number" in message.inner_text().lower(), message.inner_text()
    assert text not in heard_texts(tab)
    tab.shot("outbox-refused-landscape")
    tab.assert_clean("round with a refused concern")
    # edited and added again: saved, and the error is gone
    tab.page.get_by_label(BOX).fill("A resident fell twice on the way to the bathroom")
    tab.page.get_by_role("button", name="Add", exact=True).click()
    expect(outbox(tab, "saved")).to_have_count(1, timeout=15000)
    expect(message).to_have_count(0)


def test_quick_capture_offline_then_online(tab_factory):
    tab = tab_factory("phone")
    tab.sign_in("member@example.org")
    tab.goto("/")
    unit = tab.page.locator("a[href^='/units/']").evaluate_all(
        "els => els.map(e => e.getAttribute('href')).filter(h => /^\\/units\\/\\d+$/.test(h))"
    )[0]
    tab.goto(unit + "/issues/new")
    tab.page.context.set_offline(True)
    text = "Quick capture offline: the hand gel by bay 3 is empty"
    tab.page.get_by_label("What did staff say?").fill(text)
    tab.page.get_by_role("button", name="Add to the log").click()
    expect(outbox(tab).first).to_contain_text("Waiting for the network")
    tab.page.context.set_offline(False)
    expect(outbox(tab, "saved")).to_have_count(1, timeout=15000)
    expect(tab.page.locator("#recent")).to_contain_text(text)
    tab.page.reload()
    assert tab.page.locator("#recent").inner_text().count(text) == 1


def test_round_without_javascript_still_works(browser, live_server):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1024, "height": 768}
    )
    try:
        from tests.browser.conftest import Tab

        tab = Tab(context.new_page(), live_server)
        tab.sign_in("executive@example.org")
        # the round test flows start 4 West's and L&D's next rounds; the last listed is free
        round_id = round_ids(tab, "executive@example.org")[-1]
        tab.goto(f"/rounds/{round_id}/briefing")
        tab.page.get_by_role("button", name="Start round").click()
        tab.page.wait_for_load_state()
        if "/run" not in tab.page.url:
            tab.page.get_by_role("button", name=re.compile("^Start", re.I)).first.click()
        tab.page.wait_for_url(re.compile(r"/run"))
        text = "No JavaScript: the pager for the charge nurse is broken"
        tab.page.get_by_label(BOX).fill(text)
        tab.page.get_by_role("button", name="Add", exact=True).click()
        tab.page.wait_for_load_state()
        assert heard_texts(tab).count(text) == 1
        assert tab.page.locator("[data-outbox-item]").count() == 0
    finally:
        context.close()


def test_outbox_states_at_three_sizes(tab_factory):
    first = tab_factory("landscape")
    run = start_round(first, "cmo@example.org", 4)
    for size in ("landscape", "portrait", "phone"):
        tab = first if size == "landscape" else tab_factory(size)
        if tab is not first:
            tab.sign_in("cmo@example.org")
            tab.goto(run)
        tab.page.route("**/run/capture", lambda route: route.abort())
        add(tab, f"Screens {size}: MRN 12345678 waited two hours for a porter")
        add(tab, f"Screens {size}: the porter pager number on the board is wrong")
        tab.page.get_by_label(BOX).fill("Half-typed: the night ")
        tab.page.unroute("**/run/capture")
        tab.page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(outbox(tab, "saved")).to_have_count(1, timeout=15000)
        failed = outbox(tab).filter(has_text="Could not be saved")
        expect(failed).to_have_count(1)
        assert "record number" in failed.inner_text().lower()
        tab.page.route("**/run/capture", lambda route: route.abort())
        add(tab, f"Screens {size}: the blanket warmer is broken again")
        expect(outbox(tab).filter(has_text="Waiting for the network")).to_have_count(1)
        tab.shot(f"outbox-round-{size}")
        quiet(tab)
        tab.assert_clean(f"round with queued and refused concerns {size}")
        assert tab.small_targets() == []
        # Edit puts the refused text back once the box is free
        tab.page.get_by_label(BOX).fill("Half-typed: the night ")
        failed.get_by_role("button", name="Edit").click()
        expect(tab.page.locator("[data-outbox-message]")).to_contain_text("Add or clear")
        tab.page.get_by_label(BOX).fill("")
        failed.get_by_role("button", name="Edit").click()
        expect(tab.page.get_by_label(BOX)).to_have_value(
            f"Screens {size}: MRN 12345678 waited two hours for a porter"
        )
        tab.page.unroute("**/run/capture")
