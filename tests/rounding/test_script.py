"""The question script: admin-editable, used by briefings and the round screen; leaders and
members cannot change rounds."""

import re

from rounds.core.tables import Setting
from tests.conftest import form_error, post_form
from tests.rounding.helpers import make_round


async def test_admin_edits_the_script(client, world, login, make_client):
    await login(client, "admin")
    page = (await client.get("/admin/script")).text
    seen = re.search(r'name="seen" value="([^"]+)"', page).group(1)
    empty = await post_form(
        client,
        "/admin/script",
        {"questions": " \n ", "opening": "Hello", "closing": "", "seen": seen},
    )
    assert (
        form_error(empty.text, "questions")
        and form_error(empty.text, "closing")
        and "Hello" in empty.text
    )
    ok = await post_form(
        client,
        "/admin/script",
        {
            "questions": "What worries you most today?\n\nWhat slowed you down this week?",
            "opening": "Systems, not blame.",
            "closing": "You will hear back within two weeks.",
            "seen": seen,
        },
    )
    assert ok.status_code == 303
    assert (await Setting.select(Setting.value).where(Setting.key == "script.questions").first())[
        "value"
    ] == '["What worries you most today?", "What slowed you down this week?"]'
    stale = await post_form(
        client, "/admin/script", {"questions": "Old", "opening": "a", "closing": "b", "seen": seen}
    )
    assert "Someone else saved" in stale.text
    round_id = await make_round(world, days=1)
    briefing = (await client.get(f"/rounds/{round_id}/briefing?open=script")).text
    assert "What slowed you down this week?" in briefing and "Systems, not blame." in briefing
    async with make_client() as champion:
        await login(champion, "champion")
        assert (await champion.get("/admin/script")).status_code == 403


async def test_leaders_read_but_cannot_start(client, world, login):
    round_id = await make_round(world, days=1)
    await login(client, "leader")
    page = await client.get(f"/rounds/{round_id}/briefing")
    assert page.status_code == 200 and "Start round" not in page.text
    assert (await post_form(client, f"/rounds/{round_id}/start")).status_code == 403
    assert (await client.get(f"/rounds/{round_id}/briefing/edit")).status_code == 403
    assert (await client.get("/rounds")).status_code == 200
