"""Rows every installation needs: rounds.core.defaults' categories and settings, inserted at start
(every `rounds` command, the demo, the tests). It lives above core because it writes through
rounds.db and into the issues feature's Category table.
"""

from __future__ import annotations

from rounds import db
from rounds.core.defaults import DEFAULT_CATEGORIES, DEFAULT_SETTINGS
from rounds.core.tables import Setting
from rounds.issues.tables import Category


async def ensure_defaults() -> None:
    """Idempotent: inserts what is missing, never overwrites an admin's edits."""
    async with db.write_transaction():
        existing = {row["name"] for row in await Category.select(Category.name)}
        if not existing:
            await Category.insert(
                *[
                    Category(name=name, position=i, active=True)
                    for i, name in enumerate(DEFAULT_CATEGORIES)
                ]
            )
        have = {row["key"] for row in await Setting.select(Setting.key)}
        missing = [Setting(key=k, value=v) for k, v in DEFAULT_SETTINGS.items() if k not in have]
        if missing:
            await Setting.insert(*missing)
