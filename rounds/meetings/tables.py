"""Monthly CUSP team meetings: agenda items, minutes, attendance, actions, addenda."""

from piccolo.columns import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from rounds.barriers.tables import Barrier
from rounds.core.tables import Person, Unit
from rounds.issues.tables import SafetyIssue


class Meeting(Table, tablename="meeting"):
    id: Serial  # the primary key Piccolo adds; declared for the type checker
    unit = ForeignKey(references=Unit, on_delete=OnDelete.cascade, index=True)
    scheduled_at = Timestamptz(index=True)
    status = Varchar(length=20, default="scheduled")
    case_issue = ForeignKey(references=SafetyIssue, null=True, on_delete=OnDelete.set_null)
    upward_summary = Text(default="")
    finalised_at = Timestamptz(null=True, default=None)
    finalised_by = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    version = Integer(default=1)


class MeetingItem(Table, tablename="meeting_item"):
    id: Serial  # the primary key Piccolo adds; declared for the type checker
    meeting = ForeignKey(references=Meeting, on_delete=OnDelete.cascade, index=True)
    section = Varchar(length=30)
    position = Integer(default=0)
    title = Varchar(length=300, default="")
    issue = ForeignKey(references=SafetyIssue, null=True, on_delete=OnDelete.set_null)
    barrier = ForeignKey(references=Barrier, null=True, on_delete=OnDelete.set_null)
    minutes = Text(default="")
    decisions = Text(default="")
    removed = Boolean(default=False)
    version = Integer(default=1)


class MeetingAttendee(Table, tablename="meeting_attendee"):
    id: Serial  # the primary key Piccolo adds; declared for the type checker
    meeting = ForeignKey(references=Meeting, on_delete=OnDelete.cascade, index=True)
    person = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    guest_role = Varchar(length=120, default="")
    present = Boolean(default=True)


class MeetingAction(Table, tablename="meeting_action"):
    id: Serial  # the primary key Piccolo adds; declared for the type checker
    meeting = ForeignKey(references=Meeting, on_delete=OnDelete.cascade, index=True)
    item = ForeignKey(references=MeetingItem, null=True, on_delete=OnDelete.set_null)
    issue = ForeignKey(references=SafetyIssue, on_delete=OnDelete.cascade)
    kind = Varchar(length=10, default="new")
    description = Text(default="")
    owner = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    due_on = Date(null=True, default=None)
    created_at = Timestamptz()


class MeetingAddendum(Table, tablename="meeting_addendum"):
    id: Serial  # the primary key Piccolo adds; declared for the type checker
    meeting = ForeignKey(references=Meeting, on_delete=OnDelete.cascade, index=True)
    author = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    at = Timestamptz()
    body = Text()
