"""`rounds demo --scale`: the large benchmark data set (built by the tracking-log work)."""


async def build_scale(units: int, issues: int) -> None:
    raise SystemExit("The scale generator is not built yet.")
