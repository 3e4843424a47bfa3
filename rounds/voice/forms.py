"""Forms for triage and campaigns (pydantic; handlers validate with rounds.web.forms.validate)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rounds.voice import rules


def _blank_none(value):
    if isinstance(value, list):
        value = value[-1]
    return None if value in ("", None) else value


class _Form(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")


class AcceptForm(_Form):
    description: str = Field(min_length=1, max_length=4000)
    source: Literal["staff_assessment", "before_round", "patient_family"] = "staff_assessment"
    category: int | None = Field(default=None, ge=1, lt=2**31)

    _blank = field_validator("category", mode="before")(classmethod(lambda cls, v: _blank_none(v)))


class MergeForm(_Form):
    issue: int = Field(ge=1, lt=2**31)

    @field_validator("issue", mode="before")
    @classmethod
    def _chosen(cls, value):
        value = _blank_none(value)
        if value is None:
            raise ValueError("Choose the issue to add this concern to.")
        return value


class DeclineForm(_Form):
    reason: str = Field(min_length=1, max_length=rules.MAX_REASON)


class CampaignForm(_Form):
    opens_on: date
    closes_on: date

    @field_validator("opens_on", "closes_on", mode="before")
    @classmethod
    def _one(cls, value):
        if isinstance(value, list):
            value = value[-1]
        return value
