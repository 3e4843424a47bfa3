"""Unit measures: entry, validation next to each field, duplicates, version check, rates shown,
last-event dates, charts with a text alternative."""

from datetime import timedelta

from rounds.core.clock import local_today
from rounds.rounding import rules
from rounds.rounding.tables import LastEvent, UnitMeasure
from tests.conftest import form_error, post_form


def month_data(when, **kw):
    data = {
        "month": f"{when:%Y-%m}",
        "version": "0",
        "patient_days": "812",
        "falls": "3",
        "falls_with_injury": "1",
        "pressure_injuries": "0",
        "central_line_days": "365",
        "clabsi": "1",
        "catheter_days": "200",
        "cauti": "0",
        "medication_harm": "0",
        "staff_injuries": "1",
    }
    data.update({k: str(v) for k, v in kw.items()})
    return data


async def test_enter_edit_and_refuse_measures(client, world, login, make_client):
    last = rules.previous_month(local_today())
    url = f"/units/{world.unit_a}/measures"
    await login(client, "champion")
    assert (await post_form(client, url, month_data(last))).status_code == 303
    row = await UnitMeasure.select().where(UnitMeasure.unit == world.unit_a).first()
    assert row["month"] == last and row["patient_days"] == 812 and row["version"] == 1
    page = (await client.get(url)).text
    assert "3 (3.7)" in page and "1 (2.7)" in page  # falls and CLABSI rates, hand-checked
    # opening a month to edit it carries its figures and version
    edit = (await client.get(f"{url}?month={last:%Y-%m}")).text
    assert 'name="version" value="1"' in edit and 'value="812"' in edit
    # duplicates for a month are refused unless editing with the version
    dup = await post_form(client, url, month_data(last, falls=4))
    assert "already entered" in form_error(dup.text, "month")
    assert (await post_form(client, url, month_data(last, falls=4, version=1))).status_code == 303
    stale = await post_form(client, url, month_data(last, falls=5, version=1))
    assert "Someone else saved" in stale.text
    assert (await UnitMeasure.select(UnitMeasure.falls).first())["falls"] == 4
    # each rule with its message next to the field, the typed text kept
    cases = [
        ({"falls": -1}, "falls", "cannot be negative"),
        ({"falls": 1, "falls_with_injury": 2}, "falls_with_injury", "more than falls"),
        ({"clabsi": 1, "central_line_days": 0}, "clabsi", "central-line days"),
        ({"cauti": 3, "catheter_days": 2}, "cauti", "More CAUTI"),
        ({"patient_days": "lots"}, "patient_days", "whole number"),
        ({"month": f"{local_today() + timedelta(days=40):%Y-%m}"}, "month", "not happened yet"),
        ({"month": "March"}, "month", "Choose a month"),
    ]
    earlier = rules.add_months(last, -1)
    for change, field, message in cases:
        response = await post_form(client, url, month_data(earlier, **change))
        assert response.status_code == 200
        assert message in (form_error(response.text, field) or ""), (
            change,
            form_error(response.text, field),
        )
    assert await UnitMeasure.count() == 1
    # members can read but not enter
    async with make_client() as member:
        await login(member, "member")
        assert (await member.get(url)).status_code == 200
        assert (await post_form(member, url, month_data(earlier))).status_code == 403


async def test_last_event_dates_and_days_since(client, world, login):
    today = local_today()
    last = rules.previous_month(today)
    url = f"/units/{world.unit_a}/measures"
    await login(client, "champion")
    await post_form(client, url, month_data(last, cauti=1))
    page = (await client.get(url)).text
    import re

    seen = re.search(r'name="seen" value="([^"]*)"', page).group(1)
    ok = await post_form(
        client,
        url + "/last-events",
        {
            "seen": seen,
            "fall": (today - timedelta(days=3)).isoformat(),
            "fall_injury": (today - timedelta(days=10)).isoformat(),
            "cauti": (last + timedelta(days=4)).isoformat(),
        },
    )
    assert ok.status_code == 303, ok.text
    assert await LastEvent.count().where(LastEvent.unit == world.unit_a) == 3
    page = (await client.get(url)).text
    assert ">3<" in page and "days since the last fall" in page
    # wrong order, future, and older than the monthly figures say
    seen = re.search(r'name="seen" value="([^"]*)"', page).group(1)
    bad = await post_form(
        client,
        url + "/last-events",
        {
            "seen": seen,
            "fall": (today - timedelta(days=9)).isoformat(),
            "fall_injury": (today - timedelta(days=2)).isoformat(),
            "clabsi": (today + timedelta(days=2)).isoformat(),
            "cauti": (last - timedelta(days=20)).isoformat(),
        },
    )
    assert "cannot be after the last fall" in form_error(bad.text, "fall_injury")
    assert "future" in form_error(bad.text, "clabsi")
    assert "record a CAUTI" in form_error(bad.text, "cauti")
    # someone else saved meanwhile: refused
    stale = await post_form(client, url + "/last-events", {"seen": "", "fall": today.isoformat()})
    assert "Someone else saved" in stale.text


async def test_trend_charts_are_inline_svg_with_text(client, world, login, query_counter):
    last = rules.previous_month(local_today())
    await login(client, "champion")
    for back in range(3):
        await post_form(
            client,
            f"/units/{world.unit_a}/measures",
            month_data(rules.add_months(last, -back), falls=back + 1),
        )
    with query_counter() as counted:
        html = (await client.get(f"/units/{world.unit_a}/measures")).text
    assert counted.n <= 8, counted.queries
    assert html.count('<svg class="chart"') == len(rules.RATES)
    assert "<polyline" in html and "style=" not in html.split("<main")[1]
    assert "Falls per 1,000 patient-days, month by month:" in html
