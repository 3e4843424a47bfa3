"""A meeting in unit B, for the access matrix in tests/test_access.py."""

from datetime import timedelta

from rounds.core import clock
from rounds.meetings.tables import Meeting, MeetingAttendee, MeetingItem
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


@register("item_id")
async def _item(world):
    """An agenda item of the newest unit-B meeting (made by the meeting_id factory)."""
    meeting = await Meeting.select(Meeting.id).where(Meeting.unit == world.unit_b).first()
    item = await MeetingItem.select(MeetingItem.id).where(MeetingItem.meeting == meeting["id"])
    return item[0]["id"]


@register("attendee_id")
async def _attendee(world):
    meeting = await Meeting.select(Meeting.id).where(Meeting.unit == world.unit_b).first()
    row = await MeetingAttendee.insert(
        MeetingAttendee(meeting=meeting["id"], guest_role="Pharmacist", present=True)
    ).returning(MeetingAttendee.id)
    return row[0]["id"]


@register("change")
async def _change(world):
    return "up"  # a real change name, so only access can refuse it


@register("direction")
async def _direction(world):
    return "up"
