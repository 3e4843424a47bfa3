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


async def test_a_migration_on_a_database_with_data_refreshes_the_planners_statistics(engine, world):
    """An upgrade that adds an index to a database holding issues refreshes the planner's
    statistics: SQLite otherwise takes an index it has no statistics for as very selective
    (measured at 1M issues: a leader's log page went from 22 ms to 2.8 s after an upgrade)."""
    from rounds.issues.service import capture
    from tests.issues.conftest import viewer_for

    champion = await viewer_for(world.people["champion"])
    for n in range(3):
        await capture(
            champion, world.unit_a, description=f"Pump {n}", raised_by="RN", idempotency_key=f"k{n}"
        )
    # as on a hospital's database from before that migration
    await db.raw("DROP INDEX safety_issue_unit_owner_status")
    await db.raw("DELETE FROM migration WHERE name = '2026-12-01T07:00:00:000016'")
    if db.is_sqlite():
        await db.raw("ANALYZE")  # statistics as they were, without the new index
        await db.raw("DELETE FROM sqlite_stat1")
        before = None
    else:
        before = await _last_analyze()
    await migrations.migrate(engine)
    if db.is_sqlite():
        stats = await db.raw(
            "SELECT stat FROM sqlite_stat1 WHERE idx = 'safety_issue_unit_owner_status'"
        )
        assert stats and stats[0]["stat"].startswith("3 ")
    else:
        after = await _last_analyze()
        assert after is not None and (before is None or after > before)


async def _last_analyze():
    rows = await db.raw(
        "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'safety_issue'"
    )
    return rows[0]["last_analyze"]
