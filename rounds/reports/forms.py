"""The admin's "needs help" thresholds form."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

Number = Annotated[int, Field(ge=-(2**31), lt=2**31)]


class ThresholdsForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    fed_back_min_pct: Number
    rounds_done_min_pct: Number
    reach_min_pct: Number
    barrier_overdue_days: Number
    # what the form showed, so a change made meanwhile by another admin is not overwritten
    seen_fed_back_min_pct: Number | None = None
    seen_rounds_done_min_pct: Number | None = None
    seen_reach_min_pct: Number | None = None
    seen_barrier_overdue_days: Number | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if isinstance(value, str) and value.strip() == "" else value
