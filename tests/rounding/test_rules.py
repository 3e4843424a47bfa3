"""Pure rules: schedules, rates (hand-checked), reach, measure and last-event validation."""

from datetime import UTC, date, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from rounds.rounding import rules

NY = ZoneInfo("America/New_York")


def test_series_every_four_weeks_keeps_wall_clock_time_across_dst():
    first = rules.local_datetime(date(2026, 2, 17), time(10, 0), NY)
    dates = rules.series_dates(first, 4, after=None, until=date(2026, 5, 31))
    assert [d.date() for d in dates] == [
        date(2026, 2, 17),
        date(2026, 3, 17),
        date(2026, 4, 14),
        date(2026, 5, 12),
    ]
    assert all(d.hour == 10 and d.minute == 0 for d in dates)
    # DST began on 8 March 2026: the same local time is a different UTC hour
    assert dates[0].astimezone(UTC).hour == 15 and dates[1].astimezone(UTC).hour == 14


def test_series_skips_what_was_generated_and_stops_at_until():
    first = rules.local_datetime(date(2026, 1, 6), time(9, 30), NY)
    after = rules.local_datetime(date(2026, 2, 3), time(23, 59), NY)
    dates = rules.series_dates(first, 2, after=after, until=date(2026, 3, 3))
    assert [d.date() for d in dates] == [date(2026, 2, 17), date(2026, 3, 3)]
    assert rules.series_dates(first, 2, after=None, until=date(2026, 1, 5)) == []


def test_series_is_bounded():
    first = rules.local_datetime(date(2026, 1, 1), time(9), NY)
    assert (
        len(rules.series_dates(first, 1, after=None, until=date(2040, 1, 1)))
        == rules.MAX_SERIES_ROUNDS
    )


def test_rates_per_thousand_hand_checked():
    # 3 falls in 812 patient days = 3.694... -> 3.7; 1 CLABSI in 365 line days = 2.739... -> 2.7
    month = {
        "patient_days": 812,
        "falls": 3,
        "falls_with_injury": 1,
        "pressure_injuries": 0,
        "central_line_days": 365,
        "clabsi": 1,
        "catheter_days": 0,
        "cauti": 0,
        "medication_harm": 2,
        "staff_injuries": 1,
    }
    r = rules.rates_for(month)
    assert r["falls"] == 3.7
    assert r["falls_with_injury"] == 1.2  # 1.231...
    assert r["clabsi"] == 2.7
    assert r["pressure_injuries"] == 0.0
    assert r["cauti"] is None  # no catheter days: no rate, not zero
    assert r["medication_harm"] == 2.5  # 2.463...
    assert rules.rate(0, 0) is None


def _month(**kw):
    base = dict.fromkeys(rules.COUNT_FIELDS, 0)
    base.update(patient_days=600)
    base.update(kw)
    return base


def test_measure_validation_messages():
    today = date(2026, 6, 15)
    ok = _month(
        falls=2, falls_with_injury=1, central_line_days=200, clabsi=1, catheter_days=100, cauti=1
    )
    assert rules.measure_problems(ok, date(2026, 5, 1), today) == {}
    assert (
        "cannot be negative"
        in rules.measure_problems(_month(falls=-1), date(2026, 5, 1), today)["falls"]
    )
    assert (
        "more than falls"
        in rules.measure_problems(_month(falls=1, falls_with_injury=2), date(2026, 5, 1), today)[
            "falls_with_injury"
        ]
    )
    assert (
        "central-line days"
        in rules.measure_problems(_month(clabsi=1), date(2026, 5, 1), today)["clabsi"]
    )
    assert (
        "catheter days"
        in rules.measure_problems(_month(cauti=2, catheter_days=1), date(2026, 5, 1), today)[
            "cauti"
        ]
    )
    assert (
        "patient days"
        in rules.measure_problems(_month(patient_days=0, falls=1), date(2026, 5, 1), today)["falls"]
    )
    assert (
        "cannot be more than patient days"
        in rules.measure_problems(_month(central_line_days=700), date(2026, 5, 1), today)[
            "central_line_days"
        ]
    )
    assert "not happened yet" in rules.measure_problems(ok, date(2026, 7, 1), today)["month"]
    assert (
        rules.measure_problems(ok, date(2026, 6, 1), today) == {}
    )  # the current month may be entered


def test_last_event_order_and_figures():
    today = date(2026, 6, 15)
    assert (
        rules.last_event_problems(
            {"fall": date(2026, 6, 1), "fall_injury": date(2026, 5, 2)}, today, {}
        )
        == {}
    )
    wrong = rules.last_event_problems(
        {"fall": date(2026, 5, 1), "fall_injury": date(2026, 6, 1)}, today, {}
    )
    assert "cannot be after the last fall" in wrong["fall_injury"]
    assert "future" in rules.last_event_problems({"clabsi": date(2026, 6, 16)}, today, {})["clabsi"]
    older = rules.last_event_problems(
        {"cauti": date(2026, 3, 9)}, today, {"cauti": date(2026, 4, 1)}
    )
    assert "April 2026 record a CAUTI" in older["cauti"]
    assert "fall" in rules.last_event_problems({"fall_injury": date(2026, 6, 1)}, today, {})


def test_can_start_and_cancel():
    assert "cancelled" in rules.can_start("cancelled")
    assert rules.can_start("briefed") is None
    assert rules.can_cancel("scheduled") is None
    assert rules.can_cancel("completed")


@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    weeks=st.integers(1, 12),
    hour=st.integers(6, 20),
    span=st.integers(0, 400),
)
def test_series_dates_property(start, weeks, hour, span):
    first = rules.local_datetime(start, time(hour, 30), NY)
    until = start + timedelta(days=span)
    dates = rules.series_dates(first, weeks, after=None, until=until)
    assert dates and dates[0] == first
    assert all(d.date() <= until and d.hour == hour and d.minute == 30 for d in dates)
    assert all(
        (b.date() - a.date()).days == 7 * weeks for a, b in zip(dates, dates[1:], strict=False)
    )
    assert len(dates) == min(rules.MAX_SERIES_ROUNDS, span // (7 * weeks) + 1)


def test_sparkline_gaps_and_empty():
    from rounds.rounding import charts

    months = [date(2026, m, 1) for m in range(1, 6)]
    svg = charts.sparkline(
        list(zip(months, [1.0, 2.0, None, 3.0, 4.0], strict=True)), "Falls <rate>"
    )
    assert svg.count("<polyline") == 2 and "Falls &lt;rate&gt;" in svg and "style=" not in svg
    assert "Mar 2026 no data" in charts.text_alternative(
        list(zip(months, [1.0, 2.0, None, 3.0, 4.0], strict=True)), "x"
    )
    assert "no figures yet" in charts.sparkline([], "Falls")
