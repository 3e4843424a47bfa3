"""Piccolo's migrations forwards, every app, on a given engine. Above rounds.db and
rounds.piccolo_conf (Piccolo's configuration module, which imports rounds.db): the migration
runner finds its engine through that module, so this sets it there first.
"""

from __future__ import annotations

import contextlib
import io
import os

from piccolo.engine.base import Engine

from rounds import db


async def migrate(engine: Engine, *, quiet: bool = True) -> None:
    """Run every app's Piccolo migrations forwards on this engine (idempotent)."""
    os.environ["PICCOLO_CONF"] = "rounds.piccolo_conf"
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.apps.migrations.tables import Migration

    import rounds.piccolo_conf as conf

    db.bind(engine)
    conf.DB = engine
    Migration._meta.db = engine
    before = await _applied()
    out = io.StringIO()
    with contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
        result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"Migration failed: {result.message}\n{out.getvalue()}")
    if await _applied() != before and await db.raw("SELECT 1 FROM safety_issue LIMIT 1"):
        await refresh_planner_statistics()


async def _applied() -> int:
    try:
        return (await db.raw("SELECT COUNT(*) AS n FROM migration"))[0]["n"]
    except Exception:  # a new database: Piccolo makes the table on its first run
        return 0


async def refresh_planner_statistics() -> None:
    """After a migration adds indexes to a database that holds data: the query planner's
    statistics (SQLite's sqlite_stat1, PostgreSQL's pg_statistic) say nothing of a new index, and
    SQLite then guesses it very selective. Measured on the 1,000,000-issue data set after the
    home pages' indexes were added: a leader's log page took 2.8 s (the per-unit subquery chose
    (unit, owner, status) and sorted every row of the unit) instead of 22 ms. SQLite reads at most
    1,000 rows per index (0.3 s at 1M issues); PostgreSQL samples."""
    if db.is_sqlite():
        await db.raw("PRAGMA analysis_limit = 1000")
    await db.raw("ANALYZE")
