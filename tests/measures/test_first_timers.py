"""The round screen's second stepper: staff taking part for the first time in 12 months."""

from rounds.rounding.tables import SafetyRound
from tests.conftest import form_error, post_form
from tests.rounding.helpers import make_round


async def _counts(round_id):
    row = await SafetyRound.select().where(SafetyRound.id == round_id).first()
    return row["staff_count"], row["first_timers"]


async def test_first_timers_stepper_stays_within_the_staff_count(client, world, login):
    round_id = await make_round(world, days=0, status="in_progress")
    await login(client, "member")  # a team member often scribes
    url = f"/rounds/{round_id}/run/staff"
    page = (await client.get(f"/rounds/{round_id}/run")).text
    assert "First time in 12 months" in page and "staff reach counts different people" in page
    for _ in range(3):
        await post_form(client, url, {"step": "1"}, htmx=True)
    for _ in range(4):  # the fourth would be more first-timers than staff
        r = await post_form(client, url, {"first_step": "1"}, htmx=True)
    assert await _counts(round_id) == (3, 3)
    assert "data-first-timers>3<" in r.text
    await post_form(client, url, {"first_step": "-1"}, htmx=True)
    assert await _counts(round_id) == (3, 2)
    wrong = await post_form(
        client, url, {"staff_count": "2", "first_timers": "5", "staff_roles": "RNs"}, htmx=True
    )
    assert wrong.status_code == 200
    assert "at most 2" in form_error(wrong.text, "first_timers")
    assert 'value="5"' in wrong.text  # what was typed is kept
    assert await _counts(round_id) == (3, 2)
    await post_form(client, url, {"staff_count": "6", "first_timers": "4", "staff_roles": "RNs"})
    assert await _counts(round_id) == (6, 4)
    for _ in range(3):  # fewer staff: first-timers follow them down
        await post_form(client, url, {"step": "-1"}, htmx=True)
    assert await _counts(round_id) == (3, 3)
