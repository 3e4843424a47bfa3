"""Every concern page - the public ones the sweep's crawl never reaches too - is valid HTML
(the W3C Nu validator, as in tests/browser/test_sweep.py)."""

from __future__ import annotations

import re

from tests.browser.test_sweep import validate_html
from tests.conftest import post_form
from tests.rounding.helpers import make_round
from tests.voice.helpers import sent_concern


async def test_concern_pages_are_valid_html(app, client, world, login):
    round_id = await make_round(world, days=3)
    await login(client, "champion")
    for audience in ("staff", "family"):
        await post_form(client, f"/units/{world.unit_a}/concerns/links", {"audience": audience})
    concern_id, code = await sent_concern(world, world.unit_a, role="RN, days", round_id=round_id)
    unit_page = (await client.get(f"/units/{world.unit_a}/concerns")).text
    staff_path, family_path = re.findall(r'href="http://testserver(/s/[A-Za-z0-9_-]+)"', unit_page)
    signed_in = [
        "/",
        "/concerns",
        f"/concerns/{concern_id}",
        f"/units/{world.unit_a}/concerns",
        f"/units/{world.unit_a}/concerns/poster?audience=staff",
        f"/units/{world.unit_a}/concerns/poster?audience=family&lang=es",
        f"/rounds/{round_id}/notice",
        f"/rounds/{round_id}/briefing",
    ]
    bodies = {}
    for path in signed_in:
        response = await client.get(path)
        assert response.status_code == 200, path
        bodies[path] = response.text
    client.cookies.clear()
    for path in [
        staff_path,
        f"{staff_path}?round={round_id}",
        family_path,
        f"{family_path}?lang=es",
        f"/c/{code}",
        f"/c/{code}?sent=1",
        "/c",
        "/c?code=nope",
    ]:
        response = await client.get(path)
        assert response.status_code == 200, path
        bodies[path] = response.text
    # a form sent back with problems
    response = await post_form(client, staff_path, {"harm": "", "role": "x" * 100})
    assert response.status_code == 200
    bodies["refused"] = response.text
    assert validate_html(bodies) == []
