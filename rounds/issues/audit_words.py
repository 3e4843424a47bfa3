"""Audit entries in words: people's names instead of ids, field labels instead of column names,
value labels instead of codes ("Owner: Jordan Pike -> Marcus Bell", "Status: In progress"), and
a link to the record. The stored entry (and its raw values, kept for export) is not changed:
each entry gains `who`, `record`, `link` and `lines` [(label, old words, new words)].
"""

from __future__ import annotations

import re
from datetime import date, datetime

from rounds.core.tables import Person, Unit
from rounds.issues import rules
from rounds.issues.service import FIELD_LABELS
from rounds.issues.tables import Category

# Where each kind of record is seen, and what it is called.
RECORDS = {
    "safety_issue": ("Safety issue", "/issues/{}"),
    "barrier": ("Barrier", "/barriers/{}"),
    "meeting": ("Team meeting", "/meetings/{}"),
    "safety_round": ("Safety round", "/rounds/{}"),
    "concern": ("Concern", "/concerns/{}"),
    "unit": ("Unit", "/admin/units/{}"),
    "person": ("Person", "/admin/people/{}"),
    "category": ("Category", "/admin/categories"),
}
# Fields whose value is a person's id, a unit's id or a category's id, whatever the record.
PERSON_FIELDS = {"owner", "person", "created_by", "executive", "assigned_to", "champion",
                 "person_id", "owner_id", "executive_id", "new_owner", "old_owner"}  # fmt: skip
UNIT_FIELDS = {"unit", "unit_id"}
CATEGORY_FIELDS = {"category", "category_id"}
_SKIPPED = {"version"}
# Fields holding a code whose words are the code itself ("open" -> "Open").
CODE_FIELDS = {"status", "level", "role", "unit_role", "kind", "action", "escalation_level"}
_CODE = re.compile(r"[a-z]+(_[a-z]+)*")


def _labels() -> tuple[dict, dict]:
    """Field labels and value labels, from the features' own vocabularies."""
    fields = dict(FIELD_LABELS)
    values = {
        "status": rules.STATUSES,
        "source": rules.SOURCES,
        "harm": rules.HARMS,
        "likelihood": rules.LIKELIHOODS,
        "ease": rules.EASE,
        "feedback_how": rules.FEEDBACK_HOW,
        "priority_override": {"high": "High", "medium": "Medium", "low": "Low"},
        "priority": {str(k): v for k, v in rules.PRIORITY_LABELS.items()},
    }
    return fields, values


def field_label(field: str, labels: dict) -> str:
    return labels.get(field) or field.replace("_", " ").capitalize()


def _day(value: str) -> str | None:
    try:
        if len(value) == 10:
            return date.fromisoformat(value).strftime("%a %-d %b %Y")
        return datetime.fromisoformat(value).strftime("%a %-d %b %Y, %H:%M")
    except ValueError:
        return None


def value_words(field: str, value, names: dict, values: dict) -> str:
    """One stored value as people say it ("–" for nothing)."""
    if value is None or value == "":
        return "–"
    if value is True or value is False:
        return "yes" if value else "no"
    text = str(value)
    for kinds, lookup in (
        (PERSON_FIELDS, names["person"]),
        (UNIT_FIELDS, names["unit"]),
        (CATEGORY_FIELDS, names["category"]),
    ):
        if field in kinds and text.isdigit():
            return lookup.get(int(text), f"#{text}")
    if field in values and text in values[field]:
        return values[field][text]
    if isinstance(value, str) and len(text) >= 10 and text[:4].isdigit() and text[4] == "-":
        return _day(text) or text
    if isinstance(value, str) and _CODE.fullmatch(text) and ("_" in text or field in CODE_FIELDS):
        return text.replace("_", " ").capitalize()  # a code we have no label for
    return text


async def _names(entries: list[dict]) -> dict:
    """Every person, unit and category the entries mention, one query each (at most)."""
    wanted: dict[str, set[int]] = {"person": set(), "unit": set(), "category": set()}
    for e in entries:
        if e.get("actor_id"):
            wanted["person"].add(int(e["actor_id"]))
        for field, pair in (e.get("changes") or {}).items():
            for value in pair if isinstance(pair, list) else []:
                if value is not None and str(value).isdigit():
                    for kind, fields in (
                        ("person", PERSON_FIELDS),
                        ("unit", UNIT_FIELDS),
                        ("category", CATEGORY_FIELDS),
                    ):
                        if field in fields:
                            wanted[kind].add(int(value))
    names: dict[str, dict[int, str]] = {"person": {}, "unit": {}, "category": {}}
    for kind, table, column in (
        ("person", Person, Person.display_name),
        ("unit", Unit, Unit.name),
        ("category", Category, Category.name),
    ):
        if wanted[kind]:
            rows = await table.select(table.id, column.as_alias("name")).where(
                table.id.is_in(sorted(wanted[kind]))
            )
            names[kind] = {r["id"]: r["name"] for r in rows}
    return names


async def in_words(entries: list[dict]) -> list[dict]:
    """The entries, each with who / record / link / lines added (the raw `changes` kept)."""
    if not entries:
        return entries
    labels, values = _labels()
    names = await _names(entries)
    for e in entries:
        actor = e.get("actor_id")
        e["who"] = names["person"].get(int(actor)) if actor else None
        e["who"] = e["who"] or e.get("actor_label") or "Rounds"
        kind, link = RECORDS.get(e["object_type"], (None, None))
        record = kind or e["object_type"].replace("_", " ").capitalize()
        e["record"] = f"{record} {e['object_id']}".strip()
        e["link"] = link.format(e["object_id"]) if link and str(e["object_id"]).isdigit() else None
        lines = []
        for field, pair in (e.get("changes") or {}).items():
            if field in _SKIPPED:
                continue
            old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            lines.append(
                (
                    field_label(field, labels),
                    value_words(field, old, names, values),
                    value_words(field, new, names, values),
                )
            )
        e["lines"] = lines
    return entries
