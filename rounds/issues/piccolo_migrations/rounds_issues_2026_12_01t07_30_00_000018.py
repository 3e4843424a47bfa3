from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from rounds.db import raw

ID = "2026-12-01T07:30:00:000018"
VERSION = "1.38.0"
DESCRIPTION = "Agenda and briefing bounded by an index: issues resolved, or changed status, since"

# The agenda's resolved issues since the last meeting ("wins"), newest first, and their exact count
# (rounds.meetings.agenda._ISSUE_PARTS): read from (unit, status) and sorted, at 1,000,000 issues
# every resolved issue of the unit was read (31 ms for the rows, 24 ms for the count).
# The briefing's "done" and "can't do" since the last round (rounds.rounding.briefing._counts_sql):
# read from (unit, status_changed_at), each row looked up for its status (64 ms at 1M).
STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS safety_issue_unit_resolved ON safety_issue (unit, resolved_on)",
    "CREATE INDEX IF NOT EXISTS safety_issue_unit_status_changed "
    "ON safety_issue (unit, status, status_changed_at)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rounds_issues", description=DESCRIPTION)

    async def run():
        for statement in STATEMENTS:
            await raw(statement)

    manager.add_raw(run)
    return manager
