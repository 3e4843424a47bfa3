"""A meeting in unit B, for the access matrix in tests/test_access.py."""

from datetime import timedelta

from rounds.core import clock
from rounds.meetings.tables import Meeting, MeetingItem
from tests.test_access import register


@register("meeting_id")
async def _meeting(world):
    row = (
        await Meeting.insert(
            Meeting(
                unit=world.unit_b,
                scheduled_at=clock.now() + timedelta(days=7),
                status="scheduled",
                created_at=clock.now(),
                version=1,
            )
        ).returning(Meeting.id)
    )[0]
    await MeetingItem.insert(
        MeetingItem(meeting=row["id"], section="data", position=0, title="Unit data", version=1)
    )
    return row["id"]
