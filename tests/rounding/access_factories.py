"""Objects in unit B for the access matrix (tests/test_access.py)."""

from datetime import timedelta

from rounds.core import clock
from rounds.rounding.tables import RoundSeries, SafetyRound
from tests.test_access import register


@register("round_id")
async def _round(world):
    row = await SafetyRound.insert(
        SafetyRound(
            unit=world.unit_b,
            scheduled_at=clock.now() + timedelta(days=3),
            executive=None,
            champion=world.people["outsider"],
            status="scheduled",
            created_at=clock.now(),
            version=1,
        )
    ).returning(SafetyRound.id)
    return row[0]["id"]


@register("series_id")
async def _series(world):
    row = await RoundSeries.insert(
        RoundSeries(
            unit=world.unit_b,
            every_weeks=4,
            first_at=clock.now() + timedelta(days=3),
            champion=world.people["outsider"],
            created_at=clock.now(),
        )
    ).returning(RoundSeries.id)
    return row[0]["id"]
