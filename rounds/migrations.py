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
    out = io.StringIO()
    with contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
        result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"Migration failed: {result.message}\n{out.getvalue()}")
