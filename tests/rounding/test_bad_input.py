"""Junk sent to every rounding form: never a 500, and nothing saved."""

import pytest

from rounds.rounding.tables import SafetyRound
from tests.conftest import post_form
from tests.rounding.helpers import make_round

JUNK = [
    {},
    {
        "version": "abc",
        "idempotency_key": "x" * 500,
        "seen": "\x00",
        "step": "7",
        "action": "explode",
    },
    {
        "on": "31/31/2026",
        "at": "25:99",
        "executive_id": "-1",
        "champion_id": "1e9",
        "first_on": "never",
        "series_at": "",
        "every_weeks": "999",
        "reason": "x" * 5000,
        "description": "y" * 9000,
        "raised_by": "z" * 200,
        "staff_count": "1e99",
        "staff_roles": "r" * 400,
        "month": "2026-13",
        "patient_days": "-5",
        "falls": "3.5",
        "fall": "yesterday",
        "questions": "",
        "opening": "",
        "closing": "",
        "debrief_notes": "d" * 5000,
        "owner_999": "abc",
        "due_999": "soon",
    },
]


@pytest.mark.parametrize("junk", JUNK)
async def test_junk_never_500(client, world, login, junk):
    scheduled = await make_round(world, days=2)
    running = await make_round(world, days=0, status="in_progress")
    await login(client, "admin")
    unit = world.unit_a
    urls = [
        f"/units/{unit}/rounds",
        f"/units/{unit}/rounds/series",
        f"/units/{unit}/rounds/series/999/extend",
        f"/units/{unit}/rounds/series/999/stop",
        f"/rounds/{scheduled}/cancel",
        f"/rounds/{scheduled}/briefing/edit",
        f"/rounds/{running}/run/capture",
        f"/rounds/{running}/run/issues/999/help",
        f"/rounds/{running}/run/staff",
        f"/rounds/{running}/readback",
        f"/rounds/{running}/finish",
        f"/units/{unit}/measures",
        f"/units/{unit}/measures/last-events",
        "/me/calendar",
        "/admin/script",
        "/rounds/999999/start",
        f"/rounds/{scheduled}/run/capture",
    ]
    for url in urls:
        for htmx in (False, True):
            response = await post_form(client, url, junk, htmx=htmx)
            assert response.status_code in (200, 201, 303, 404), (url, response.status_code)
            assert "Something went wrong on our side" not in response.text, (
                url
            )  # htmx errors answer 200
    assert (
        await SafetyRound.select(SafetyRound.status).where(SafetyRound.id == scheduled).first()
    )["status"] == "scheduled"
    for url in [
        f"/units/{unit}/measures?month=garbage",
        f"/units/{unit}/measures?month=2026-13",
        "/calendar/%00.ics",
        f"/rounds/{scheduled}/briefing/edit?saved=<script>",
        "/rounds/0",
        "/rounds/99999999999999999999",
    ]:
        response = await client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        assert "Something went wrong on our side" not in response.text, url
        assert "<script>" not in response.text.split("</head>")[-1]
