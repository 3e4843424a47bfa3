"""Issue #11 case 3 for unit measures: two people correcting one month's figures keep both
corrections; a figure both changed shows both numbers and the person chooses (the issue page's
merge choice); saving the choice twice reverts nothing."""

from html import unescape

from rounds.core import clock
from rounds.core.clock import local_today
from rounds.rounding import rules
from rounds.rounding.tables import UnitMeasure
from tests.conftest import post_form
from tests.trust.forms import form_fields


async def test_two_people_correcting_one_month_keep_both(client, make_client, world, login):
    month = rules.previous_month(local_today())
    await UnitMeasure.insert(
        UnitMeasure(
            unit=world.unit_a,
            month=month,
            patient_days=900,
            falls=2,
            entered_at=clock.now(),
            version=1,
        )
    )
    path = f"/units/{world.unit_a}/measures"
    edit = f"{path}?month={month:%Y-%m}"
    async with make_client() as other:
        await login(client, "champion")
        await login(other, "executive")
        a = form_fields((await client.get(edit)).text, path)
        b = form_fields((await other.get(edit)).text, path)
        assert a["falls"] == "2" and a["base_falls"] == "2"
        assert (await post_form(client, path, {**a, "falls": "3"})).status_code == 303
        for _ in range(2):  # B's older page, saved twice
            saved = await post_form(other, path, {**b, "patient_days": "950"})
            assert saved.status_code == 303
        row = await UnitMeasure.select().where(UnitMeasure.unit == world.unit_a).first()
        assert (row["falls"], row["patient_days"]) == (3, 950)
        # both change falls: B sees 3 (saved) and 4 (theirs) and keeps the rest of their edit
        clash = await post_form(other, path, {**b, "falls": "4", "staff_injuries": "1"})
        html = unescape(clash.text)
        assert clash.status_code == 200 and "both changed 1 figure" in html
        assert 'Keep the saved value: <strong class="merge-choice__value">3</strong>' in html
        assert 'Use yours: <strong class="merge-choice__value">4</strong>' in html
        choice = form_fields(clash.text, path)
        assert (choice["falls"], choice["staff_injuries"], choice["patient_days"]) == (
            "4",
            "1",
            "950",
        )
        row = await UnitMeasure.select().where(UnitMeasure.unit == world.unit_a).first()
        assert (row["falls"], row["staff_injuries"]) == (3, 0)  # nothing saved before choosing
        # no choice made: asked again, nothing lost
        again = await post_form(other, path, choice)
        assert again.status_code == 200 and "choose which value to keep" in unescape(again.text)
        for _ in range(2):  # keep the saved value, pressed twice
            kept = await post_form(other, path, {**choice, "keep_falls": "theirs"})
            assert kept.status_code == 303
        # A presses Save again on the page opened at the start: nothing of B's is reverted
        assert (await post_form(client, path, {**a, "falls": "3"})).status_code == 303
    row = await UnitMeasure.select().where(UnitMeasure.unit == world.unit_a).first()
    assert (row["falls"], row["staff_injuries"], row["patient_days"]) == (3, 1, 950)
