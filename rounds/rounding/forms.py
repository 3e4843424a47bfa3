"""Forms for rounds, briefings, the round screen and unit measures (pydantic, validated by
rounds.web.forms.validate so every error is shown next to its field)."""

from __future__ import annotations

import re
from datetime import date, time

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rounds.rounding.rules import COUNT_FIELDS, EVENT_KINDS


class _Form(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")


def _blank_none(value):
    return None if value in ("", None) else value


def _checkbox(value) -> bool:
    return value in ("on", "true", "1", True)


class ScheduleForm(_Form):
    on: date
    at: time
    executive_id: int | None = None
    champion_id: int | None = None

    _none = field_validator("executive_id", "champion_id", mode="before")(
        classmethod(lambda cls, v: _blank_none(v))
    )


class SeriesForm(_Form):
    first_on: date
    series_at: time
    every_weeks: int = Field(default=4, ge=1, le=12)
    series_executive_id: int | None = None
    series_champion_id: int | None = None

    _none = field_validator("series_executive_id", "series_champion_id", mode="before")(
        classmethod(lambda cls, v: _blank_none(v))
    )


class CancelForm(_Form):
    reason: str = Field(default="", max_length=500)
    version: int = 0


class BriefingForm(_Form):
    going_on: str = Field(default="", max_length=2000)
    staff_concerns: str = Field(default="", max_length=2000)
    wins: str = Field(default="", max_length=2000)
    asks: str = Field(default="", max_length=2000)
    version: int = 0
    action: str = "save"


class CaptureForm(_Form):
    description: str = Field(default="", max_length=4000)
    raised_by: str = Field(default="", max_length=80)
    needs_help: bool = False
    # "what's in the way": the title of the barrier "Needs my help" opens (required with it)
    in_the_way: str = Field(default="", max_length=2000)
    # the person's "keep Raised by for the next concern" pin
    pin_raised_by: bool = False
    idempotency_key: str = Field(default="", max_length=64)

    _check = field_validator("needs_help", "pin_raised_by", mode="before")(
        classmethod(lambda cls, v: _checkbox(v))
    )


class HelpForm(_Form):
    in_the_way: str = Field(default="", max_length=2000)


class CorrectForm(_Form):
    """Correcting a concern heard on this round: the new values and those the form showed."""

    edit_description: str = Field(default="", max_length=4000)
    edit_raised_by: str = Field(default="", max_length=80)
    edit_needs_help: bool = False
    edit_in_the_way: str = Field(default="", max_length=2000)
    base_description: str = Field(default="", max_length=4000)
    base_raised_by: str = Field(default="", max_length=80)
    base_in_the_way: str = Field(default="", max_length=2000)
    version: int = 0

    _check = field_validator("edit_needs_help", mode="before")(
        classmethod(lambda cls, v: _checkbox(v))
    )


class StaffForm(_Form):
    staff_count: int | None = Field(default=None)
    staff_roles: str | None = Field(default=None, max_length=300)
    step: int = Field(default=0, ge=-1, le=1)
    # of today's staff, those taking part for the first time in 12 months (staff reach)
    first_timers: int | None = Field(default=None)
    first_step: int = Field(default=0, ge=-1, le=1)

    _none = field_validator("staff_count", "step", "first_timers", "first_step", mode="before")(
        classmethod(lambda cls, v: _blank_none(v))
    )

    @field_validator("step", "first_step", mode="after")
    @classmethod
    def _zero(cls, value):
        return value or 0


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(value: str) -> date | None:
    """'2026-03' (from <input type=month>) or '2026-03-01' -> the first of that month."""
    value = (value or "").strip()
    m = _MONTH.match(value)
    try:
        if m:
            return date(int(m.group(1)), int(m.group(2)), 1)
        return date.fromisoformat(value).replace(day=1)
    except ValueError:
        return None


class MeasureForm(_Form):
    month: date
    version: int = 0
    patient_days: int = 0
    falls: int = 0
    falls_with_injury: int = 0
    pressure_injuries: int = 0
    central_line_days: int = 0
    clabsi: int = 0
    catheter_days: int = 0
    cauti: int = 0
    medication_harm: int = 0
    staff_injuries: int = 0

    @field_validator("month", mode="before")
    @classmethod
    def _month(cls, value):
        parsed = parse_month(str(value or ""))
        if parsed is None:
            raise ValueError("Choose a month, like 2026-03.")
        return parsed

    @field_validator(*COUNT_FIELDS, mode="before")
    @classmethod
    def _blank_zero(cls, value):
        return 0 if value in ("", None) else value

    def counts(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in COUNT_FIELDS}


class LastEventsForm(_Form):
    seen: str = ""
    fall: date | None = None
    fall_injury: date | None = None
    pressure_injury: date | None = None
    clabsi: date | None = None
    cauti: date | None = None
    medication_harm: date | None = None
    staff_injury: date | None = None

    _none = field_validator(*EVENT_KINDS, mode="before")(classmethod(lambda cls, v: _blank_none(v)))

    def dates(self) -> dict[str, date | None]:
        return {k: getattr(self, k) for k in EVENT_KINDS}


class ScriptForm(_Form):
    questions: str = Field(default="", max_length=6000)
    opening: str = Field(default="", max_length=1500)
    closing: str = Field(default="", max_length=1500)
    seen: str = ""
