"""The demo's concerns from staff and families: waiting, on the log, declined; a campaign."""

from __future__ import annotations

from rounds import demo
from rounds.core.identifiers import find_identifiers
from rounds.issues.tables import SafetyIssue
from rounds.voice.tables import Campaign, Concern
from tests.conftest import sign_in


async def test_demo_concerns_and_campaign(client, engine):
    assert await demo.load("demo-password-for-tests") is True
    concerns = await Concern.select()
    assert sorted(c["status"] for c in concerns) == ["accepted", "declined", "waiting", "waiting"]
    accepted = next(c for c in concerns if c["status"] == "accepted")
    issue = await SafetyIssue.select().where(SafetyIssue.id == accepted["issue"]).first()
    assert issue["source"] == "before_round" and issue["unit"] == accepted["unit"]
    assert await Campaign.count() == 1
    for c in concerns:
        assert not find_identifiers(c["harm"] + " " + c["prevent"] + " " + c["decline_reason"])
    await sign_in(client, "champion3@example.org", "demo-password-for-tests")
    home = (await client.get("/")).text
    assert 'class="voice-count">2<' in home
    reference = await client.get(f"/c/{accepted['code']}")
    assert reference.status_code == 200 and "list of safety issues" in reference.text
