"""Safety rounds, recurring schedules, pre-round briefings and unit measures."""

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

from rounds.core.tables import Person, Unit

ROUND_STATUSES = ("scheduled", "briefed", "in_progress", "completed", "cancelled")


class RoundSeries(Table, tablename="round_series"):
    """A recurring schedule (every N weeks) that generates the next rounds."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker

    unit = ForeignKey(references=Unit, on_delete=OnDelete.cascade, index=True)
    every_weeks = Integer(default=4)
    first_at = Timestamptz()
    executive = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    champion = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    active = Boolean(default=True)
    generated_until = Date(null=True, default=None)
    created_at = Timestamptz()


class SafetyRound(Table, tablename="safety_round"):
    id: Serial  # the primary key Piccolo adds; declared for the type checker
    unit = ForeignKey(references=Unit, on_delete=OnDelete.cascade, index=True)
    scheduled_at = Timestamptz(index=True)
    duration_minutes = Integer(default=30)
    executive = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null, index=True)
    champion = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    series = ForeignKey(references=RoundSeries, null=True, on_delete=OnDelete.set_null)
    status = Varchar(length=20, default="scheduled", index=True)
    cancel_reason = Text(default="")
    cancelled_at = Timestamptz(null=True, default=None)
    started_at = Timestamptz(null=True, default=None)
    completed_at = Timestamptz(null=True, default=None)
    staff_count = Integer(default=0)
    # Of staff_count, those taking part for the first time in 12 months (staff reach).
    first_timers = Integer(default=0)
    staff_roles = Text(default="")
    read_back_done = Boolean(default=False)
    debrief_notes = Text(default="")
    created_at = Timestamptz()
    version = Integer(default=1)


class Briefing(Table, tablename="briefing"):
    """The champion's notes for one round; frozen_content keeps what the executive saw."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker

    round = ForeignKey(references=SafetyRound, on_delete=OnDelete.cascade, unique=True)
    going_on = Text(default="")
    staff_concerns = Text(default="")
    wins = Text(default="")
    asks = Text(default="")
    ready_at = Timestamptz(null=True, default=None)
    ready_by = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    frozen_content = Text(default="")
    frozen_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz()
    version = Integer(default=1)


class UnitMeasure(Table, tablename="unit_measure"):
    """One month of a unit's figures. Rates are computed, never stored."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker

    unit = ForeignKey(references=Unit, on_delete=OnDelete.cascade, index=True)
    month = Date(index=True)
    patient_days = Integer(default=0)
    falls = Integer(default=0)
    falls_with_injury = Integer(default=0)
    pressure_injuries = Integer(default=0)
    central_line_days = Integer(default=0)
    clabsi = Integer(default=0)
    catheter_days = Integer(default=0)
    cauti = Integer(default=0)
    medication_harm = Integer(default=0)
    staff_injuries = Integer(default=0)
    entered_by = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    entered_at = Timestamptz()
    version = Integer(default=1)


class LastEvent(Table, tablename="unit_last_event"):
    """Date of the last event of a kind on a unit (fall, clabsi, ...), for "days since"."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker

    unit = ForeignKey(references=Unit, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=30)
    occurred_on = Date()
