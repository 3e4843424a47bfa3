"""Edits that merge instead of overwrite (issue #11): the one rule for every edit form.

A form carries the values it was opened with (its base). A save writes only the fields this
person changed; a field someone else changed meanwhile to another value is a conflict, shown
with both values for the person to choose (rounds.web.merging, templates/_macros/merge.html).
Used by issues, barriers, meeting items and unit measures. Pure: no database, no web."""

from __future__ import annotations


def same(a, b) -> bool:
    """Equal as a person sees it: line endings and surrounding spaces do not count."""
    if isinstance(a, str) and isinstance(b, str):
        return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()
    return a == b


def merge(current: dict, values: dict, base: dict, labels: dict | None = None) -> tuple[dict, dict]:
    """Three-way merge of one person's form against the row as it is now.

    `base`: the values the form was opened with. Only fields this person changed are written;
    a field someone else also changed since, to a different value, is a conflict.
    Returns (fields to write, {field: [theirs, mine]} conflicts)."""
    changed, conflicts = {}, {}
    for name, mine in values.items():
        before = base.get(name, current.get(name))
        if same(mine, before):
            continue  # not touched by this person: whatever is saved now stays
        if not same(current.get(name), before) and not same(current.get(name), mine):
            conflicts[name] = [current.get(name), mine]
        changed[name] = mine
    return changed, conflicts
