""" "Needs help": a unit is flagged only for stated reasons, against thresholds an admin sets
(Admin > Needs-help thresholds), and the flag says which. Units with more reasons come first.

A unit with nothing to judge is not flagged for it (no issues due for feedback yet, no rounds
due, no headcount): the flag means "this unit is behind", never "this unit is new".
"""

from __future__ import annotations

from rounds import db
from rounds.audit import service as audit
from rounds.auth.access import Viewer
from rounds.core.tables import Setting
from rounds.measures.service import Figures

# name -> (Setting key, default, lowest, highest)
THRESHOLDS = {
    "fed_back_min_pct": ("measures.fed_back_min_pct", 80, 1, 100),
    "rounds_done_min_pct": ("measures.rounds_done_min_pct", 75, 1, 100),
    "reach_min_pct": ("measures.reach_min_pct", 60, 1, 100),
    "barrier_overdue_days": ("measures.barrier_overdue_days", 14, 1, 365),
}
LABELS = {
    "fed_back_min_pct": "Fed back % below",
    "rounds_done_min_pct": "Rounds done below this % of rounds due",
    "reach_min_pct": "Staff reach below (%)",
    "barrier_overdue_days": "A barrier follow-up overdue by more than (days)",
}


class ThresholdError(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid thresholds")
        self.errors = errors


async def thresholds() -> dict[str, int]:
    """The thresholds in force (one query); a missing or unreadable row gives the default."""
    rows = await Setting.select(Setting.key, Setting.value).where(
        Setting.key.is_in([key for key, *_ in THRESHOLDS.values()])
    )
    stored = {row["key"]: row["value"] for row in rows}
    out = {}
    for name, (key, default, low, high) in THRESHOLDS.items():
        try:
            out[name] = min(high, max(low, int(stored.get(key, default))))
        except ValueError:
            out[name] = default
    return out


async def save_thresholds(viewer: Viewer, new: dict[str, int], seen: dict[str, int]) -> None:
    """Admins only (the route checks); `seen` is what the form showed, so a change another
    administrator made meanwhile is not overwritten."""
    errors = {}
    for name, (_key, _default, low, high) in THRESHOLDS.items():
        if not low <= new[name] <= high:
            errors[name] = f"Enter a number from {low} to {high}."
    if errors:
        raise ThresholdError(errors)
    async with db.write_transaction():
        current = await thresholds()
        if any(current[n] != seen.get(n, current[n]) for n in THRESHOLDS):
            raise ThresholdError(
                {
                    "__all__": "Another administrator changed these thresholds while you were "
                    "editing. Their values are shown below; yours were not saved."
                }
            )
        changes = audit.diff(current, new)
        if not changes:
            return
        for name, value in new.items():
            key = THRESHOLDS[name][0]
            if await Setting.exists().where(Setting.key == key):
                await Setting.update({Setting.value: str(value)}).where(Setting.key == key)
            else:
                await Setting.insert(Setting(key=key, value=str(value)))
        await audit.record(viewer.actor, "update", "setting", "needs_help", changes=changes)


def reasons(f: Figures, limits: dict[str, int]) -> list[str]:
    """The stated reasons a unit needs help, in plain words with its figures."""
    out = []
    pct = f.fed_back_pct
    if pct is not None and pct < limits["fed_back_min_pct"]:
        out.append(f"fed back {pct}% (below {limits['fed_back_min_pct']}%)")
    done = f.rounds_done_pct
    if done is not None and done < limits["rounds_done_min_pct"]:
        out.append(
            f"{f.rounds_done} of {f.rounds_due} rounds done (below {limits['rounds_done_min_pct']}%)"
        )
    if f.reach is not None and f.reach < limits["reach_min_pct"]:
        out.append(f"staff reach {f.reach}% (below {limits['reach_min_pct']}%)")
    if f.oldest_overdue_days > limits["barrier_overdue_days"]:
        out.append(
            f"a barrier follow-up {f.oldest_overdue_days} days overdue "
            f"(more than {limits['barrier_overdue_days']})"
        )
    return out


def flag(figures: list[Figures], limits: dict[str, int]) -> list[Figures]:
    """Sets each unit's reasons; returns the units ordered by number of reasons, then name."""
    for f in figures:
        f.needs_help = reasons(f, limits)
    return sorted(figures, key=lambda f: (-len(f.needs_help), f.unit_name.lower()))
