"""Forms for the tracking log (pydantic; handlers validate with rounds.web.forms.validate)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rounds.issues import rules

_OVERRIDES = ("", "high", "medium", "low")

# Each closed set of codes is defined once (rules); pydantic checks a value is one of them. A
# Literal built at run time is beyond a type checker, so to it these are what they are once
# validated: str.
if TYPE_CHECKING:
    Source = str
    Harm = str
    Likelihood = str
    Ease = str
    Override = str
    FeedbackHow = str
    Status = str
else:
    Source = Literal[tuple(rules.SOURCES)]
    Harm = Literal[("", *rules.HARMS)]
    Likelihood = Literal[("", *rules.LIKELIHOODS)]
    Ease = Literal[("", *rules.EASE)]
    Override = Literal[_OVERRIDES]
    FeedbackHow = Literal[("", *rules.FEEDBACK_HOW)]
    Status = Literal[tuple(rules.STATUSES)]


def _blank_none(value):
    if isinstance(value, list):  # a repeated field: the last one wins
        value = value[-1]
    return None if value in ("", None) else value


class _Form(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")


class CaptureForm(_Form):
    description: str = Field(default="", max_length=4000)
    raised_by: str = Field(default="", max_length=80)
    category: int | None = None
    source: Source = "safety_round"
    needs_executive_help: bool = False
    idempotency_key: str = Field(default="", max_length=64)

    _blank = field_validator("category", mode="before")(classmethod(lambda cls, v: _blank_none(v)))

    @field_validator("needs_executive_help", mode="before")
    @classmethod
    def _checkbox(cls, value):
        return value in ("on", "true", "1", True)

    @field_validator("source", mode="before")
    @classmethod
    def _default_source(cls, value):
        return value or "safety_round"


class IssueForm(_Form):
    """Every editable field of a safety issue (DOMAIN.md), plus the version it was opened at."""

    version: int
    identified_on: date
    source: Source
    description: str = Field(max_length=4000)
    raised_by: str = Field(default="", max_length=80)
    category: int | None = None
    harm: Harm = ""
    likelihood: Likelihood = ""
    ease: Ease = ""
    priority_override: Override = ""
    priority_reason: str = Field(default="", max_length=2000)
    action_plan: str = Field(default="", max_length=4000)
    owner: int | None = None
    due_on: date | None = None
    success_measure: str = Field(default="", max_length=2000)
    feedback_due_on: date | None = None
    feedback_given_on: date | None = None
    feedback_how: FeedbackHow = ""
    feedback_said: str = Field(default="", max_length=4000)
    outcome: str = Field(default="", max_length=2000)
    needs_executive_help: bool = False

    _blank = field_validator(
        "category", "owner", "due_on", "feedback_due_on", "feedback_given_on", mode="before"
    )(classmethod(lambda cls, v: _blank_none(v)))

    @field_validator("needs_executive_help", mode="before")
    @classmethod
    def _checkbox(cls, value):
        return value in ("on", "true", "1", True)

    @field_validator("identified_on", mode="before")
    @classmethod
    def _required_date(cls, value):
        if value in ("", None):
            raise ValueError("Enter the date the concern was raised.")
        return value

    def values(self) -> dict:
        return self.model_dump(exclude={"version"})


class StatusForm(_Form):
    version: int
    base_status: str = ""  # the status the form was opened at ("" on older pages)
    status: Status
    reason: str = Field(default="", max_length=2000)


class UpdateForm(_Form):
    body: str = Field(default="", max_length=4000)


class CategoryForm(_Form):
    name: str = Field(default="", max_length=80)
