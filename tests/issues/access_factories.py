"""An issue in unit B, for the access matrix in tests/test_access.py."""

from rounds.core import clock
from rounds.issues.tables import SafetyIssue
from tests.test_access import register


@register("issue_id")
async def _issue(world):
    now = clock.now()
    row = await SafetyIssue.insert(
        SafetyIssue(
            unit=world.unit_b,
            identified_on=now.date(),
            description="Unit B only: door alarm",
            status="new",
            created_at=now,
            updated_at=now,
            status_changed_at=now,
            version=1,
        )
    ).returning(SafetyIssue.id)
    return row[0]["id"]
