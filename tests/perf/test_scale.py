"""The scale generator (`rounds demo --scale`) builds consistent, readable, identifier-free data."""

from rounds import db, scale
from rounds.core.tables import Membership, Person, Unit
from rounds.issues.rules import OPEN_STATUSES
from rounds.issues.service import screen
from rounds.issues.tables import SafetyIssue


async def test_small_scale_is_consistent_and_readable(engine):
    if db.is_sqlite():
        schema = (
            "SELECT type, name FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name"
        )
        before = await db.raw(schema)
    counts = await scale.build_scale(
        units=12, issues=1200, password="scale-test-password", quiet=True
    )
    assert counts["unit"] == 12 and counts["safety_issue"] == 1200
    assert await Unit.count() == 12 and await SafetyIssue.count() == 1200
    # the executive partner with 10 units
    executive = (
        await Person.select(Person.id).where(Person.email == "scale-executive@example.org").first()
    )
    units = await Membership.count().where(
        (Membership.person == executive["id"]) & (Membership.unit_role == "executive")
    )
    assert units == 10
    # every foreign key points at a row (ids are assigned by the generator, not the database)
    for child, column, parent in [
        ("safety_issue", "unit", "unit"),
        ("safety_issue", "round", "safety_round"),
        ("safety_issue", "owner", "person"),
        ("barrier", "issue", "safety_issue"),
        ("barrier_note", "barrier", "barrier"),
        ("meeting_item", "meeting", "meeting"),
        ("meeting_item", "issue", "safety_issue"),
        ("briefing", "round", "safety_round"),
        ("issue_update", "issue", "safety_issue"),
        ("membership", "person", "person"),
    ]:
        rows = await db.raw(
            f"SELECT COUNT(*) AS n FROM {child} c LEFT JOIN {parent} p ON p.id = c.{column} "
            f"WHERE c.{column} IS NOT NULL AND p.id IS NULL"
        )
        assert rows[0]["n"] == 0, (child, column)
    if db.is_sqlite():
        # the indexes and the full-text trigger set aside for the load are all back, and the
        # full-text index holds exactly the issues' text
        assert await db.raw(schema) == before
        await db.raw(
            "INSERT INTO safety_issue_fts(safety_issue_fts, rank) VALUES ('integrity-check', 1)"
        )
        found = await db.raw(
            "SELECT COUNT(*) AS n FROM safety_issue_fts WHERE safety_issue_fts MATCH 'pumps'"
        )
        assert found[0]["n"] > 0
    # Piccolo reads the rows back with the right types
    some = await SafetyIssue.select().where(SafetyIssue.status.is_in(list(OPEN_STATUSES))).limit(50)
    assert some and all(row["identified_on"] and row["created_at"].tzinfo for row in some)
    # no patient identifiers in generated text
    for row in await SafetyIssue.select(SafetyIssue.description, SafetyIssue.raised_by).limit(300):
        assert screen({"description": row["description"], "raised_by": row["raised_by"]}) == {}
    # ids continue after the generated ones (a new issue gets a fresh id)
    new = await SafetyIssue.insert(
        SafetyIssue(
            unit=some[0]["unit"],
            identified_on=some[0]["identified_on"],
            description="New one",
            status="new",
        )
    ).returning(SafetyIssue.id)
    assert new[0]["id"] > max(r["id"] for r in some)
    # a second run says it is already there and adds nothing
    assert await scale.build_scale(units=12, issues=1200, password="x" * 12, quiet=True) == {}
