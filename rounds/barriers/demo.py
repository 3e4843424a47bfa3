"""Demo data for rounds.barriers (called by rounds.demo after the units and people exist)."""

from rounds.demo_context import DemoContext


async def seed(ctx: DemoContext) -> None:
    return None
