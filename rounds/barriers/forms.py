"""Form models for barriers. Field names are unique per page (several forms share one page)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Ids and versions that fit the database's integer columns (a tampered form gets a message, not a 500).
Id = Annotated[int, Field(gt=0, lt=2**31)]


class _Form(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        # An empty select or date field means "not chosen"; the service says what is missing.
        return None if isinstance(value, str) and value.strip() == "" else value


class NewBarrierForm(_Form):
    description: str | None = None
    kind: str | None = None
    owner: Id | None = None
    level: str | None = None
    next_follow_up_on: date | None = None
    idempotency_key: str | None = None


class NoteForm(_Form):
    note_body: str | None = None
    note_next: date | None = None
    version: Id | None = None


class EscalateForm(_Form):
    esc_level: str | None = None
    esc_owner: Id | None = None
    esc_reason: str | None = None
    esc_next: date | None = None
    version: Id | None = None


class RemovedForm(_Form):
    removed_note: str | None = None
    version: Id | None = None


class CannotRemoveForm(_Form):
    cannot_reason: str | None = None
    version: Id | None = None


class SettingsForm(_Form):
    wip_limit: Annotated[int, Field(ge=1, le=100)]
    escalate_after_days: Annotated[int, Field(ge=1, le=90)]
    seen_wip_limit: Id | None = None
    seen_escalate_after_days: Id | None = None
