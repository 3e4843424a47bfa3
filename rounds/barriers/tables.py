"""Barriers the executive partner removes, their follow-up log, and reminder digests."""

from piccolo.columns import (
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

from rounds.core.tables import Person, Unit
from rounds.issues.tables import SafetyIssue

LEVELS = ("unit", "department", "executive", "c_suite", "board")


class Barrier(Table, tablename="barrier"):
    id: Serial  # the primary key Piccolo adds; declared for the type checker
    issue = ForeignKey(references=SafetyIssue, on_delete=OnDelete.cascade, index=True)
    unit = ForeignKey(references=Unit, on_delete=OnDelete.cascade, index=True)
    description = Text()
    kind = Varchar(length=20, default="other")
    owner = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null, index=True)
    level = Varchar(length=20, default="executive", index=True)
    next_follow_up_on = Date(index=True)
    status = Varchar(length=20, default="open", index=True)
    cannot_remove_reason = Text(default="")
    closed_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    version = Integer(default=1)
    # A double tap on "Open barrier" returns the barrier the first tap created. Unique through
    # the index barrier_idempotency_key (SQLite cannot add a UNIQUE column).
    idempotency_key = Varchar(length=64, null=True, default=None)


class BarrierNote(Table, tablename="barrier_note"):
    """The dated follow-up log: notes, escalations, removal."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker

    barrier = ForeignKey(references=Barrier, on_delete=OnDelete.cascade, index=True)
    author = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    at = Timestamptz()
    kind = Varchar(length=20, default="note")
    body = Text(default="")
    next_follow_up_on = Date(null=True, default=None)
    from_level = Varchar(length=20, default="")
    to_level = Varchar(length=20, default="")


class ReminderDigest(Table, tablename="reminder_digest"):
    """One digest per person per day; sending is retried until it succeeds."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker

    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    digest_on = Date(index=True)
    body = Text(default="")  # the plain-text part
    subject = Varchar(length=200, default="")  # says what is due ("3 overdue, 2 due this week")
    html = Text(default="")  # the HTML part (the same words)
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    last_error = Text(default="")
    # When a run last tried to send it: a second run leaves a fresh attempt alone (no double mail).
    last_attempt_at = Timestamptz(null=True, default=None)
