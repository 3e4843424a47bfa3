"""Two-step sign-in end to end in Chromium: an admin adds a person, who sets their password,
scans the QR code (decoded here by zbarimg, as a phone would), turns two-step sign-in on, signs
in with a code and with a recovery code; the admin resets it. Screens at three sizes, axe-clean."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import uuid

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SHOTS

CODE_PAGE = re.compile(r"/login/code(\?|$)")


def _new_person(tab_factory) -> tuple[str, str]:
    admin = tab_factory("landscape")
    admin.sign_in("admin@example.org")
    email = f"two-step-{uuid.uuid4().hex[:6]}@example.org"
    admin.goto("/admin/people/new")
    admin.page.get_by_label("Name").fill("Tess Twostep")
    admin.page.get_by_label("Email").fill(email)
    admin.page.get_by_role("button", name="Save person").click()
    admin.page.wait_for_load_state()
    temporary = re.search(r"<strong>([\w-]{12,})</strong>", admin.page.content()).group(1)
    return email, temporary


def _code_for(secret: str) -> str:
    # The next 30-second step: accepted (a phone may run ahead) and never one used before.
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_two_step_sign_in_end_to_end(tab_factory):
    if not shutil.which("zbarimg"):
        pytest.fail("zbarimg (zbar-tools) is needed to read the QR code")
    email, temporary = _new_person(tab_factory)
    tab = tab_factory("landscape")
    tab.sign_in(email, temporary)
    new_password = "four long words for tess"
    tab.page.get_by_label("Current password").fill(temporary)
    tab.page.get_by_label("New password", exact=True).fill(new_password)
    tab.page.get_by_label("New password again").fill(new_password)
    tab.page.get_by_role("button", name="Change password").click()
    expect(tab.page).to_have_url(re.compile(r"/account/password\?done=1"))

    tab.goto("/account/two-step")
    tab.assert_clean("two-step set-up")
    assert tab.small_targets() == []
    tab.shot("two-step-setup-1024")
    secret = tab.page.locator("#totp-secret").inner_text()
    qr = SHOTS / "two-step-qr.png"
    tab.page.locator(".two-step__qr svg").screenshot(path=str(qr))
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", str(qr)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert decoded.startswith("otpauth://totp/") and f"secret={secret}" in decoded
    assert "issuer=Rounds" in decoded
    # the phone reads the QR code: its secret makes the code
    phone_secret = re.search(r"secret=([A-Z2-7]+)", decoded).group(1)
    used_step = int(time.time() + 30) // 30
    tab.page.get_by_label("Code from the app").fill(_code_for(phone_secret))
    tab.page.get_by_role("button", name="Turn on two-step sign-in").click()
    tab.page.wait_for_selector(".recovery-codes")
    codes = tab.page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    tab.assert_clean("recovery codes")
    tab.shot("two-step-codes-1024")
    tab.page.get_by_role("button", name="Sign out").click()
    expect(tab.page).to_have_url(re.compile(r"/login\?signed_out="))

    # next sign-in: password, then the code
    for size in ("phone", "portrait", "landscape"):
        device = tab_factory(size)
        device.page.goto(device.base + "/login")
        device.page.get_by_label("Email").fill(email)
        device.page.get_by_label("Password").fill(new_password)
        device.page.get_by_role("button", name="Sign in").click()
        expect(device.page).to_have_url(CODE_PAGE)
        device.assert_clean(f"code page {size}")
        assert device.small_targets() == []
        device.shot(f"two-step-code-{size}")
        if size == "landscape":
            device.page.get_by_label("Code").fill("000000")
            device.page.get_by_role("button", name="Continue").click()
            assert "not right" in device.page.get_by_role("alert").inner_text()
            device.page.get_by_label("Code").fill(codes[0])  # a recovery code
            device.page.get_by_role("button", name="Continue").click()
            device.page.wait_for_url(lambda url: "/login" not in url)
            assert "Sign out" in device.page.content()

    # the recovery code works once only; the authenticator's code works
    again = tab_factory("landscape")
    again.page.goto(again.base + "/login")
    again.page.get_by_label("Email").fill(email)
    again.page.get_by_label("Password").fill(new_password)
    again.page.get_by_role("button", name="Sign in").click()
    expect(again.page).to_have_url(CODE_PAGE)
    again.page.get_by_label("Code").fill(codes[0])
    again.page.get_by_role("button", name="Continue").click()
    assert "not right" in again.page.get_by_role("alert").inner_text()
    while int(time.time()) // 30 + 1 <= used_step:  # a code of a step not used yet
        time.sleep(1)
    again.page.get_by_label("Code").fill(pyotp.TOTP(secret).at((used_step + 1) * 30))
    again.page.get_by_role("button", name="Continue").click()
    again.page.wait_for_url(lambda url: "/login" not in url)
    again.goto("/account/two-step")
    assert "9 recovery codes left" in again.page.content()
