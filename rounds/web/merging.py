"""The web half of merging edits (rounds.core.merging): reading the person's choice for each
field both people changed, and the rows the shared template macro shows
(templates/_macros/merge.html: `{{ merge.choice(rows, errors) }}` inside the form).

The form shown after a conflict is based on the saved row (its base_* fields hold the other
person's values) with this person's changes on top; `conflict_fields` names the fields to
choose, and each has a radio `keep_<field>` = theirs | mine. Choosing "theirs" puts the base
value back into the field, so the next save does not write it."""

from __future__ import annotations

from collections.abc import Callable, Iterable

CHOOSE = "Both of you changed this: choose which value to keep."


def choose(
    data: dict, allowed: Iterable[str], base_key: dict[str, str] | None = None
) -> tuple[dict, dict, list[str]]:
    """Apply the choices (keep_<field>) for the fields named in conflict_fields.

    `allowed`: the form's field names that can be chosen; `base_key`: where a field's base
    value is when it is not `base_<field>` (a form field named unlike its column).
    Returns (data with the choices applied, {field: error} for unanswered ones, those fields)."""
    allowed = set(allowed)
    base_key = base_key or {}
    pending = [f for f in str(data.get("conflict_fields") or "").split(",") if f in allowed]
    data = {k: v for k, v in data.items() if k != "conflict_fields"}
    errors, unresolved = {}, []
    for name in pending:
        choice = data.get(f"keep_{name}")
        if choice == "theirs":
            data[name] = data.get(base_key.get(name, f"base_{name}"), "")
        elif choice != "mine":
            errors[name] = CHOOSE
            unresolved.append(name)
    return data, errors, unresolved


def rows(
    fields: Iterable[str],
    theirs: dict,
    mine: dict,
    *,
    labels: dict[str, str],
    words: Callable[[str, object], str] | None = None,
) -> list[dict]:
    """Both values of each field changed by both people, in words, for the choice macro."""

    def said(name, value):
        if value in (None, ""):
            return "–"
        return words(name, value) if words else str(value)

    return [
        {
            "field": f,
            "label": labels.get(f, f),
            "theirs": said(f, theirs.get(f, "")),
            "mine": said(f, mine.get(f, "")),
        }
        for f in fields
    ]
