"""Admin forms: units and people."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[A-Za-z]{2,}$")

UNIT_KINDS = {
    "icu": "ICU",
    "med-surg": "Med-surg",
    "ed": "Emergency department",
    "peri-op": "Peri-operative",
    "ambulatory": "Ambulatory",
    "maternity": "Maternity",
    "paediatrics": "Paediatrics",
    "behavioural": "Behavioural health",
    "other": "Other",
}
ROLE_LABELS = {
    "admin": "Administrator (patient-safety / quality)",
    "executive": "Executive partner",
    "champion": "Unit champion",
    "member": "CUSP team member",
    "leader": "Senior leader (read-only)",
}
UNIT_ROLE_LABELS = {
    "executive": "Executive partner",
    "champion": "Unit champion",
    "member": "CUSP team member",
}

# pydantic checks a value is one of the keys above; a Literal built at run time is beyond a
# type checker, so to it these are what they are once validated: str.
if TYPE_CHECKING:
    UnitKind = str
    Role = str
    UnitRole = str
else:
    UnitKind = Literal[tuple(UNIT_KINDS)]
    Role = Literal[tuple(ROLE_LABELS)]
    UnitRole = Literal[tuple(UNIT_ROLE_LABELS)]


class _Form(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")


class UnitForm(_Form):
    name: str = Field(min_length=1, max_length=120)
    kind: UnitKind
    facility: str = Field(default="", max_length=120)
    staff_headcount: int = Field(default=0, ge=0, le=5000)
    active: bool = False
    version: int = 0

    @field_validator("staff_headcount", mode="before")
    @classmethod
    def _blank_is_zero(cls, value):
        return 0 if value in ("", None) else value

    @field_validator("active", mode="before")
    @classmethod
    def _checkbox(cls, value):
        return value in ("on", "true", "1", True)


class PersonForm(_Form):
    email: str = Field(max_length=254)
    display_name: str = Field(min_length=1, max_length=120)
    job_title: str = Field(default="", max_length=120)
    role: Role
    active: bool = False
    version: int = 0

    @field_validator("active", mode="before")
    @classmethod
    def _checkbox(cls, value):
        return value in ("on", "true", "1", True)

    @field_validator("email", mode="before")
    @classmethod
    def _lower(cls, value):
        value = str(value or "").strip().lower()
        if not EMAIL.match(value):
            raise ValueError("Enter an e-mail address like name@hospital.org.")
        return value


class MembershipForm(_Form):
    person_id: int
    unit_role: UnitRole


class PasswordForm(_Form):
    password: str = Field(min_length=1, max_length=256)
