"""The identifier screen as staff meet it: the refusal names and highlights the part that looks
like an identifier, says how to put it instead, keeps the typed text, and "Raised by" refuses a
name while offering the unit's roles. Axe clean at tablet and phone sizes."""

import pytest


@pytest.mark.parametrize("size", ["landscape", "portrait", "phone"])
def test_refusal_highlights_the_identifier_and_keeps_the_text(tab_factory, size):
    tab = tab_factory(size)
    tab.sign_in("champion@example.org")
    tab.goto("/units/1/issues/new")
    typed = "the patient in bed 4 fell, MRN: #4829153"
    tab.page.get_by_label("What did staff say?").fill(typed)
    tab.page.get_by_label("Raised by (a role, not a name)").fill("Sarah Jones, RN nights")
    tab.page.get_by_role("button", name="Add to the log").click()
    marks = tab.page.locator("mark.identifier")
    marks.first.wait_for()
    shown = [m.inner_text() for m in marks.all()]
    assert "the patient in bed 4" in shown and "MRN: #4829153" in shown
    assert "Sarah Jones" in shown
    error = tab.page.locator("#description-error").inner_text()
    assert "say “a patient”" in error and "for example “a patient fell”" in error.lower()
    roles = tab.page.locator("#raised_by-error").inner_text()
    assert "Give a role, not a name" in roles and "Roles already used on this unit" in roles
    # nothing typed is lost
    assert tab.page.get_by_label("What did staff say?").input_value() == typed
    assert (
        tab.page.get_by_label("Raised by (a role, not a name)").input_value()
        == "Sarah Jones, RN nights"
    )
    tab.assert_clean(f"identifier refusal {size}")
    tab.shot(f"identifier-refusal-{size}")
