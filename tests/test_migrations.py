"""Migrations build the whole schema from empty, and running them again changes nothing."""

from rounds import db, migrations


async def test_schema_from_empty(engine):
    # `engine` was migrated from empty for this run (SQLite template or a fresh PostgreSQL database).
    for table in db.all_tables():
        assert await table.count() >= 0, table._meta.tablename
    await migrations.migrate(engine)  # idempotent
    head = await db.raw("SELECT seq FROM audit_head")
    assert len(head) == 1


async def test_composite_unique_indexes_exist(world):
    import pytest

    from rounds.core.tables import Membership

    with pytest.raises(Exception):  # noqa: B017 - SQLite and asyncpg raise different integrity errors
        await Membership.insert(
            Membership(person=world.people["champion"], unit=world.unit_a, unit_role="member")
        )


def test_postgres_url_options_reach_the_driver():
    import pytest

    from rounds.db import make_engine

    engine = make_engine("postgresql://app:p%40ss@db.example:6432/rounds?sslmode=verify-full")
    assert engine.config == {
        "host": "db.example",
        "port": 6432,
        "user": "app",
        "database": "rounds",
        "password": "p@ss",
        "ssl": "verify-full",
    }
    with pytest.raises(ValueError):
        make_engine("postgresql://app@db.example/rounds?sslmode=sometimes")
