"""Concerns from staff and families in Chromium: the champion prints the staff notice for the
next round, a phone scans its QR code (decoded with zbarimg) and sends a concern without
signing in, the champion triages it into the log, and the sender reads what happened. The phone
pages (390x844) and the champion's pages are axe (WCAG 2.2 AA) clean; revoking the link stops it."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SHOTS, hospital_today

UNIT = "3 East Cardiac Step-Down"
CHAMPION = "champion4@example.org"
CONCERN = "Telemetry alarms on the far corridor are missed when the desk is empty at night."


def decode_qr(png: str) -> str:
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        pytest.fail("zbarimg (Debian zbar-tools) is needed to decode the QR code")
    out = subprocess.run(
        [zbarimg, "--raw", "-q", png], capture_output=True, text=True, timeout=30, check=True
    )
    return out.stdout.strip()


def test_notice_scan_send_triage_and_read_back(tab_factory, live_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    champ = tab_factory("landscape")
    champ.sign_in(CHAMPION)
    champ.goto("/rounds")
    champ.page.locator("a.row__link", has_text=UNIT).first.click()
    champ.page.wait_for_url(re.compile(r"/rounds/\d+$"))
    round_id = int(champ.page.url.rsplit("/", 1)[1])
    champ.page.get_by_role("link", name="Staff notice with QR code").click()
    champ.page.wait_for_url(re.compile(rf"/rounds/{round_id}/notice$"))
    champ.page.get_by_role("button", name="Make the link and the notice").click()
    champ.page.wait_for_url(re.compile(rf"/rounds/{round_id}/notice$"))
    expect(champ.page.locator(".voice-sheet__qr svg")).to_be_visible()
    champ.assert_clean("staff notice")
    champ.shot("voice-notice-landscape")

    # the printed notice, Letter and A4, one sheet each
    for paper in ("Letter", "A4"):
        pdf = champ.page.pdf(format=paper, print_background=True)
        (SHOTS / f"voice-notice-{paper.lower()}.pdf").write_bytes(pdf)
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, paper

    # the QR code, as printed, decodes to the form's link for this round
    shown = champ.page.locator(".voice-sheet__url").inner_text().strip()
    qr_png = str(SHOTS / "voice-notice-qr.png")
    champ.page.locator(".voice-sheet__qr svg").screenshot(path=qr_png)
    scanned = decode_qr(qr_png)
    assert scanned == shown and scanned.startswith(f"{live_server}/s/")
    assert scanned.endswith(f"?round={round_id}")
    plain = champ.page.get_by_label("Notice as plain text").input_value()
    assert scanned in plain and "systems, not to blame" in plain

    # a phone scans it: no sign-in
    phone = tab_factory("phone")
    phone.page.goto(scanned)
    expect(phone.page.get_by_role("heading", name=re.compile("Help make .* safer"))).to_be_visible()
    phone.assert_clean("phone form")
    assert phone.small_targets() == []
    phone.page.get_by_role("button", name="Send").click()
    expect(phone.page.locator("#harm-error")).to_be_visible()
    phone.assert_clean("phone form with a problem")
    phone.page.get_by_label("How do you think the next patient").fill(CONCERN)
    phone.page.get_by_label("What can we do to prevent").fill("A wireless pager for the alarms.")
    phone.page.get_by_label("Your role").fill("RN, nights")
    assert phone.page.locator(f'input[name=round][value="{round_id}"]').is_checked()
    phone.shot("voice-form-phone")
    phone.page.get_by_role("button", name="Send").click()
    phone.page.wait_for_url(re.compile(r"/c/[0-9A-Z]{3}-[0-9A-Z]{3}\?sent=1$"))
    code = re.search(r"/c/([0-9A-Z-]{7})", phone.page.url).group(1)
    expect(phone.page.get_by_text("has not looked at it yet")).to_be_visible()
    phone.assert_clean("phone reference page, just sent")
    phone.shot("voice-sent-phone")
    cookies = {c["name"] for c in phone.page.context.cookies()}
    assert cookies <= {"rounds_csrf"}, cookies

    # the champion triages it into the log
    champ.goto("/")
    panel = champ.page.locator(
        "section", has=champ.page.get_by_role("heading", name="Concerns from staff and families")
    )
    expect(panel).to_contain_text("waiting for triage")
    champ.assert_clean("home with concerns waiting")
    panel.get_by_role("link", name=re.compile("Triage")).click()
    champ.page.wait_for_url(re.compile(r"/concerns$"))
    champ.page.get_by_role("link", name=re.compile("Telemetry alarms")).first.click()
    champ.page.wait_for_url(re.compile(r"/concerns/\d+$"))
    expect(champ.page.get_by_label("Source")).to_have_value("before_round")
    champ.assert_clean("triage")
    champ.shot("voice-triage-landscape")
    champ.page.get_by_role("button", name="Put it on the log").click()
    champ.page.wait_for_url(re.compile(r"/issues/\d+$"))
    expect(champ.page.get_by_text(CONCERN).first).to_be_visible()
    issue_url = champ.page.url

    # the team fixes it and tells staff, on the issue page
    champ.page.get_by_role("heading", name="Edit details").click()
    champ.page.get_by_label("Staff told on").fill(hospital_today().isoformat())
    champ.page.get_by_label("How staff were told").select_option("huddle")
    champ.page.get_by_label("What staff were told").fill(
        "You said alarms were missed; the alarms now also ring on the charge nurse's pager."
    )
    champ.page.get_by_label("Outcome in plain words").fill("Alarms forwarded to a pager.")
    champ.page.get_by_role("button", name="Save changes").click()
    # saved, not only kept in the form (a refused save keeps the typed text too)
    expect(champ.page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    champ.page.goto(issue_url)
    champ.page.locator("summary", has_text="Other status changes").click()
    champ.page.get_by_label("Move to").select_option("resolved")
    champ.page.get_by_role("button", name="Change status").click()
    expect(champ.page.get_by_role("status").filter(has_text="Status changed")).to_be_visible()

    # the sender comes back later with the code
    phone.page.goto(f"{live_server}/c")
    phone.page.get_by_label("Your reference code").fill(code.lower().replace("-", ""))
    phone.page.get_by_role("button", name="Look up").click()
    phone.page.wait_for_url(re.compile(rf"/c/{code}$"))
    expect(phone.page.get_by_text("It is on the unit's list of safety issues.")).to_be_visible()
    expect(phone.page.locator(".voice-light")).to_contain_text("Done")
    expect(phone.page.get_by_text("Alarms forwarded to a pager.")).to_be_visible()
    expect(phone.page.get_by_text("now also ring on the charge nurse's pager")).to_be_visible()
    phone.assert_clean("phone reference page, accepted")
    phone.shot("voice-reference-phone")

    # the champion switches the staff link off: the scanned link is a plain 404 now
    champ.goto(f"/rounds/{round_id}")
    unit_id = re.search(r'href="/units/(\d+)/rounds"', champ.page.content()).group(1)
    champ.goto(f"/units/{unit_id}/concerns")
    champ.assert_clean("unit concerns page")
    champ.page.get_by_role("button", name="Switch this link off (Staff)").click()
    expect(champ.page.get_by_role("status")).to_contain_text("switched off")
    response = phone.page.goto(scanned)
    assert response.status == 404


def test_family_poster_and_spanish_form_on_a_phone(tab_factory, live_server):
    champ = tab_factory("landscape")
    champ.sign_in("champion6@example.org")
    champ.goto("/concerns")
    champ.assert_clean("inbox")
    unit_id = None
    champ.goto("/")
    for a in champ.page.locator("a[href^='/units/']").all():
        match = re.fullmatch(r"/units/(\d+)", a.get_attribute("href") or "")
        if match:
            unit_id = match.group(1)
            break
    assert unit_id
    champ.goto(f"/units/{unit_id}/concerns")
    champ.page.get_by_role("button", name="Make a link (Patients and families)").click()
    champ.page.get_by_role("link", name="Poster in Spanish").click()
    champ.page.wait_for_url(re.compile(r"poster\?audience=family&lang=es$"))
    expect(champ.page.locator(".voice-sheet__qr svg")).to_be_visible()
    champ.assert_clean("Spanish poster")
    champ.shot("voice-poster-es")
    (SHOTS / "voice-poster-es-a4.pdf").write_bytes(
        champ.page.pdf(format="A4", print_background=True)
    )
    url = champ.page.locator(".voice-sheet__url").inner_text().strip()
    qr_png = str(SHOTS / "voice-poster-qr.png")
    champ.page.locator(".voice-sheet__qr svg").screenshot(path=qr_png)
    assert decode_qr(qr_png) == url and url.endswith("?lang=es")

    phone = tab_factory("phone")
    phone.page.goto(url)
    expect(
        phone.page.get_by_role("heading", name="Cuéntenos una preocupación de seguridad")
    ).to_be_visible()
    phone.assert_clean("Spanish family form")
    phone.page.get_by_label("¿Qué le preocupa sobre la seguridad aquí?").fill(
        "El timbre para llamar a la enfermera no suena por la noche."
    )
    phone.page.get_by_role("button", name="Enviar").click()
    phone.page.wait_for_url(re.compile(r"/c/[0-9A-Z-]{7}\?sent=1$"))
    expect(phone.page.get_by_text("Guarde este código.")).to_be_visible()
    phone.assert_clean("Spanish reference page")
    phone.shot("voice-sent-es-phone")


@pytest.mark.parametrize("size", ["landscape", "portrait", "phone"])
def test_champion_pages_at_every_size(tab_factory, size):
    """The Emergency Department's demo concerns: inbox, triage, the unit's page, the board report."""
    champ = tab_factory(size)
    champ.sign_in("champion3@example.org")
    champ.goto("/concerns")
    expect(champ.page.get_by_role("heading", name=re.compile("Waiting for you: 2"))).to_be_visible()
    pages = ["/concerns"]
    first = champ.page.locator("a[href^='/concerns/']").first.get_attribute("href")
    pages.append(first)
    champ.goto(first)
    unit_path = re.search(r'href="(/units/\d+/concerns)"', champ.page.content()).group(1)
    pages += [unit_path]
    for path in pages:
        champ.goto(path)
        champ.assert_clean(f"{path} {size}")
        assert champ.small_targets() == [], (path, size)
        name = re.sub(r"\d+", "N", path).replace("/", "-")
        champ.shot(f"voice{name}-{size}")
    expect(champ.page.get_by_text(re.compile(r"\d+% participation"))).to_be_visible()
