"""Barrier ids in unit B for the access matrix (tests/test_access.py)."""

from tests.barriers.helpers import make_barrier
from tests.test_access import register


@register("barrier_id")
async def _barrier(world):
    return await make_barrier(world, unit="b")
