"""Concerns, campaigns, links and reference codes in unit B, for tests/test_access.py and the
hostile-input suites (public routes get a real token and code, so their forms are exercised)."""

from datetime import timedelta

from rounds.core import clock
from rounds.voice.tables import Campaign
from tests.test_access import register
from tests.voice.helpers import sent_concern, unit_link


@register("concern_id")
async def _concern(world):
    concern_id, _code = await sent_concern(world, world.unit_b)
    return concern_id


@register("code")
async def _code(world):
    _id, code = await sent_concern(
        world, world.unit_b, "Hand gel dispensers by the lifts are empty most evenings."
    )
    return code


@register("unit_token")
async def _unit_token(world):
    return await unit_link(world, world.unit_b)


@register("campaign_id")
async def _campaign(world):
    today = clock.today()
    row = (
        await Campaign.insert(
            Campaign(
                unit=world.unit_b,
                opens_on=today,
                closes_on=today + timedelta(days=14),
                created_at=clock.now(),
            )
        ).returning(Campaign.id)
    )[0]
    return row["id"]
