from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from rounds.db import raw

ID = "2026-12-01T07:00:00:000016"
VERSION = "1.38.0"
DESCRIPTION = "Home panels bounded by an index: staff feedback pending, issues that need an owner"

# Each starts with the unit, so a person who sees several units reads each unit's first rows
# from the index and merges them (rounds.issues.log.per_unit_from); tests/test_query_plans.py
# fails when a home panel's query reads a unit's rows and sorts them.
STATEMENTS = [
    # staff feedback not given yet, soonest due first (the home pages' "feedback due"): the
    # rows with feedback given (most of a unit's history) are not in the range at all
    "CREATE INDEX IF NOT EXISTS safety_issue_unit_feedback_pending "
    "ON safety_issue (unit, feedback_given_on, feedback_due_on)",
    # the fixes a person owns that are due, soonest first (the executive's "what I owe"): the
    # log's "due soonest" expressions after the owner
    "CREATE INDEX IF NOT EXISTS safety_issue_owner_fix_due ON safety_issue (owner, "
    "(CASE WHEN status IN ('new', 'planned', 'in_progress') THEN 0 ELSE 1 END), "
    "(CASE WHEN due_on IS NULL THEN 1 ELSE 0 END), due_on, id)",
    # issues whose owner left, or that lost their owner (the champion's "needs an owner")
    "CREATE INDEX IF NOT EXISTS safety_issue_unit_owner_status ON safety_issue (unit, owner, status)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rounds_issues", description=DESCRIPTION)

    async def run():
        for statement in STATEMENTS:
            await raw(statement)

    manager.add_raw(run)
    return manager
