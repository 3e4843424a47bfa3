"""Meeting forms (pydantic): validated in the route so errors show next to the field, text kept."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rounds.meetings import rules


def _blank_none(value: Any) -> Any:
    if isinstance(value, list):
        value = value[-1] if value else ""
    return None if value in ("", None) else value


class _Form(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")


class ScheduleForm(_Form):
    first_on: date
    at: time = time(14, 0)
    count: int = Field(default=6, ge=1, le=rules.MAX_MEETINGS_AT_ONCE)
    repeat: str = "weekday"

    @field_validator("repeat", mode="before")
    @classmethod
    def _repeat(cls, value):
        return value if value in rules.REPEATS else "weekday"

    @field_validator("at", mode="before")
    @classmethod
    def _time(cls, value):
        return _blank_none(value) or time(14, 0)

    @field_validator("count", mode="before")
    @classmethod
    def _count(cls, value):
        return _blank_none(value) or 1


class RescheduleForm(_Form):
    on: date
    at: time

    @field_validator("at", mode="before")
    @classmethod
    def _time(cls, value):
        return _blank_none(value) or time(14, 0)


class ItemForm(_Form):
    minutes: str = Field(default="", max_length=rules.MAX_TEXT)
    decisions: str = Field(default="", max_length=rules.MAX_TEXT)
    version: int = 0


class NewItemForm(_Form):
    section: str
    title: str = Field(min_length=1, max_length=300)


class ActionForm(_Form):
    kind: str = "new"
    description: str = Field(default="", max_length=4000)
    owner: int | None = None
    due_on: date | None = None
    issue: int | None = None
    item: int | None = None
    idempotency_key: str = Field(default="", max_length=64)

    _blanks = field_validator("owner", "due_on", "issue", "item", mode="before")(
        lambda cls, v: _blank_none(v)
    )


class AssignForm(_Form):
    owner: int | None = None
    due_on: date | None = None

    _blanks = field_validator("owner", "due_on", mode="before")(lambda cls, v: _blank_none(v))


class CaseForm(_Form):
    case_issue: int | None = None

    _blanks = field_validator("case_issue", mode="before")(lambda cls, v: _blank_none(v))


class SummaryForm(_Form):
    upward_summary: str = Field(default="", max_length=4000)
    version: int = 0


class AddendumForm(_Form):
    body: str = Field(min_length=1, max_length=4000)


def present_ids(data: dict[str, Any]) -> tuple[list[int], str | None]:
    """The checked team members (repeated `present` fields), or an error for a bad value."""
    raw = data.get("present", [])
    values = raw if isinstance(raw, list) else [raw]
    ids = []
    for value in values:
        if value in ("", None):
            continue
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            return [], "Choose people from the list."
    return ids, None
