"""Issue #11 case 3 for barriers: a follow-up action from a page opened before someone else's
change is saved unless both changed the same thing (the next follow-up, the level, the owner);
then both values are shown and the person chooses (the issue page's merge choice), with their
note kept; a double tap still adds one note."""

from datetime import timedelta
from html import unescape

from rounds.barriers.tables import Barrier, BarrierNote
from rounds.core.clock import local_today
from rounds.web.filters import day
from tests.conftest import post_form
from tests.rounding.helpers import make_barrier, make_issue
from tests.trust.forms import form_fields


async def _barrier(world):
    issue = await make_issue(world, "Suction regulators missing", status="planned")
    return await make_barrier(world, issue, "Vendor contract", follow_up=local_today())


async def test_stale_forms_merge_unless_both_changed_the_same_field(
    client, make_client, world, login
):
    barrier = await _barrier(world)
    path = f"/barriers/{barrier}"
    async with make_client() as other:
        await login(client, "executive")
        await login(other, "champion")
        page_a = (await client.get(path)).text
        page_b = (await other.get(path)).text
        a_note = form_fields(page_a, f"{path}/notes")
        b_note = form_fields(page_b, f"{path}/notes")
        b_removed = form_fields(page_b, f"{path}/removed")
        in_two_weeks = (local_today() + timedelta(days=14)).isoformat()
        a = {**a_note, "note_body": "Vendor called back", "note_next": in_two_weeks}
        assert (await post_form(client, f"{path}/notes", a)).status_code in (200, 303)
        # B's note from the older page, with another next date: both set it - a true conflict
        in_three_days = (local_today() + timedelta(days=3)).isoformat()
        clash = await post_form(
            other, f"{path}/notes", {**b_note, "note_body": "Chased", "note_next": in_three_days}
        )
        html = unescape(clash.text)
        assert "both changed 1 detail" in html
        assert (
            f'Keep the saved value: <strong class="merge-choice__value">{day(local_today() + timedelta(days=14))}'
            in html
        )
        assert (
            f'Use yours: <strong class="merge-choice__value">{day(local_today() + timedelta(days=3))}'
            in html
        )
        assert await BarrierNote.count().where(BarrierNote.body == "Chased") == 0
        choice = form_fields(clash.text, f"{path}/notes")
        assert choice["note_body"] == "Chased" and choice["conflict_fields"] == "note_next"
        # no choice: asked again, the note still typed
        again = await post_form(other, f"{path}/notes", choice)
        assert "choose which value to keep" in unescape(again.text)
        assert await BarrierNote.count().where(BarrierNote.body == "Chased") == 0
        # B keeps A's date: the note is added, A's date kept; pressed twice, one note
        for _ in range(2):
            same = await post_form(other, f"{path}/notes", {**choice, "keep_note_next": "theirs"})
            assert same.status_code in (200, 303)
        for _ in range(2):  # a double tap of the removal from the old page: one removal
            done = await post_form(
                other, f"{path}/removed", {**b_removed, "removed_note": "New contract signed"}
            )
            assert done.status_code in (200, 303)
    row = await Barrier.select().where(Barrier.id == barrier).first()
    assert row["status"] == "removed"
    assert row["next_follow_up_on"].isoformat() == in_two_weeks
    bodies = [n["body"] for n in await BarrierNote.select().where(BarrierNote.barrier == barrier)]
    assert bodies.count("Vendor called back") == 1 and bodies.count("Chased") == 1
    assert bodies.count("New contract signed") == 1


async def test_a_tampered_owner_in_the_merge_choice_is_a_message_not_a_500(client, world, login):
    """The merge choice names the owner from the posted id: an id that is digits to str.isdigit
    but not to int() ('²', or more digits than int() reads) is a form error, not a crash."""
    barrier = await _barrier(world)
    path = f"/barriers/{barrier}"
    await login(client, "executive")
    fields = form_fields((await client.get(path)).text, f"{path}/escalate")
    for owner in ("²", "9" * 5000):
        for htmx, back in ((False, path), (True, "/")):
            r = await post_form(
                client,
                f"{path}/escalate",
                {
                    **fields,
                    "next": back,
                    "conflict_fields": "esc_owner",
                    "esc_owner": owner,
                    "base_owner": owner,
                },
                htmx=htmx,
            )
            assert r.status_code == 200, (owner[:5], htmx, r.status_code)
            assert "choose which value to keep" in unescape(r.text)
    assert (await Barrier.select().where(Barrier.id == barrier).first())["level"] == "executive"
