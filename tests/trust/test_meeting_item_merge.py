"""Issue #11 case 3 for meeting items: minutes typed on one device and decisions on another
both stay; the same field changed on both shows both texts and the person chooses (the issue
page's merge choice); saving the choice twice reverts nothing."""

from html import unescape

from rounds.core.clock import local_today
from rounds.meetings.tables import MeetingItem
from tests.conftest import post_form
from tests.meetings.helpers import add_meeting
from tests.trust.forms import form_fields


async def test_two_devices_on_one_item_keep_both_texts(client, make_client, world, login):
    meeting = await add_meeting(world.unit_a, local_today())
    async with make_client() as other:
        await login(client, "champion")
        await login(other, "member")
        page_a = (await client.get(f"/meetings/{meeting}")).text
        page_b = (await other.get(f"/meetings/{meeting}")).text
        item = await MeetingItem.select().where(MeetingItem.meeting == meeting).first()
        url = f"/meetings/{meeting}/items/{item['id']}"
        a, b = form_fields(page_a, url), form_fields(page_b, url)
        saved = await post_form(client, url, {**a, "minutes": "Falls up on nights"}, htmx=True)
        assert "Saved" in saved.text
        for _ in range(2):  # B's older page, saved twice
            b_saved = await post_form(other, url, {**b, "decisions": "Buy bed alarms"}, htmx=True)
            assert "Not saved" not in b_saved.text
        row = await MeetingItem.select().where(MeetingItem.id == item["id"]).first()
        assert (row["minutes"], row["decisions"]) == ("Falls up on nights", "Buy bed alarms")
        # both change the minutes: B sees both texts, keeps A's decisions, and chooses
        clash = await post_form(other, url, {**b, "minutes": "Two falls this month"}, htmx=True)
        html = unescape(clash.text)
        assert "both changed 1 text" in html and "Falls up on nights" in html
        assert "Two falls this month" in html
        keep = form_fields(clash.text, url)
        assert keep["decisions"] == "Buy bed alarms" and keep["conflict_fields"] == "minutes"
        row = await MeetingItem.select().where(MeetingItem.id == item["id"]).first()
        assert row["minutes"] == "Falls up on nights"  # nothing written before choosing
        unchosen = await post_form(other, url, keep, htmx=True)
        assert "choose which value to keep" in unescape(unchosen.text)
        for _ in range(2):  # "use yours", pressed twice
            done = await post_form(other, url, {**keep, "keep_minutes": "mine"}, htmx=True)
            assert "Saved" in done.text and "Two falls this month" in unescape(done.text)
        # choosing the saved text writes nothing of B's minutes
        clash = await post_form(other, url, {**b, "minutes": "Three falls"}, htmx=True)
        keep = form_fields(clash.text, url)
        done = await post_form(other, url, {**keep, "keep_minutes": "theirs"}, htmx=True)
        assert "Saved" in done.text
    row = await MeetingItem.select().where(MeetingItem.id == item["id"]).first()
    assert (row["minutes"], row["decisions"]) == ("Two falls this month", "Buy bed alarms")


async def test_summary_changed_on_two_devices_shows_both_and_the_person_chooses(
    client, make_client, world, login
):
    from rounds.meetings.tables import Meeting

    meeting = await add_meeting(world.unit_a, local_today())
    url = f"/meetings/{meeting}/summary"
    async with make_client() as other:
        await login(client, "champion")
        await login(other, "executive")
        # the autosaved form's fields (the page's other form on this URL asks for a draft)
        a = form_fields((await client.get(f"/meetings/{meeting}")).text, url)
        b = form_fields((await other.get(f"/meetings/{meeting}")).text, url)
        a.pop("draft", None), b.pop("draft", None)
        assert a["base_upward_summary"] == "" and "version" in a
        saved = await post_form(
            client, url, {**a, "upward_summary": "Pumps need funding."}, htmx=True
        )
        assert "Saved" in saved.text
        # B's older page: both texts, nothing written until B chooses
        clash = await post_form(
            other, url, {**b, "upward_summary": "Nights need staff."}, htmx=True
        )
        html = unescape(clash.text)
        assert "both changed 1 text" in html
        assert "Pumps need funding." in html and "Nights need staff." in html
        choice = form_fields(clash.text, url)
        assert choice["conflict_fields"] == "upward_summary"
        row = await Meeting.select(Meeting.upward_summary).where(Meeting.id == meeting).first()
        assert row["upward_summary"] == "Pumps need funding."
        for _ in range(2):  # keep the saved text, pressed twice: nothing of B's written
            kept = await post_form(
                other, url, {**choice, "keep_upward_summary": "theirs"}, htmx=True
            )
            assert "Saved" in kept.text
        # B's old page, unchanged text, saved again: A's summary is not reverted
        again = await post_form(other, url, b, htmx=True)
        assert "Not saved" not in again.text
    row = await Meeting.select(Meeting.upward_summary).where(Meeting.id == meeting).first()
    assert row["upward_summary"] == "Pumps need funding."
