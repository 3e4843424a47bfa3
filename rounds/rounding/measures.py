"""Monthly unit measures and last-event dates. Rates and "days since" are computed, never typed."""

from __future__ import annotations

from datetime import date
from typing import Any

from rounds import db
from rounds.audit import service as audit
from rounds.auth.access import Viewer, ensure_can_manage
from rounds.core import clock
from rounds.core.clock import local_today
from rounds.rounding import charts, rules
from rounds.rounding.service import Conflict, RoundInputError, get_unit
from rounds.rounding.tables import LastEvent, UnitMeasure

HISTORY_MONTHS = 18
CHART_MONTHS = 12


async def overview(viewer: Viewer, unit_id: int) -> dict[str, Any]:
    """The measures page: 18 months of figures with rates, 12-month charts, last events."""
    unit = await get_unit(viewer, unit_id)
    today = local_today()
    first = rules.add_months(rules.month_start(today), -HISTORY_MONTHS)
    months = (
        await UnitMeasure.select()
        .where((UnitMeasure.unit == unit_id) & (UnitMeasure.month >= first))
        .order_by(UnitMeasure.month, ascending=False)
    )
    for m in months:
        m["rates"] = rules.rates_for(m)
    events = {
        e["kind"]: e["occurred_on"]
        for e in await LastEvent.select(LastEvent.kind, LastEvent.occurred_on).where(
            LastEvent.unit == unit_id
        )
    }
    chart_rows = list(reversed(months[:CHART_MONTHS]))
    charts_out = []
    for key, (label, _num, _den) in rules.RATES.items():
        points = [(m["month"], m["rates"][key]) for m in chart_rows]
        charts_out.append(
            {
                "key": key,
                "label": label,
                "svg": charts.sparkline(points, label),
                "text": charts.text_alternative(points, label),
                "latest": points[-1][1] if points else None,
            }
        )
    last_month = rules.previous_month(today)
    return {
        "unit": unit,
        "months": months,
        "charts": charts_out,
        "events": events,
        "days_since": {k: rules.days_since(events.get(k), today) for k in rules.EVENT_KINDS},
        "missing_last_month": not any(m["month"] == last_month for m in months),
        "last_month": last_month,
    }


async def month_values(unit_id: int, month: date) -> dict | None:
    return (
        await UnitMeasure.select()
        .where((UnitMeasure.unit == unit_id) & (UnitMeasure.month == rules.month_start(month)))
        .first()
    )


async def save_month(
    viewer: Viewer,
    unit_id: int,
    month: date,
    values: dict[str, int],
    *,
    version: int,
    base: dict[str, int] | None = None,
) -> int:
    """Create a month's figures (version 0) or edit them (the version the form was opened on).
    With `base` (the figures the edit started from) only the figures this person changed are
    written, and only a figure someone else also changed since is a conflict.
    Raises RoundInputError with messages by field, Conflict when someone else saved first."""
    ensure_can_manage(viewer, unit_id)
    month = rules.month_start(month)
    errors = rules.measure_problems(values, month, local_today())
    if errors:
        raise RoundInputError(errors)
    now = clock.now()
    async with db.write_transaction():
        existing = (
            await UnitMeasure.select()
            .where((UnitMeasure.unit == unit_id) & (UnitMeasure.month == month))
            .first()
        )
        if existing is None and version:
            raise Conflict()  # it was deleted meanwhile; nothing to edit
        if existing is not None and version == 0:
            raise RoundInputError(
                {
                    "month": f"Figures for {rules.month_label(month)} are already entered – open that month to edit them."
                }
            )
        if existing is not None and base is not None and version:
            from rounds.core.merging import merge

            values, clashes = merge(existing, values, base)
            if clashes:
                raise Conflict(tuple(clashes), values)
            version = existing["version"]
        if existing is not None and existing["version"] != version:
            raise Conflict()
        if existing is None:
            # columns of several types: a dict[str, int] spread among Table's own keyword
            # parameters (_data, _ignore_missing...) would not type-check
            columns: dict[str, Any] = {
                "unit": unit_id,
                "month": month,
                **values,
                "entered_by": viewer.id,
                "entered_at": now,
                "version": 1,
            }
            row = (await UnitMeasure.insert(UnitMeasure(**columns)).returning(UnitMeasure.id))[0]
            await audit.record(
                viewer.actor,
                "create",
                "unit_measure",
                row["id"],
                unit_id=unit_id,
                changes=audit.created({"month": month, **values}),
            )
            return row["id"]
        changes = audit.diff(existing, values)
        if changes:
            await UnitMeasure.update(
                {**values, "entered_by": viewer.id, "entered_at": now, "version": version + 1}
            ).where(UnitMeasure.id == existing["id"])
            await audit.record(
                viewer.actor,
                "update",
                "unit_measure",
                existing["id"],
                unit_id=unit_id,
                changes=changes,
            )
        return existing["id"]


def events_fingerprint(events: dict[str, date]) -> str:
    return ";".join(f"{k}={events[k].isoformat()}" for k in sorted(events))


async def save_last_events(
    viewer: Viewer, unit_id: int, dates: dict[str, date | None], *, seen: str
) -> None:
    """Last event of each kind. `seen` is the fingerprint of the dates the form was opened on,
    so an edit made meanwhile by someone else is never overwritten silently."""
    ensure_can_manage(viewer, unit_id)
    today = local_today()
    rows = (
        await UnitMeasure.select()
        .where(UnitMeasure.unit == unit_id)
        .order_by(UnitMeasure.month, ascending=False)
        .limit(36)
    )
    latest_with: dict[str, date] = {}
    for kind, field in rules.KIND_COUNT.items():
        hit = next((r["month"] for r in rows if r[field] > 0), None)
        if hit:
            latest_with[kind] = hit
    errors = rules.last_event_problems(dates, today, latest_with)
    if errors:
        raise RoundInputError(errors)
    async with db.write_transaction():
        current = {e["kind"]: e for e in await LastEvent.select().where(LastEvent.unit == unit_id)}
        if events_fingerprint({k: v["occurred_on"] for k, v in current.items()}) != seen:
            raise Conflict()
        changes = {}
        for kind, on in dates.items():
            before = current.get(kind)
            if on is None:
                continue  # a blank field keeps what is there (dates are only ever moved on)
            if before is None:
                await LastEvent.insert(LastEvent(unit=unit_id, kind=kind, occurred_on=on))
            elif before["occurred_on"] != on:
                await LastEvent.update({LastEvent.occurred_on: on}).where(
                    LastEvent.id == before["id"]
                )
            else:
                continue
            changes[kind] = [before["occurred_on"].isoformat() if before else None, on.isoformat()]
        if changes:
            await audit.record(
                viewer.actor, "update", "unit_last_event", unit_id, unit_id=unit_id, changes=changes
            )
