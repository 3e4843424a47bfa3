"""Migrations build the whole schema from empty, and running them again changes nothing."""

from rounds import db


async def test_schema_from_empty(engine):
    # `engine` was migrated from empty for this run (SQLite template or a fresh PostgreSQL database).
    for table in db.all_tables():
        assert await table.count() >= 0, table._meta.tablename
    await db.migrate(engine)  # idempotent
    head = await db.raw("SELECT seq FROM audit_head")
    assert len(head) == 1


async def test_composite_unique_indexes_exist(world):
    import pytest

    from rounds.core.tables import Membership

    with pytest.raises(Exception):  # noqa: B017 - SQLite and asyncpg raise different integrity errors
        await Membership.insert(Membership(person=world.people["champion"], unit=world.unit_a, unit_role="member"))
