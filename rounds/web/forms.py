"""Reading and validating HTML forms so every error is shown in place, with the text kept.

Litestar's URLEncodedBody rejects invalid input with a bare 400 before the handler runs, so
handlers read the form as a dict and validate it with a pydantic model here.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, TypeVar

from litestar import Request
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

M = TypeVar("M", bound=BaseModel)

# C0 controls except tab, newline and carriage return; DEL; C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MAX_FIELD = 20_000


def clean_text(value: str) -> str:
    """NFC-normalise and drop control characters (NUL included) that no person types."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", value))


async def read_form(request: Request) -> dict[str, Any]:
    """The submitted form as {name: str} (or {name: [str, ...]} for repeated names)."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in form:
        if key == "_csrf_token":
            continue
        # Longer than any field accepts: cut here so no later check (e.g. identifier screening)
        # ever works on megabytes; the field's own limit then explains the problem in the form.
        values = [clean_text(v[:MAX_FIELD]) if isinstance(v, str) else v for v in form.getall(key)]
        data[key] = values if len(values) > 1 else values[0]
    return data


def validate(model: type[M], data: dict[str, Any]) -> tuple[M | None, dict[str, str]]:
    """Validate; on failure return {field: message in plain words}."""
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "__all__"
            errors.setdefault(field, _friendly(err))
        return None, errors


def _friendly(err: ErrorDetails) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "missing":
        return "This is required."
    if kind == "string_too_short":
        return (
            "This is required."
            if ctx.get("min_length") == 1
            else f"Use at least {ctx.get('min_length')} characters."
        )
    if kind == "string_too_long":
        return f"Use at most {ctx.get('max_length')} characters."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "Enter a whole number."
    if kind in ("greater_than_equal", "greater_than"):
        return f"Enter a number of at least {ctx.get('ge', ctx.get('gt'))}."
    if kind in ("less_than_equal", "less_than"):
        return f"Enter a number no larger than {ctx.get('le', ctx.get('lt'))}."
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return "Enter a date like 2026-03-14."
    if kind in ("datetime_parsing", "datetime_type", "datetime_from_date_parsing"):
        return "Enter a date and time."
    if kind in ("literal_error", "enum"):
        return "Choose one of the options."
    msg = str(err.get("msg", "This value is not valid."))
    return msg.removeprefix("Value error, ")
