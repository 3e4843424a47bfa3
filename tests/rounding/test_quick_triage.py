"""Quick triage at "Finish round": each concern rated harm, likelihood and ease with one tap
each, so its priority and "easy win" show up on the log the same day."""

from rounds.issues.tables import SafetyIssue
from tests.conftest import form_error, post_form
from tests.rounding.helpers import make_issue, make_round


async def test_finish_round_rates_each_concern_in_taps(client, world, login):
    round_id = await make_round(world, days=0, status="in_progress")
    rated = await make_issue(world, "Spill kit missing from the pod", round_id=round_id)
    later = await make_issue(world, "Night lighting too dim at the desk", round_id=round_id)
    await login(client, "executive")
    url = f"/rounds/{round_id}/finish"
    page = (await client.get(url)).text
    for name, value in (("harm", "moderate"), ("likelihood", "likely"), ("ease", "easy")):
        assert f'<input type="radio" name="{name}_{rated}" value="{value}">' in page
    # a value that is not on the list is refused in place, with the other taps kept
    bad = await post_form(
        client,
        url,
        {"version": "1", f"harm_{rated}": "catastrophic", f"ease_{rated}": "easy"},
    )
    assert bad.status_code == 200 and form_error(bad.text, f"harm_{rated}")
    assert f'name="ease_{rated}" value="easy" checked' in bad.text
    assert (await SafetyIssue.select().where(SafetyIssue.id == rated).first())["harm"] == ""
    done = await post_form(
        client,
        url,
        {
            "version": "1",
            f"harm_{rated}": "moderate",
            f"likelihood_{rated}": "likely",
            f"ease_{rated}": "easy",
            "debrief_notes": "",
        },
    )
    assert done.status_code == 303, done.text[-2000:]
    issue = await SafetyIssue.select().where(SafetyIssue.id == rated).first()
    assert (issue["harm"], issue["likelihood"], issue["ease"]) == ("moderate", "likely", "easy")
    assert issue["priority"] == 2  # 2 x 3 = 6: medium
    untouched = await SafetyIssue.select().where(SafetyIssue.id == later).first()
    assert untouched["harm"] == "" and untouched["priority"] == 0  # not rated: left for the team
    # the same day, on the log's "Easy wins"
    log = (await client.get("/issues?easy=1")).text
    assert "Spill kit missing from the pod" in log and "Night lighting" not in log
