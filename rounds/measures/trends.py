"""Month-by-month series for the board report's small multiples, and "this period against the
previous one". Every value comes from the definitions in `definitions.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from rounds import db
from rounds.core.clock import local, start_of_day
from rounds.measures import definitions as d
from rounds.measures.definitions import RATES
from rounds.measures.service import Figures, Period, _day, _in

# Harm rates the board sees (definitions.RATES keys); lower is better for every one.
BOARD_RATES = ("falls", "pressure_injuries", "clabsi", "cauti", "medication_harm")


def months_ending(today: date, n: int = 12) -> list[date]:
    """The first days of the last n months, oldest first, this month last."""
    out = [today.replace(day=1)]
    while len(out) < n:
        out.insert(0, (out[0] - timedelta(days=1)).replace(day=1))
    return out


def _month_sql(column: str) -> str:
    return f"substr({column}, 1, 7)" if db.is_sqlite() else f"to_char({column}, 'YYYY-MM')"


@dataclass
class Series:
    """One small multiple: up to two lines over the same months."""

    key: str
    title: str
    unit_words: str  # what the y axis counts
    better: str  # which direction is better, in words
    months: list[date]
    lines: list[tuple[str, list[float | None]]]  # (legend words, values per month)


def _key(month: date) -> str:
    return f"{month:%Y-%m}"


async def monthly(unit_ids: list[int], today: date) -> list[Series]:
    """The 12-month series for the board report over these units."""
    months = months_ending(today)
    if not unit_ids:
        return []
    first = months[0]
    units_sql = _in(unit_ids)
    keys = [_key(m) for m in months]

    raised = dict.fromkeys(keys, 0)
    fed_back = dict.fromkeys(keys, 0)
    overdue = dict.fromkeys(keys, 0)
    for row in await db.raw(
        f"SELECT {_month_sql('identified_on')} AS m, COUNT(*) AS n, "
        f"SUM(CASE WHEN {d.sql(d.FED_BACK)} THEN 1 ELSE 0 END) AS fed_back, "
        f"SUM(CASE WHEN {d.sql(d.FEEDBACK_OVERDUE)} THEN 1 ELSE 0 END) AS overdue "
        f"FROM safety_issue WHERE unit IN ({units_sql}) AND identified_on >= {{}} AND identified_on <= {{}} "
        "GROUP BY 1",
        today,
        *unit_ids,
        first,
        today,
    ):
        if row["m"] in raised:
            raised[row["m"]] = int(row["n"])
            fed_back[row["m"]] = int(row["fed_back"] or 0)
            overdue[row["m"]] = int(row["overdue"] or 0)
    resolved = dict.fromkeys(keys, 0)
    for row in await db.raw(
        f"SELECT {_month_sql('resolved_on')} AS m, COUNT(*) AS n FROM safety_issue "
        f"WHERE unit IN ({units_sql}) AND resolved_on >= {{}} AND resolved_on <= {{}} GROUP BY 1",
        *unit_ids,
        first,
        today,
    ):
        if row["m"] in resolved:
            resolved[row["m"]] = int(row["n"])

    due = dict.fromkeys(keys, 0)
    done = dict.fromkeys(keys, 0)
    for row in await db.raw(
        "SELECT scheduled_at, status FROM safety_round "
        f"WHERE unit IN ({units_sql}) AND status <> 'cancelled' AND scheduled_at >= {{}} AND scheduled_at < {{}}",
        *unit_ids,
        start_of_day(first),
        start_of_day(today + timedelta(days=1)),
    ):
        k = _key(local(row["scheduled_at"]).date())
        if k in due:
            due[k] += 1
            done[k] += row["status"] == "completed"

    sums: dict[str, dict[str, int]] = {k: {} for k in keys}
    columns = sorted({c for key in BOARD_RATES for c in RATES[key][1:]})
    for row in await db.raw(
        f"SELECT month, {', '.join(f'SUM({c}) AS {c}' for c in columns)} FROM unit_measure "
        f"WHERE unit IN ({units_sql}) AND month >= {{}} AND month <= {{}} GROUP BY month",
        *unit_ids,
        first,
        today,
    ):
        month = _day(row["month"])
        assert month is not None  # unit_measure.month is NOT NULL
        k = _key(month)
        if k in sums:
            sums[k] = {c: int(row[c] or 0) for c in columns}

    out = []
    for key in BOARD_RATES:
        label, num, den = RATES[key]
        title, _, per = label.partition(" per ")
        values = [
            d.harm_rate(sums[k].get(num, 0), sums[k].get(den, 0)) if sums[k] else None for k in keys
        ]
        out.append(Series(key, title, f"per {per}", "Lower is better", months, [(title, values)]))
    out.append(
        Series(
            "issues",
            "Safety issues",
            "issues a month",
            "Resolved keeping up with raised is better",
            months,
            [
                ("raised", [raised[k] for k in keys]),
                ("resolved", [resolved[k] for k in keys]),
            ],
        )
    )
    out.append(
        Series(
            "fed_back",
            "Fed back %",
            "% of issues raised that month",
            "Higher is better",
            months,
            [("fed back %", [d.fed_back_pct(fed_back[k], overdue[k]) for k in keys])],
        )
    )
    out.append(
        Series(
            "rounds",
            "Rounds",
            "rounds a month",
            "Done matching due is better",
            months,
            [("due", [due[k] for k in keys]), ("done", [done[k] for k in keys])],
        )
    )
    return out


def previous(period: Period) -> Period:
    """The period of the same length just before this one (judged as of the same today)."""
    length = (period.end - period.start).days + 1
    return Period(
        period.start - timedelta(days=length), period.start - timedelta(days=1), period.today
    )


@dataclass
class Change:
    label: str
    now: str
    before: str
    direction: str  # "up", "down", "same", "" (not comparable)
    verdict: str  # "better", "worse", "no change", ""
    words: str  # e.g. "up 6 points, better"


def _compare(
    label: str, now, before, *, better: str, unit: str = "", fmt: Callable[[Any], str] = str
) -> Change:
    shown_now = "–" if now is None else fmt(now) + unit
    shown_before = "–" if before is None else fmt(before) + unit
    if now is None or before is None:
        return Change(label, shown_now, shown_before, "", "", "not comparable")
    if now == before:
        return Change(label, shown_now, shown_before, "same", "no change", "no change")
    direction = "up" if now > before else "down"
    good = (direction == "up") == (better == "higher")
    verdict = "better" if good else "worse"
    diff = abs(now - before)
    amount = f"{fmt(diff)} points" if unit == "%" else fmt(diff)
    return Change(
        label, shown_now, shown_before, direction, verdict, f"{direction} {amount}, {verdict}"
    )


def _days(value: float) -> str:
    return f"{value:g}"


def comparison(now: Figures, before: Figures) -> list[Change]:
    """This period against the previous one, each with its direction in words."""
    return [
        _compare("Fed back %", now.fed_back_pct, before.fed_back_pct, better="higher", unit="%"),
        _compare(
            "Fed back on time %",
            now.fed_back_on_time_pct,
            before.fed_back_on_time_pct,
            better="higher",
            unit="%",
        ),
        _compare(
            "Median days to feedback",
            now.median_days_to_feedback,
            before.median_days_to_feedback,
            better="lower",
            fmt=_days,
        ),
        _compare(
            "Rounds done % of due",
            now.rounds_done_pct,
            before.rounds_done_pct,
            better="higher",
            unit="%",
        ),
        _compare("Staff reach", now.reach, before.reach, better="higher", unit="%"),
        _compare("Safety issues raised", now.raised, before.raised, better="higher"),
        _compare("Feedback overdue", now.feedback_overdue, before.feedback_overdue, better="lower"),
    ]
