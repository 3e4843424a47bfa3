from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from rounds.db import raw

ID = "2026-12-01T04:10:00:000009"
VERSION = "1.38.0"
DESCRIPTION = "Per-unit indexes for every hot list: the executive's home panel and the log's orders"

# Each starts with the unit, so a person who sees several units reads each unit's first rows
# from the index and merges them (rounds.issues.log._per_unit_from). The expressions must match
# the ORDER BY clauses in rounds.issues.log.ORDER_BY word for word (SQLite matches expressions
# as written); tests/test_query_plans.py fails when a hot page's query scans safety_issue.
STATEMENTS = [
    # the executive's home panel: stoplights changed in the last 14 days on her units
    "CREATE INDEX IF NOT EXISTS safety_issue_unit_changed ON safety_issue (unit, status_changed_at)",
    # the log's "newest" / "oldest" orders (read forwards or backwards)
    "CREATE INDEX IF NOT EXISTS safety_issue_unit_identified ON safety_issue (unit, identified_on, id)",
    # the log's "recently changed" order
    "CREATE INDEX IF NOT EXISTS safety_issue_unit_updated ON safety_issue (unit, updated_at, id)",
    # the log's "due soonest" order, open issues first (also the team panel's overdue fixes)
    "CREATE INDEX IF NOT EXISTS safety_issue_unit_due_order ON safety_issue (unit, "
    "(CASE WHEN status IN ('new', 'planned', 'in_progress') THEN 0 ELSE 1 END), "
    "(CASE WHEN due_on IS NULL THEN 1 ELSE 0 END), due_on, id)",
    # the meeting agenda's open issues of a unit, highest priority first, then due soonest
    "CREATE INDEX IF NOT EXISTS safety_issue_unit_agenda ON safety_issue (unit, priority DESC, due_on, id)",
    # a round's issues in the order raised (the briefing, the round's page)
    "CREATE INDEX IF NOT EXISTS safety_issue_round_order ON safety_issue (round, id)",
    # the team panel's staff feedback due
    "CREATE INDEX IF NOT EXISTS safety_issue_unit_feedback ON safety_issue (unit, feedback_due_on)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rounds_issues", description=DESCRIPTION)

    async def run():
        for statement in STATEMENTS:
            await raw(statement)

    manager.add_raw(run)
    return manager
